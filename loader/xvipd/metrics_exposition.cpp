#include "xvipd/metrics_exposition.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/discard_reason.hpp"
#include "dataplane/counters.hpp"

namespace xvip {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string escape_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string number(double value) {
    std::array<char, 64> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

class Exposition {
public:
    // Starts a metric family: its HELP and TYPE lines. Every sample until the next family is of it.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        out_ += "# HELP " + name_ + " " + std::string(help) + "\n";
        out_ += "# TYPE " + name_ + " " + std::string(type) + "\n";
    }
    void sample(const Labels& labels, double value) {
        out_ += name_;
        if (!labels.empty()) {
            out_ += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) out_ += ',';
                out_ += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
            }
            out_ += '}';
        }
        out_ += " " + number(value) + "\n";
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
    std::string name_;
};

Labels instance_labels(const InstanceMetrics& instance) {
    return {{"instance", instance.name},
            {"interface", instance.interface},
            {"family", std::string(to_string(instance.family))},
            {"vrid", std::to_string(instance.vrid)}};
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.emplace_back(std::move(name), std::move(value));
    return labels;
}

// Seconds, to the millisecond: what the status has always shown.
double seconds(std::chrono::nanoseconds d) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) / 1000.0;
}

// keepalived's words for the states, which dashboards made for keepalived know.
constexpr std::pair<State, const char*> state_labels[] = {
    {State::initialize, "INIT"}, {State::backup, "BACKUP"}, {State::master, "MASTER"}, {State::fault, "FAULT"}};

constexpr XdpRole roles[] = {XdpRole::standby, XdpRole::active, XdpRole::draining};

struct InstanceCounter {
    const char* name;
    std::uint64_t InstanceMetrics::*member;
    const char* help;
};

constexpr InstanceCounter instance_counters[] = {
    {"xvip_adverts_sent_total", &InstanceMetrics::adverts_sent, "VRRP adverts sent."},
    {"xvip_adverts_received_total", &InstanceMetrics::adverts_received,
     "VRRP adverts received and accepted by the instance."},
    {"xvip_advert_send_failures_total", &InstanceMetrics::advert_send_failures,
     "VRRP adverts the kernel refused to send."},
    {"xvip_announcements_total", &InstanceMetrics::announcements, "Gratuitous ARP / unsolicited NA bursts started."},
    {"xvip_frames_sent_total", &InstanceMetrics::frames_sent, "Gratuitous ARP / unsolicited NA frames sent."},
    {"xvip_frame_failures_total", &InstanceMetrics::frame_failures,
     "Gratuitous ARP / unsolicited NA frames the kernel refused to send."},
    {"xvip_lease_renewals_total", &InstanceMetrics::lease_renewals, "Renewals of the active lease in the data plane."},
    {"xvip_stalls_total", &InstanceMetrics::stalls, "Times the daemon woke up after its lease had ended."},
};

// Fast failover's session per instance that has it; the families appear with the first.
void render_fast_failover(Exposition& e, const std::vector<InstanceMetrics>& instances) {
    std::vector<std::pair<Labels, const InstanceMetrics::FastFailover*>> fast;
    for (const auto& i : instances) {
        if (i.fast_failover) fast.emplace_back(instance_labels(i), &*i.fast_failover);
    }
    if (fast.empty()) return;
    const auto exact = [](Duration d) { return std::chrono::duration<double>(d).count(); };
    using F = InstanceMetrics::FastFailover;
    e.family("xvip_fast_failover_armed", "gauge",
             "1 while the active node answers this backup Up: its data plane takes over when the answers stop.");
    for (const auto& [labels, f] : fast) e.sample(labels, f->armed ? 1 : 0);
    e.family("xvip_fast_failover_detection_time_seconds", "gauge",
             "fast_failover_interval times fast_failover_multiplier.");
    for (const auto& [labels, f] : fast) e.sample(labels, exact(f->detection_time));
    e.family("xvip_fast_failover_largest_gap_seconds", "gauge",
             "Longest time between two answers while armed, since the data plane was loaded.");
    for (const auto& [labels, f] : fast) e.sample(labels, exact(f->largest_gap));
    e.family("xvip_fast_failover_most_unanswered", "gauge",
             "Most requests out when an answer came, while armed (the takeover comes at the multiplier).");
    for (const auto& [labels, f] : fast) e.sample(labels, static_cast<double>(f->most_unanswered));
    e.family("xvip_fast_failover_most_late_request_seconds", "gauge",
             "How long after it was due a request left, at most: the detection comes that much later.");
    for (const auto& [labels, f] : fast) e.sample(labels, exact(f->most_late));
    const std::array<std::tuple<const char*, std::uint64_t F::*, const char*>, 5> counters{{
        {"xvip_fast_failover_requests_total", &F::requests, "Fast-failover requests sent to the active node."},
        {"xvip_fast_failover_answers_total", &F::answers, "Answers to them recorded by the data plane."},
        {"xvip_fast_failover_takeovers_total", &F::takeovers, "Takeovers by the data plane's detector."},
        {"xvip_fast_failover_reverts_total", &F::reverts,
         "Fast takeovers reverted because the old active node answered after all."},
        {"xvip_fast_failover_late_requests_total", &F::late_requests,
         "Requests that left an interval or more after they were due (xvipd not scheduled in time)."},
    }};
    for (const auto& [name, member, help] : counters) {
        e.family(name, "counter", help);
        for (const auto& [labels, f] : fast) e.sample(labels, static_cast<double>(f->*member));
    }
}

// The load balancer's virtual services and their real servers; the families appear with the first
// service (the sorry-server ones with the first sorry server). A real server whose check has not
// decided yet has no xvip_lb_real_server_up series.
void render_load_balancer(Exposition& e, const std::vector<VirtualServiceMetrics>& services) {
    if (services.empty()) return;
    const auto service_labels = [](const VirtualServiceMetrics& s) -> Labels { return {{"service", s.service}}; };
    const auto server_labels = [](const VirtualServiceMetrics& s, const LbBackendMetrics& b) -> Labels {
        return {{"service", s.service}, {"address", b.address}};
    };
    static constexpr std::pair<lb::RingHolds, const char*> rings[] = {{lb::RingHolds::real_servers, "real_servers"},
                                                                      {lb::RingHolds::sorry_server, "sorry_server"},
                                                                      {lb::RingHolds::nothing, "nothing"}};
    e.family("xvip_lb_service_served", "gauge",
             "1 while the virtual service is in the data plane, 0 when it could not be (see xvipctl status).");
    for (const auto& s : services) e.sample(service_labels(s), s.ring ? 1 : 0);
    e.family("xvip_lb_service_ring", "gauge",
             "What the served virtual service's ring sends new flows to: 1 for real_servers, sorry_server or "
             "nothing, 0 for the others.");
    for (const auto& s : services) {
        if (!s.ring) continue;
        for (const auto& [holds, label] : rings) e.sample(with(service_labels(s), "holds", label), *s.ring == holds);
    }
    e.family("xvip_lb_service_quorum_up", "gauge",
             "1 while the served virtual service has its quorum (its live real servers' weights add up to it), 0 "
             "while not.");
    for (const auto& s : services) {
        if (s.quorum) e.sample(service_labels(s), s.quorum->up ? 1 : 0);
    }
    e.family("xvip_lb_service_live_weight", "gauge",
             "The weights of the served virtual service's real servers that are up, added: what its quorum is "
             "measured by.");
    for (const auto& s : services) {
        if (s.quorum) e.sample(service_labels(s), static_cast<double>(s.quorum->live_weight));
    }
    e.family("xvip_lb_real_server_up", "gauge",
             "1 while the real server's check says up (or it has no check), 0 while down; absent until the first "
             "verdict.");
    for (const auto& s : services) {
        for (const auto& r : s.real_servers) {
            if (r.health == LbHealth::unknown) continue;
            e.sample(server_labels(s, r.backend), r.health == LbHealth::down ? 0 : 1);
        }
    }
    e.family("xvip_lb_real_server_weight", "gauge", "The real server's weight as configured.");
    for (const auto& s : services) {
        for (const auto& r : s.real_servers) e.sample(server_labels(s, r.backend), r.weight);
    }
    e.family("xvip_lb_real_server_takes_new_flows", "gauge",
             "1 while the data plane sends the real server's address new flows (a ring names it, its MAC is known), 0 "
             "otherwise.");
    for (const auto& s : services) {
        for (const auto& r : s.real_servers) e.sample(server_labels(s, r.backend), r.backend.takes_new_flows);
    }
    e.family("xvip_lb_real_server_flows", "gauge",
             "Flows the data plane's flow table holds for the real server's address, of every service on its interface "
             "(counted at most once a second).");
    for (const auto& s : services) {
        for (const auto& r : s.real_servers) {
            e.sample(server_labels(s, r.backend), static_cast<double>(r.backend.flows));
        }
    }
    if (std::none_of(services.begin(), services.end(), [](const auto& s) { return s.sorry_server.has_value(); })) {
        return;
    }
    e.family("xvip_lb_sorry_server_takes_new_flows", "gauge",
             "1 while the data plane sends the sorry server new flows (no real server takes them), 0 otherwise.");
    for (const auto& s : services) {
        if (s.sorry_server) e.sample(server_labels(s, *s.sorry_server), s.sorry_server->takes_new_flows);
    }
    e.family("xvip_lb_sorry_server_flows", "gauge",
             "Flows the data plane's flow table holds for the sorry server's address (counted at most once a second).");
    for (const auto& s : services) {
        if (s.sorry_server) e.sample(server_labels(s, *s.sorry_server), static_cast<double>(s.sorry_server->flows));
    }
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& snapshot) {
    const auto& instances = snapshot.instances;
    Exposition e;

    e.family("xvip_build_info", "gauge", "xvipd's version and data-plane ABI version; always 1.");
    e.sample({{"version", snapshot.version}, {"abi", std::to_string(XVIP_ABI_VERSION)}}, 1);
    e.family("xvip_uptime_seconds", "gauge", "Seconds since this xvipd started.");
    e.sample({}, seconds(snapshot.uptime));

    e.family("xvip_instance_state", "gauge",
             "VRRP state of the instance: 1 for the state it is in (INIT, BACKUP, MASTER, FAULT), 0 for the others.");
    for (const auto& i : instances) {
        for (const auto& [state, label] : state_labels) {
            e.sample(with(instance_labels(i), "state", label), i.state == state ? 1 : 0);
        }
    }
    e.family("xvip_instance_dataplane_role", "gauge",
             "Effective role in the XDP data plane (lease applied): 1 for the current role (standby, active, "
             "draining), 0 for the others.");
    for (const auto& i : instances) {
        for (const XdpRole role : roles) {
            e.sample(with(instance_labels(i), "role", std::string(to_string(role))), i.role == role ? 1 : 0);
        }
    }
    e.family("xvip_instance_priority", "gauge", "Effective VRRP priority (after tracking and maintenance).");
    for (const auto& i : instances) e.sample(instance_labels(i), i.priority);
    e.family("xvip_instance_configured_priority", "gauge", "VRRP priority as configured.");
    for (const auto& i : instances) e.sample(instance_labels(i), i.configured_priority);
    e.family("xvip_instance_maintenance", "gauge",
             "1 while the instance is out of the election (xvipctl maintenance).");
    for (const auto& i : instances) e.sample(instance_labels(i), i.maintenance ? 1 : 0);
    e.family("xvip_instance_transitions_total", "counter", "VRRP state transitions since xvipd started.");
    for (const auto& i : instances) e.sample(instance_labels(i), static_cast<double>(i.transitions));
    e.family("xvip_instance_last_transition_timestamp_seconds", "gauge",
             "Unix time of the latest state transition; absent before the first.");
    for (const auto& i : instances) {
        if (i.last_transition) e.sample(instance_labels(i), seconds(i.last_transition->time_since_epoch()));
    }
    e.family("xvip_lease_remaining_seconds", "gauge",
             "Seconds left on the active (or draining) lease in the data plane; 0 when standby.");
    for (const auto& i : instances) e.sample(instance_labels(i), seconds(i.lease_remaining));

    for (const auto& counter : instance_counters) {
        e.family(counter.name, "counter", counter.help);
        for (const auto& i : instances) e.sample(instance_labels(i), static_cast<double>(i.*counter.member));
    }

    render_fast_failover(e, instances);

    e.family("xvip_advert_discards_total", "counter", "VRRP adverts for the instance discarded, by reason.");
    for (const auto& i : instances) {
        for (std::size_t r = 0; r < discard_reason_count; ++r) {
            const auto reason = to_string(static_cast<DiscardReason>(r));
            e.sample(with(instance_labels(i), "reason", std::string(reason)), static_cast<double>(i.discards[r]));
        }
    }
    e.family("xvip_interface_advert_discards_total", "counter",
             "VRRP packets discarded on the interface before any instance claimed them, by reason.");
    for (const auto& f : snapshot.interfaces) {
        for (std::size_t r = 0; r < discard_reason_count; ++r) {
            const auto reason = to_string(static_cast<DiscardReason>(r));
            e.sample({{"interface", f.name}, {"reason", std::string(reason)}}, static_cast<double>(f.discards[r]));
        }
    }

    e.family("xvip_dataplane_frames_total", "counter",
             "Frames the XDP program handled, by verdict (see xvipctl counters), summed over CPUs.");
    for (const auto& f : snapshot.interfaces) {
        if (!f.dataplane) continue;
        const xvip_counters& counters = *f.dataplane;
        for (const auto& field : counter_fields()) {
            e.sample({{"interface", f.name}, {"verdict", std::string(field.name)}},
                     static_cast<double>(counters.*field.member));
        }
    }

    render_load_balancer(e, snapshot.virtual_services);

    // BFD sessions (bfd_instance / [[bfd]]): the families appear with the first session.
    const auto& bfd = snapshot.bfd_sessions;
    if (bfd.empty()) return e.take();
    const auto exact = [](Duration d) { return std::chrono::duration<double>(d).count(); };
    const auto session_labels = [](const BfdSessionMetrics& s) -> Labels {
        return {{"session", s.name}, {"neighbor", s.neighbor}};
    };
    static constexpr std::array<BfdState, 4> bfd_states{BfdState::admin_down, BfdState::down, BfdState::init,
                                                        BfdState::up};
    e.family("xvip_bfd_session_state", "gauge",
             "State of the BFD session: 1 for the state it is in (admin_down, down, init, up), 0 for the others.");
    for (const auto& s : bfd) {
        for (const BfdState state : bfd_states) {
            e.sample(with(session_labels(s), "state", std::string(to_string(state))), s.state == state ? 1 : 0);
        }
    }
    e.family("xvip_bfd_session_remote_state", "gauge",
             "State the neighbour last reported: 1 for that state, 0 for the others.");
    for (const auto& s : bfd) {
        for (const BfdState state : bfd_states) {
            e.sample(with(session_labels(s), "state", std::string(to_string(state))), s.remote_state == state ? 1 : 0);
        }
    }
    e.family("xvip_bfd_session_diag", "gauge", "The session's diagnostic code (RFC 5880 §4.1): why it last went down.");
    for (const auto& s : bfd) e.sample(session_labels(s), static_cast<double>(s.diag));
    e.family("xvip_bfd_detection_time_seconds", "gauge",
             "Detection time in force: the neighbour's multiplier times the negotiated receive interval.");
    for (const auto& s : bfd) e.sample(session_labels(s), exact(s.detection_time));
    e.family("xvip_bfd_largest_gap_seconds", "gauge",
             "Largest gap between two packets received from the neighbour while the session was up.");
    for (const auto& s : bfd) e.sample(session_labels(s), exact(s.largest_gap));
    const std::array<std::tuple<const char*, std::uint64_t BfdSessionMetrics::*, const char*>, 5> bfd_counters{{
        {"xvip_bfd_packets_received_total", &BfdSessionMetrics::packets_received,
         "BFD control packets the session took."},
        {"xvip_bfd_packets_sent_total", &BfdSessionMetrics::packets_sent, "BFD control packets sent."},
        {"xvip_bfd_send_failures_total", &BfdSessionMetrics::send_failures,
         "BFD control packets the kernel refused to send."},
        {"xvip_bfd_session_ups_total", &BfdSessionMetrics::ups, "Times the session came up."},
        {"xvip_bfd_session_downs_total", &BfdSessionMetrics::downs, "Times the session went down from up."},
    }};
    for (const auto& [name, member, help] : bfd_counters) {
        e.family(name, "counter", help);
        for (const auto& s : bfd) e.sample(session_labels(s), static_cast<double>(s.*member));
    }
    if (!bfd.empty()) {
        e.family("xvip_bfd_drops_total", "counter", "BFD datagrams dropped before any session took them, by reason.");
        for (std::size_t r = 0; r < bfd_drop_count; ++r) {
            e.sample({{"reason", std::string(to_string(static_cast<BfdDrop>(r)))}},
                     static_cast<double>(snapshot.bfd_drops[r]));
        }
    }
    return e.take();
}

}  // namespace xvip
