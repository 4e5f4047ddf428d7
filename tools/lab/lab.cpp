#include "lab/lab.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/duration.hpp"
#include "common/monotonic_clock.hpp"
#include "dataplane/dataplane.hpp"
#include "lab/keepalived_text.hpp"
#include "lab/log_text.hpp"
#include "lab/timeline.hpp"
#include "lab/watchers.hpp"
#include "topology/topology.hpp"

namespace xvip::lab {

namespace plan = topo::address_plan;
using namespace std::chrono;

const std::vector<ScenarioInfo>& scenarios() {
    static const std::vector<ScenarioInfo> all{
        {"failover", "the active host dies: SIGKILL its xvipd and take its link down"},
        {"switchover", "planned stop of the active node (SIGTERM): make-before-break, then drain"},
        {"preemption", "the higher-priority node starts while a lower one is active, and takes over"},
        {"crash", "the active xvipd is killed (SIGKILL), its link stays up: the lease silences it"},
        {"restart", "the active xvipd restarts (SIGUSR2, then started again): it adopts the data plane"},
        {"balancer", "load balancer: TCP connections kept across the active balancer's crash and a backend's death",
         false},
    };
    return all;
}

milliseconds probe_duration(const LabOptions& options) {
    if (options.duration) return *options.duration;
    return std::max<milliseconds>(2500ms, options.fault_at + 4 * options.advert_interval + 1500ms);
}

namespace {

constexpr std::uint8_t kVrid = 51;
constexpr std::array<int, 3> kPriority{150, 100, 50};

class Failure : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace

std::string keepalived_conf(const topo::Topology& topo, const LabOptions& o, std::size_t i,
                            const std::string& trailer) {
    std::ostringstream c;
    c << "# xvip-lab: " << topo.node(i).name << "\n"
      << "global_defs {\n    router_id " << topo.node(i).name << "\n    vrrp_version " << o.vrrp_version << "\n}\n"
      << "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id " << int{kVrid} << "\n"
      << "    priority " << kPriority.at(i) << "\n    advert_int " << advert_int_text(o.advert_interval) << "\n";
    if (o.unicast) {
        c << "    unicast_src_ip " << topo.node(i).ipv4 << "\n    unicast_peer {\n";
        for (std::size_t j = 0; j < o.nodes; ++j) {
            if (j != i) c << "        " << topo.node(j).ipv4 << "\n";
        }
        c << "    }\n";
    }
    c << "    virtual_ipaddress {\n        " << plan::vip_ipv4(0) << "/" << plan::kIpv4PrefixLength << "\n    }\n}\n"
      << trailer;
    return c.str();
}

namespace {

// With fast failover, which keepalived.conf has no keyword for: the same instance in TOML.
std::string toml_conf(const topo::Topology& topo, const LabOptions& o, std::size_t i) {
    std::ostringstream c;
    c << "# xvip-lab: " << topo.node(i).name << "\n"
      << "[[instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = " << int{kVrid}
      << "\nversion = " << o.vrrp_version << "\npriority = " << kPriority.at(i) << "\nadvert_interval = \""
      << o.advert_interval.count() << "ms\"\n"
      << "vips = [\"" << plan::vip_ipv4(0) << "/" << plan::kIpv4PrefixLength << "\"]\nfast_failover = true\n";
    return c.str();
}

class Run {
public:
    Run(const std::string& scenario, const LabOptions& o, std::FILE* out)
        : name_(scenario),
          o_(o),
          out_(out),
          topo_(topo::TopologySpec{.nodes = o.nodes, .clients = 1}),
          daemons_(o.nodes, nullptr) {
        std::vector<WatchedNode> watched;
        for (std::size_t i = 0; i < o.nodes; ++i) {
            std::ofstream(config_path(i)) << (o.fast_failover ? toml_conf(topo_, o, i) : keepalived_conf(topo_, o, i));
            watched.push_back({topo_.node(i).name, state_pin_path(topo_.node(i).pin_dir, topo_.node(i).netns)});
        }
        watcher_.emplace(timeline_, std::move(watched), InstanceKey{AddressFamily::ipv4, kVrid}.index(), o.verbose);
    }

    ~Run() {
        // Daemons first; the topology then removes namespaces, bpffs and run directory.
        stop_daemons(daemons_);
        if (watcher_) watcher_->stop();
    }

    ScenarioResult run() {
        ScenarioResult result{.name = name_};
        const auto begun = steady_clock::now();
        try {
            execute(result);
            result.completed = true;
        } catch (const std::exception& e) {
            result.failure = e.what();
        }
        if (watcher_) watcher_->stop();
        if (timeline_.start() != TimePoint{}) {
            std::fprintf(out_, "timeline (ms after the scenario start; xvipd lines carry the log's ms timestamps):\n");
            timeline_.print(out_);
        }
        if (!result.completed) {
            for (std::size_t i = 0; i < o_.nodes; ++i) {
                const auto log = daemons_[i] ? daemons_[i]->read_stderr() : std::string();
                if (!log.empty())
                    std::fprintf(out_, "%s's xvipd log, last lines:\n%s", topo_.node(i).name.c_str(),
                                 tail_lines(log, 12).c_str());
            }
        }
        result.elapsed = duration_cast<milliseconds>(steady_clock::now() - begun);
        return result;
    }

private:
    std::filesystem::path config_path(std::size_t i) const {
        return topo_.run_dir() / (topo_.node(i).name + (o_.fast_failover ? ".toml" : ".conf"));
    }
    std::filesystem::path socket_path(std::size_t i) const {
        return topo_.run_dir() / (topo_.node(i).name + "-state") / "xvipd.sock";
    }

    void event(const std::string& source, const std::string& text) { timeline_.add(monotonic_now(), source, text); }

    void start(std::size_t i) {
        auto& p = topo_.spawn(topo_.node(i).netns,
                              {o_.xvipd, o_.fast_failover ? "--config" : "--keepalived-conf", config_path(i).string(),
                               "--pin-dir", topo_.node(i).pin_dir.string(), "--state-dir",
                               (topo_.run_dir() / (topo_.node(i).name + "-state")).string(), "--log-level", "info"});
        daemons_[i] = &p;
        watcher_->add_log(i, p.stderr_path(), true);
        event(topo_.node(i).name, "xvipd started (pid " + std::to_string(p.pid()) + ")");
    }

    std::string roles_text() const {
        std::string text;
        for (std::size_t i = 0; i < o_.nodes; ++i) {
            const auto r = watcher_->role(i);
            text += (i ? ", " : "") + topo_.node(i).name + " " + (r ? std::string(to_string(*r)) : "not attached");
        }
        return text;
    }

    bool sole_active(std::size_t index) const {
        for (std::size_t i = 0; i < o_.nodes; ++i) {
            if ((watcher_->role(i) == XdpRole::active) != (i == index)) return false;
        }
        return true;
    }

    // Waits until `index` is the only active node; throws naming the roles seen otherwise.
    void wait_sole_active(std::size_t index, milliseconds timeout, const std::string& why) {
        const auto deadline = steady_clock::now() + timeout;
        while (!sole_active(index)) {
            check_daemons();
            if (steady_clock::now() >= deadline) {
                throw Failure(why + ": " + topo_.node(index).name + " was not the only active node within " +
                              format_duration(timeout) + " (" + roles_text() + ")");
            }
            std::this_thread::sleep_for(2ms);
        }
    }

    // A daemon that ended without being told to is a failure.
    void check_daemons() {
        for (std::size_t i = 0; i < o_.nodes; ++i) {
            if (daemons_[i] && !expected_exit_[i] && !daemons_[i]->running()) {
                const auto status = daemons_[i]->wait_for(0ms);
                throw Failure(topo_.node(i).name + "'s xvipd ended unexpectedly (" +
                              (status ? status->describe() : std::string("?")) + ")");
            }
        }
    }

    milliseconds election_timeout() const {
        return 3s + duration_cast<milliseconds>(2 * master_down(o_.advert_interval, kPriority.back()));
    }

    void execute(ScenarioResult& result) {
        const auto adv = o_.advert_interval;
        const bool preemption = name_ == "preemption";
        expected_exit_.assign(o_.nodes, false);
        // Set-up: every node (but the preempting one) runs; the initial active node is elected.
        const std::size_t first_active = preemption ? 1 : 0;
        for (std::size_t i = preemption ? 1 : 0; i < o_.nodes; ++i) start(i);
        wait_sole_active(first_active, election_timeout(), "initial election");
        for (std::size_t i = 0; i < o_.nodes; ++i) {
            if (i != first_active && daemons_[i]) wait_backup_seen(i);
        }

        const auto vip = *IpAddress::parse(plan::vip_ipv4(0));
        const auto duration = probe_duration(o_);
        ArpWatcher arp(topo_, topo_.client(0).netns, vip, duration + 1s);
        const auto t0 = monotonic_now();
        timeline_.set_start(t0);
        watcher_->mark_roles(t0);
        auto probe = std::async(std::launch::async, [this, vip, duration] {
            return topo_.run_in(
                topo_.client(0).netns,
                [vip, duration] { return probe::run_echo_probe({.target = vip, .duration = duration}); },
                duration + 5s);
        });

        std::this_thread::sleep_until(t0 + o_.fault_at);
        check_daemons();
        std::size_t expected = 1;
        const std::string& n0 = topo_.node(0).name;
        if (name_ == "failover") {
            expected_exit_[0] = true;
            event("lab", "FAULT: SIGKILL " + n0 + "'s xvipd");
            daemons_[0]->send_signal(SIGKILL);
            topo_.run_checked(topo_.node(0).netns, {"ip", "link", "set", "eth0", "down"});
            event("lab", "FAULT: " + n0 + "'s eth0 down (the host is gone)");
        } else if (name_ == "crash") {
            expected_exit_[0] = true;
            event("lab", "FAULT: SIGKILL " + n0 + "'s xvipd (link stays up; lease " + format_duration(3 * adv) +
                             " from its last advert)");
            daemons_[0]->send_signal(SIGKILL);
        } else if (name_ == "switchover") {
            expected_exit_[0] = true;
            event("lab", "FAULT: SIGTERM " + n0 + "'s xvipd (planned stop)");
            daemons_[0]->send_signal(SIGTERM);
        } else if (name_ == "restart") {
            expected_exit_[0] = true;
            event("lab", "FAULT: SIGUSR2 " + n0 + "'s xvipd (restart path)");
            daemons_[0]->send_signal(SIGUSR2);
            const auto status = daemons_[0]->wait(5s);
            event(n0, "xvipd exited (" + status.describe() + ")");
            if (!status.success()) throw Failure(n0 + "'s xvipd did not exit 0 on SIGUSR2: " + status.describe());
            expected_exit_[0] = false;
            start(0);
            expected = 0;
        } else if (preemption) {
            event("lab", "FAULT: " + n0 + " (priority " + std::to_string(kPriority[0]) + ") comes back");
            start(0);
            expected = 0;
        } else {
            throw Failure("unknown scenario " + name_);
        }

        auto probed = probe.get();
        const auto seen = arp.finish();
        wait_sole_active(expected, election_timeout(), "after the " + name_);
        if (name_ == "switchover") {
            const auto status = daemons_[0]->wait(10s);
            event(n0, "xvipd exited (" + status.describe() + ")");
            if (!status.success()) throw Failure(n0 + "'s xvipd did not stop cleanly: " + status.describe());
        }
        add_probe_events(probed);
        add_arp_events(seen);
        result.probe = probed;
        verify_with_xvipctl(expected);
        print_result(probed);
    }

    // A backup has seen the active node's adverts once its status names the active router.
    void wait_backup_seen(std::size_t i) {
        const auto deadline = steady_clock::now() + election_timeout();
        while (steady_clock::now() < deadline) {
            const auto r =
                topo_.run(topo_.node(i).netns, {o_.xvipctl, "status", "--json", "--socket", socket_path(i).string()});
            if (r.success()) {
                const auto j = nlohmann::json::parse(r.out, nullptr, false);
                if (!j.is_discarded() && !j["instances"].empty() && j["instances"][0]["state"] == "BACKUP" &&
                    j["instances"][0].value("active_router", "") != "") {
                    return;
                }
            }
            std::this_thread::sleep_for(20ms);
        }
        throw Failure(topo_.node(i).name + " never settled as a backup");
    }

    void add_probe_events(const probe::EchoProbeResult& p) {
        const auto at = [&](nanoseconds since_start) { return p.started_at + since_start; };
        event_at(p.started_at, "client",
                 "probe starts: ICMP echo to " + plan::vip_ipv4(0) + " every 1 ms for " + format_duration(p.duration));
        event_at(at(p.duration), "client", "probe ends: " + p.summary());
        if (p.replies.empty()) return;
        // Where the longest silence was: before the first reply, between two, or after the last.
        nanoseconds from = 0ns, to = p.replies.front().received;
        for (std::size_t i = 1; i < p.replies.size(); ++i) {
            if (p.replies[i].received - p.replies[i - 1].received > to - from) {
                from = p.replies[i - 1].received;
                to = p.replies[i].received;
            }
        }
        if (p.duration - p.replies.back().received > to - from) {
            from = p.replies.back().received;
            to = p.duration;
        }
        if (p.lost() == 0) {
            event_at(at(to), "client",
                     "longest gap between replies: " + format_ms(to - from) +
                         " (no request lost: replies were late, not missing)");
            return;
        }
        event_at(at(from), "client", "last reply before the outage");
        event_at(at(to), "client",
                 "first reply after the outage: " + format_ms(to - from) + ", " + std::to_string(p.lost()) +
                     " requests lost");
    }

    void add_arp_events(const std::vector<ArpSeen>& seen) {
        std::map<std::string, std::string> owner;
        for (const auto& n : topo_.nodes()) owner[n.mac] = n.name;
        // Runs of the same kind from the same MAC (a GARP burst) print as one line.
        for (std::size_t i = 0; i < seen.size();) {
            std::size_t j = i + 1;
            while (j < seen.size() && seen[j].sender_mac == seen[i].sender_mac &&
                   seen[j].gratuitous == seen[i].gratuitous && seen[j].request == seen[i].request &&
                   seen[j].at - seen[j - 1].at < 100ms) {
                ++j;
            }
            const auto& a = seen[i];
            const auto who = owner.count(a.sender_mac) ? owner[a.sender_mac] : std::string("unknown host");
            std::string text = std::string(a.gratuitous ? "GARP " : "ARP reply ") + a.sender_ip + " is-at " +
                               a.sender_mac + " (" + who + ")";
            if (j - i > 1) text += " x" + std::to_string(j - i) + " within " + format_ms(seen[j - 1].at - a.at);
            event_at(a.at, "client", text);
            i = j;
        }
    }

    void event_at(TimePoint at, const std::string& source, const std::string& text) { timeline_.add(at, source, text); }

    // The operator's view must agree: `xvipctl show` on the expected node says active, and its
    // daemon's status says MASTER and why.
    void verify_with_xvipctl(std::size_t index) {
        const auto& node = topo_.node(index);
        const auto show =
            topo_.run(node.netns, {o_.xvipctl, "show", "--dev", "eth0", "--pin-root", node.pin_dir.string(), "--json"});
        if (!show.success()) throw Failure("xvipctl show on " + node.name + " failed: " + show.err);
        const auto j = nlohmann::json::parse(show.out, nullptr, false);
        if (j.is_discarded() || j["instances"].empty() || j["instances"][0]["effective_role"] != "active") {
            throw Failure("xvipctl show on " + node.name + " does not say active: " + show.out);
        }
        const auto status =
            topo_.run(node.netns, {o_.xvipctl, "status", "--json", "--socket", socket_path(index).string()});
        const auto s = nlohmann::json::parse(status.out, nullptr, false);
        if (!status.success() || s.is_discarded() || s["instances"].empty()) {
            throw Failure("xvipctl status on " + node.name + " failed: " + status.err);
        }
        const auto& inst = s["instances"][0];
        std::string text = "xvipctl status: " + inst.value("state", std::string("?"));
        if (inst.contains("last_transition") && inst["last_transition"].is_object()) {
            const auto& t = inst["last_transition"];
            text +=
                ", last transition to " + t.value("to", std::string("?")) + ": " + t.value("cause", std::string("?"));
        }
        after_.push_back(node.name + " " + text);
    }

    void print_result(const probe::EchoProbeResult& p) {
        const auto adv = o_.advert_interval;
        results_.push_back("probe: " + p.summary());
        expect_ = [&]() -> std::string {
            if (name_ == "switchover" || name_ == "restart")
                return "no request lost (make-before-break / adopted lease)";
            if (name_ == "preemption") return "no request lost, or a gap of a few ms while the GARP propagates";
            if (o_.fast_failover && name_ == "failover") {
                return "fast failover's 3 ms detection (1 ms x 3) and the GARP, a few ms; VRRP alone: up to node1's "
                       "Master_Down_Interval, " +
                       format_ms(master_down(adv, kPriority[1]));
            }
            if (o_.fast_failover && name_ == "crash") {
                return "the lease (3 x " + format_duration(adv) +
                       ") keeps the killed node serving; once it ends, fast failover's 3 ms detection and the GARP";
            }
            return "at most node1's Master_Down_Interval, " + format_ms(master_down(adv, kPriority[1])) + " (3 x " +
                   format_duration(adv) + " + skew)";
        }();
        outage_ = p.longest_gap();
        lost_ = p.lost();
        sent_ = p.sent;
    }

public:
    void print_summary(const ScenarioResult& r) const {
        if (!r.completed) return;
        for (const auto& line : after_) std::fprintf(out_, "%s\n", line.c_str());
        for (const auto& line : results_) std::fprintf(out_, "%s\n", line.c_str());
        std::fprintf(out_, "expected: %s\n", expect_.c_str());
        if (lost_ == 0) {
            std::fprintf(out_, "outage: none, no request lost (%s; longest gap between replies %s)\n", name_.c_str(),
                         format_ms(outage_).c_str());
        } else {
            std::fprintf(out_, "outage: %s (%s; %u of %u requests lost)\n", format_ms(outage_).c_str(), name_.c_str(),
                         lost_, sent_);
        }
    }

private:
    std::string name_;
    LabOptions o_;
    std::FILE* out_;
    Timeline timeline_;
    topo::Topology topo_;
    std::vector<topo::Process*> daemons_;
    std::vector<bool> expected_exit_;
    std::optional<NodeWatcher> watcher_;
    std::vector<std::string> after_, results_;
    std::string expect_;
    nanoseconds outage_{0};
    std::uint32_t lost_ = 0;
    std::uint32_t sent_ = 0;
};

}  // namespace

ScenarioResult run_scenario(const std::string& name, const LabOptions& options, std::FILE* out) {
    if (name == "balancer") return run_balancer(options, out);
    const auto mode = std::string(options.unicast ? "unicast" : "multicast");
    std::fprintf(out, "== %s: %zu nodes + client, VRRP v%d %s, adverts every %s%s, probe %s\n", name.c_str(),
                 options.nodes, options.vrrp_version, mode.c_str(), format_duration(options.advert_interval).c_str(),
                 options.fast_failover ? ", fast failover 1ms x 3" : "",
                 format_duration(probe_duration(options)).c_str());
    std::fflush(out);
    const auto begun = steady_clock::now();
    ScenarioResult result{.name = name};
    try {
        Run run(name, options, out);
        result = run.run();
        run.print_summary(result);
    } catch (const std::exception& e) {  // the topology could not be built or removed
        result.completed = false;
        result.failure = e.what();
    }
    result.elapsed = duration_cast<milliseconds>(steady_clock::now() - begun);
    if (!result.completed) std::fprintf(out, "FAILED: %s: %s\n", name.c_str(), result.failure.c_str());
    std::fflush(out);
    return result;
}

void stop_daemons(const std::vector<topo::Process*>& daemons) {
    for (auto* d : daemons) {
        if (d && d->running()) d->send_signal(SIGTERM);
    }
    for (auto* d : daemons) {
        if (d) d->wait_for(5s);
    }
}

}  // namespace xvip::lab
