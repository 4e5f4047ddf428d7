// The exposition text of a snapshot given by hand: every family with HELP and TYPE, one series per
// instance (and per state, role, reason or verdict), labels escaped, and values from the typed
// fields, so that a field no family reads, or reads wrongly, shows here.
#include "xvipd/metrics_exposition.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "dataplane/counters.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

MetricsSnapshot example() {
    MetricsSnapshot s;
    s.version = "1.2.3";
    s.uptime = 61500ms;
    InstanceMetrics i;
    i.name = "VI_1";
    i.interface = "eth0";
    i.family = AddressFamily::ipv6;
    i.vrid = 51;
    i.state = State::master;
    i.role = XdpRole::draining;
    i.priority = 90;
    i.configured_priority = 100;
    i.maintenance = true;
    i.lease_remaining = 2750ms + 400us;  // shown to the millisecond
    i.transitions = 3;
    i.last_transition = std::chrono::system_clock::time_point(1'700'000'000'250ms);
    i.adverts_sent = 11;
    i.adverts_received = 12;
    i.advert_send_failures = 13;
    i.announcements = 14;
    i.frames_sent = 15;
    i.frame_failures = 16;
    i.lease_renewals = 17;
    i.stalls = 18;
    i.discards[static_cast<std::size_t>(DiscardReason::auth_mismatch)] = 7;
    i.fast_failover = InstanceMetrics::FastFailover{.armed = true,
                                                    .detection_time = 3ms,
                                                    .requests = 21,
                                                    .answers = 22,
                                                    .takeovers = 23,
                                                    .reverts = 24,
                                                    .largest_gap = 32500us,
                                                    .most_unanswered = 2,
                                                    .late_requests = 25,
                                                    .most_late = 4250us};
    s.instances.push_back(i);
    InstanceMetrics quiet;  // never transitioned
    quiet.name = "VI \"2\"";
    quiet.interface = "eth1";
    quiet.vrid = 52;
    s.instances.push_back(quiet);
    InterfaceMetrics eth0{.name = "eth0", .discards = {}, .dataplane = xvip_counters{}};
    eth0.discards[static_cast<std::size_t>(DiscardReason::truncated)] = 4;
    eth0.dataplane->arp_reply = 99;
    s.interfaces.push_back(eth0);
    s.interfaces.push_back({.name = "eth1", .discards = {}, .dataplane = std::nullopt});
    return s;
}

const std::string vi1 = R"(instance="VI_1",interface="eth0",family="ipv6",vrid="51")";
const std::string vi2 = R"(instance="VI \"2\"",interface="eth1",family="ipv4",vrid="52")";

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l == line) return true;
    }
    return false;
}

std::size_t lines_starting(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string l; std::getline(in, l);) n += l.rfind(prefix, 0) == 0;
    return n;
}

TEST(MetricsExposition, EveryFieldOfTheSnapshotIsASeries) {
    const std::string text = render_metrics(example());
    for (const std::string& line : std::vector<std::string>{
             "xvip_build_info{version=\"1.2.3\",abi=\"" + std::to_string(XVIP_ABI_VERSION) + "\"} 1",
             std::string("xvip_uptime_seconds 61.5"),
             "xvip_instance_state{" + vi1 + ",state=\"MASTER\"} 1",
             "xvip_instance_state{" + vi1 + ",state=\"BACKUP\"} 0",
             "xvip_instance_state{" + vi2 + ",state=\"INIT\"} 1",
             "xvip_instance_dataplane_role{" + vi1 + ",role=\"draining\"} 1",
             "xvip_instance_dataplane_role{" + vi1 + ",role=\"active\"} 0",
             "xvip_instance_dataplane_role{" + vi2 + ",role=\"standby\"} 1",
             "xvip_instance_priority{" + vi1 + "} 90",
             "xvip_instance_configured_priority{" + vi1 + "} 100",
             "xvip_instance_maintenance{" + vi1 + "} 1",
             "xvip_instance_maintenance{" + vi2 + "} 0",
             "xvip_instance_transitions_total{" + vi1 + "} 3",
             "xvip_instance_last_transition_timestamp_seconds{" + vi1 + "} 1700000000.25",
             "xvip_lease_remaining_seconds{" + vi1 + "} 2.75",
             "xvip_lease_remaining_seconds{" + vi2 + "} 0",
             "xvip_adverts_sent_total{" + vi1 + "} 11",
             "xvip_adverts_received_total{" + vi1 + "} 12",
             "xvip_advert_send_failures_total{" + vi1 + "} 13",
             "xvip_announcements_total{" + vi1 + "} 14",
             "xvip_frames_sent_total{" + vi1 + "} 15",
             "xvip_frame_failures_total{" + vi1 + "} 16",
             "xvip_lease_renewals_total{" + vi1 + "} 17",
             "xvip_stalls_total{" + vi1 + "} 18",
             "xvip_advert_discards_total{" + vi1 + ",reason=\"" + std::string(to_string(DiscardReason::auth_mismatch)) +
                 "\"} 7",
             "xvip_interface_advert_discards_total{interface=\"eth0\",reason=\"" +
                 std::string(to_string(DiscardReason::truncated)) + "\"} 4",
             std::string("xvip_dataplane_frames_total{interface=\"eth0\",verdict=\"arp_reply\"} 99"),
             "xvip_fast_failover_armed{" + vi1 + "} 1",
             "xvip_fast_failover_detection_time_seconds{" + vi1 + "} 0.003",
             "xvip_fast_failover_largest_gap_seconds{" + vi1 + "} 0.0325",
             "xvip_fast_failover_most_unanswered{" + vi1 + "} 2",
             "xvip_fast_failover_requests_total{" + vi1 + "} 21",
             "xvip_fast_failover_answers_total{" + vi1 + "} 22",
             "xvip_fast_failover_takeovers_total{" + vi1 + "} 23",
             "xvip_fast_failover_reverts_total{" + vi1 + "} 24",
             "xvip_fast_failover_late_requests_total{" + vi1 + "} 25",
             "xvip_fast_failover_most_late_request_seconds{" + vi1 + "} 0.00425",
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
    EXPECT_EQ(lines_starting(text, "xvip_instance_last_transition_timestamp_seconds{"), 1u)
        << "absent before the first transition";
    EXPECT_EQ(lines_starting(text, "xvip_fast_failover_armed{"), 1u) << "only an instance with fast failover";
}

TEST(MetricsExposition, OneSeriesPerReasonAndVerdictAndOnlyReadableDataPlanes) {
    const std::string text = render_metrics(example());
    EXPECT_EQ(lines_starting(text, "xvip_advert_discards_total{"), 2 * discard_reason_count);
    EXPECT_EQ(lines_starting(text, "xvip_interface_advert_discards_total{"), 2 * discard_reason_count);
    EXPECT_EQ(lines_starting(text, "xvip_dataplane_frames_total{interface=\"eth0\""), counter_fields().size());
    EXPECT_EQ(lines_starting(text, "xvip_dataplane_frames_total{interface=\"eth1\""), 0u)
        << "an interface whose counters could not be read has no series";
}

TEST(MetricsExposition, EveryFamilyHasHelpAndTypeOnce) {
    const std::string text = render_metrics(example());
    std::istringstream in(text);
    std::size_t help = 0, type = 0;
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("# HELP ", 0) == 0) ++help;
        if (l.rfind("# TYPE ", 0) == 0) ++type;
    }
    EXPECT_EQ(help, type);
    EXPECT_EQ(help, 21u + 10u) << "21 families, 10 more with an instance with fast failover\n" << text;
}

// BFD sessions (track_bfd): state, the neighbour's state, diag, detection time, largest gap and
// counters, per session; no BFD family at all without a session.
TEST(MetricsExposition, EachBfdSessionIsASeries) {
    MetricsSnapshot snapshot = example();
    EXPECT_EQ(lines_starting(render_metrics(snapshot), "xvip_bfd_"), 0u);
    snapshot.bfd_sessions.push_back(BfdSessionMetrics{
        .name = "gw",
        .neighbor = "10.0.0.1",
        .state = BfdState::down,
        .remote_state = BfdState::up,
        .diag = BfdDiag::control_detection_time_expired,
        .detection_time = 30ms,
        .largest_gap = 12500us,
        .packets_received = 5,
        .packets_sent = 6,
        .send_failures = 1,
        .ups = 2,
        .downs = 1,
    });
    snapshot.bfd_drops[static_cast<std::size_t>(BfdDrop::ttl)] = 3;
    const std::string text = render_metrics(snapshot);
    const std::string gw = R"(session="gw",neighbor="10.0.0.1")";
    for (const std::string& line : std::vector<std::string>{
             "xvip_bfd_session_state{" + gw + ",state=\"down\"} 1",
             "xvip_bfd_session_state{" + gw + ",state=\"up\"} 0",
             "xvip_bfd_session_remote_state{" + gw + ",state=\"up\"} 1",
             "xvip_bfd_session_diag{" + gw + "} 1",
             "xvip_bfd_detection_time_seconds{" + gw + "} 0.03",
             "xvip_bfd_largest_gap_seconds{" + gw + "} 0.0125",
             "xvip_bfd_packets_received_total{" + gw + "} 5",
             "xvip_bfd_packets_sent_total{" + gw + "} 6",
             "xvip_bfd_send_failures_total{" + gw + "} 1",
             "xvip_bfd_session_ups_total{" + gw + "} 2",
             "xvip_bfd_session_downs_total{" + gw + "} 1",
             std::string("xvip_bfd_drops_total{reason=\"ttl\"} 3"),
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
}

// The load balancer's virtual services (served or not) and their real servers: health (none while
// a check has not decided; a server without a check is up), configured weight, new flows and flows
// per real server and sorry server; no load-balancer family at all without a virtual service, and
// no sorry-server family without a sorry server.
TEST(MetricsExposition, EachVirtualServiceAndRealServerIsASeries) {
    MetricsSnapshot snapshot = example();
    EXPECT_EQ(lines_starting(render_metrics(snapshot), "xvip_lb_"), 0u);
    const auto server = [](const char* address, int weight, LbHealth health, bool takes, std::uint64_t flows) {
        return RealServerMetrics{.backend = {.address = address, .takes_new_flows = takes, .flows = flows},
                                 .weight = weight,
                                 .health = health};
    };
    snapshot.virtual_services.push_back(VirtualServiceMetrics{
        .service = "tcp 192.0.2.100:80",
        .interface = "eth0",
        .ring = lb::RingHolds::real_servers,
        .quorum = lb::Quorum{.up = true, .live_weight = 2, .quorum = 2, .hysteresis = 0},
        .real_servers = {server("192.0.2.51", 2, LbHealth::up, true, 12),
                         server("192.0.2.52", 1, LbHealth::down, false, 3),
                         server("192.0.2.53", 1, LbHealth::unknown, false, 0),
                         server("192.0.2.54", 0, LbHealth::unchecked, false, 5)},
        .sorry_server = std::nullopt,
    });
    snapshot.virtual_services.push_back(VirtualServiceMetrics{
        .service = "udp 192.0.2.100:53",
        .interface = "eth0",
        .ring = std::nullopt,
        .quorum = std::nullopt,
        .real_servers = {server("192.0.2.51", 1, LbHealth::up, true, 0)},
        .sorry_server = std::nullopt,
    });
    std::string text = render_metrics(snapshot);
    const std::string web = R"(service="tcp 192.0.2.100:80")";
    const std::string dns = R"(service="udp 192.0.2.100:53")";
    const auto at = [&](const std::string& service, const char* address) {
        return service + ",address=\"" + address + "\"";
    };
    for (const std::string& line : std::vector<std::string>{
             "xvip_lb_service_served{" + web + "} 1",
             "xvip_lb_service_served{" + dns + "} 0",
             "xvip_lb_service_ring{" + web + ",holds=\"real_servers\"} 1",
             "xvip_lb_service_ring{" + web + ",holds=\"sorry_server\"} 0",
             "xvip_lb_service_ring{" + web + ",holds=\"nothing\"} 0",
             "xvip_lb_service_quorum_up{" + web + "} 1",
             "xvip_lb_service_live_weight{" + web + "} 2",
             "xvip_lb_real_server_up{" + at(web, "192.0.2.51") + "} 1",
             "xvip_lb_real_server_up{" + at(web, "192.0.2.52") + "} 0",
             "xvip_lb_real_server_up{" + at(web, "192.0.2.54") + "} 1",
             "xvip_lb_real_server_up{" + at(dns, "192.0.2.51") + "} 1",
             "xvip_lb_real_server_weight{" + at(web, "192.0.2.51") + "} 2",
             "xvip_lb_real_server_weight{" + at(web, "192.0.2.54") + "} 0",
             "xvip_lb_real_server_takes_new_flows{" + at(web, "192.0.2.51") + "} 1",
             "xvip_lb_real_server_takes_new_flows{" + at(web, "192.0.2.52") + "} 0",
             "xvip_lb_real_server_flows{" + at(web, "192.0.2.51") + "} 12",
             "xvip_lb_real_server_flows{" + at(web, "192.0.2.52") + "} 3",
             "xvip_lb_real_server_flows{" + at(web, "192.0.2.53") + "} 0",
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
    EXPECT_EQ(lines_starting(text, "xvip_lb_real_server_up{" + at(web, "192.0.2.53")), 0u)
        << "no verdict yet: no series";
    EXPECT_EQ(lines_starting(text, "xvip_lb_service_ring{" + dns), 0u) << "not served: no ring";
    EXPECT_EQ(lines_starting(text, "xvip_lb_service_quorum_up{" + dns), 0u) << "not served: no quorum";
    EXPECT_EQ(lines_starting(text, "xvip_lb_real_server_weight{"), 5u);
    EXPECT_EQ(lines_starting(text, "xvip_lb_sorry_server_"), 0u) << "no sorry server, no family";
    EXPECT_EQ(lines_starting(text, "# HELP xvip_lb_"), 8u);

    snapshot.virtual_services[0].ring = lb::RingHolds::sorry_server;
    snapshot.virtual_services[0].quorum = lb::Quorum{.up = false, .live_weight = 1, .quorum = 2, .hysteresis = 0};
    snapshot.virtual_services[0].sorry_server =
        LbBackendMetrics{.address = "192.0.2.60", .takes_new_flows = true, .flows = 104};
    text = render_metrics(snapshot);
    EXPECT_TRUE(has_line(text, "xvip_lb_service_ring{" + web + ",holds=\"sorry_server\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "xvip_lb_sorry_server_takes_new_flows{" + at(web, "192.0.2.60") + "} 1")) << text;
    EXPECT_TRUE(has_line(text, "xvip_lb_sorry_server_flows{" + at(web, "192.0.2.60") + "} 104")) << text;
    EXPECT_EQ(lines_starting(text, "xvip_lb_sorry_server_flows{"), 1u);
    EXPECT_TRUE(has_line(text, "xvip_lb_service_quorum_up{" + web + "} 0")) << text;
    EXPECT_EQ(lines_starting(text, "# HELP xvip_lb_"), 10u);
}

}  // namespace
}  // namespace xvip
