#include "bench/failover/run.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/failover/watch.hpp"
#include "common/monotonic_clock.hpp"
#include "daemon/control_client.hpp"
#include "dataplane/dataplane.hpp"
#include "lab/keepalived_text.hpp"
#include "lab/log_text.hpp"
#include "lab/watchers.hpp"
#include "probe/arp_sampler.hpp"
#include "probe/echo_probe.hpp"
#include "topology/topology.hpp"

namespace xvip::bench_failover {

namespace plan = topo::address_plan;
using probe::ArpSamplerOptions;
using probe::ArpSamples;
using probe::run_arp_sampler;
using namespace std::chrono;

const char* to_string(Daemon daemon) {
    return daemon == Daemon::xvipd ? "xvipd" : "keepalived";
}

std::string interval_text(milliseconds interval) {
    if (interval.count() % 1000 == 0) return std::to_string(interval.count() / 1000) + "s";
    return std::to_string(interval.count()) + "ms";
}

namespace {

constexpr std::uint8_t kVrid = 51;
constexpr std::array<int, 2> kPriority{150, 100};
constexpr milliseconds kFaultAt{200};

class Failure : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

milliseconds probe_duration(const RunSpec& s) {
    auto d = kFaultAt + 300ms + s.advert / 2 + duration_cast<milliseconds>(lab::master_down(s.advert, kPriority[1]));
    if (s.scenario == "preemption") d += 600ms;
    if (s.scenario == "restart") d += 600ms + duration_cast<milliseconds>(lab::master_down(s.advert, kPriority[0]));
    return d;
}

double ms(nanoseconds d) {
    return static_cast<double>(d.count()) / 1e6;
}
double us(nanoseconds d) {
    return static_cast<double>(d.count()) / 1e3;
}

class Run {
public:
    Run(const RunSpec& spec, const Programs& programs)
        : s_(spec),
          p_(programs),
          topo_(topo::TopologySpec{.nodes = 2, .clients = 2}),
          daemons_(2, nullptr),
          expected_exit_(2, false) {
        for (std::size_t i = 0; i < 2; ++i) {
            std::ofstream(config_path(i)) << (s_.fast_failover ? xvip_toml(i) : keepalived_conf(i));
        }
        if (s_.daemon == Daemon::xvipd) {
            std::vector<std::filesystem::path> pins;
            for (std::size_t i = 0; i < 2; ++i)
                pins.push_back(lab::state_pin_path(topo_.node(i).pin_dir, topo_.node(i).netns));
            poller_.emplace(std::move(pins), InstanceKey{AddressFamily::ipv4, kVrid}.index());
        }
    }

    ~Run() {
        // No graceful stop needed: the namespaces, their VIPs and the run's bpffs go with the
        // topology. SIGKILL keeps the teardown short (a SIGTERMed xvipd drains for 2 s).
        for (auto* d : all_) {
            if (d->running()) d->signal_group(SIGKILL);
        }
        for (auto* d : all_) d->wait_for(3s);
        if (poller_) poller_->stop();
        stamper_.stop();
    }

    // Starts the daemons (all but node0 for preemption) and waits for the election.
    void setup() {
        const bool preemption = s_.scenario == "preemption";
        const std::size_t first = preemption ? 1 : 0;
        for (std::size_t i = first; i < 2; ++i) start(i);
        wait_master(first, true, election_timeout(), "initial election");
        // The backup has heard the new master's adverts (the first goes out at its transition).
        std::this_thread::sleep_for(s_.advert + 30ms);
        if (s_.fast_failover) wait_armed(1 - first, 5s);
        check_daemons();
        if (!is_master(first)) throw Failure(topo_.node(first).name + " lost the master role after the election");
    }

    bool is_master_now(std::size_t i) const { return is_master(i); }
    pid_t pid(std::size_t i) const { return daemons_.at(i) ? daemons_[i]->pid() : -1; }

    void execute(RunResult& r) {
        const bool preemption = s_.scenario == "preemption";
        setup();

        const auto vip = *IpAddress::parse(plan::vip_ipv4(0));
        const auto duration = probe_duration(s_);
        lab::ArpWatcher arp(topo_, topo_.client(0).netns, vip, duration + 1s);
        std::future<ArpSamples> sampler;
        if (s_.scenario == "crash") {
            ArpSamplerOptions o{.vip = vip,
                                .own_ip = *IpAddress::parse(topo_.client(1).ipv4),
                                .nodes = {*parse_mac(topo_.node(0).mac), *parse_mac(topo_.node(1).mac)},
                                .duration = duration};
            sampler = std::async(std::launch::async, [this, o, duration] {
                return topo_.run_in(
                    topo_.client(1).netns, [o] { return run_arp_sampler(o); }, duration + 5s);
            });
        }
        auto probe = std::async(std::launch::async, [this, vip, duration] {
            return topo_.run_in(
                topo_.client(0).netns,
                [vip, duration] { return probe::run_echo_probe({.target = vip, .duration = duration}); },
                duration + 5s);
        });
        const auto t0 = monotonic_now();
        std::this_thread::sleep_until(t0 + kFaultAt);
        check_daemons();
        const auto t_fault = monotonic_now();
        fault();

        const auto probed = probe.get();
        std::optional<ArpSamples> samples;
        if (sampler.valid()) samples = sampler.get();
        const auto seen = arp.finish();
        const std::size_t winner = (preemption || s_.scenario == "restart") ? 0 : 1;
        wait_master(winner, false, election_timeout(), "after the " + s_.scenario);

        r.gap_ms = ms(probed.longest_gap());
        r.lost = probed.lost();
        r.sent = probed.sent;
        if (s_.scenario == "restart") {
            r.peer_transition = stamper_.first(1, master_line(), t_fault).has_value();
            return;
        }
        // The new active node's decision, and its first GARP on client0's segment.
        std::optional<TimePoint> decision, word_seen;
        const auto log_line = stamper_.first(winner, master_line(), t_fault);
        if (s_.daemon == Daemon::xvipd) {
            if (const auto decided = decided_master(winner, t_fault)) {
                decision = decided->first;
                r.cause = decided->second;
            }
            for (const auto& c : poller_->changes()) {
                if (c.node == winner && c.at >= t_fault && c.role == XdpRole::active) {
                    word_seen = c.at;
                    break;
                }
            }
        } else if (log_line) {
            decision = log_line->at;
        }
        std::optional<TimePoint> garp;
        for (const auto& a : seen) {
            if (a.gratuitous && a.at >= t_fault && a.sender_mac == topo_.node(winner).mac) {
                garp = a.at;
                break;
            }
        }
        if (decision && (s_.scenario == "failover" || s_.scenario == "crash")) {
            r.takeover_gap_ms = ms(probed.gap_around(*decision));
        }
        if (decision && garp) r.decision_to_garp_us = us(*garp - *decision);
        if (word_seen && garp) r.word_to_garp_us = us(*garp - *word_seen);
        if (s_.daemon == Daemon::xvipd && log_line && garp) r.log_to_garp_us = us(*garp - log_line->at);
        if (decision && s_.scenario == "failover") {
            for (const auto& reply : probed.replies) {
                if (probed.started_at + reply.received >= *decision) {
                    r.decision_to_reply_us = us(probed.started_at + reply.received - *decision);
                    break;
                }
            }
        }
        if (samples) analyse_arp(*samples, t_fault, r);
    }

    std::string logs() const {
        std::string text;
        for (std::size_t i = 0; i < 2; ++i) {
            if (!daemons_[i]) continue;
            text += topo_.node(i).name + "'s " + to_string(s_.daemon) + ", last log lines:\n" +
                    lab::tail_lines(daemons_[i]->read_stderr() + daemons_[i]->read_stdout(), 8) + "\n";
        }
        return text;
    }

private:
    std::filesystem::path config_path(std::size_t i) const {
        return topo_.run_dir() / (topo_.node(i).name + (s_.fast_failover ? ".toml" : ".conf"));
    }

    // The keepalived.conf below as xvip.toml, with fast failover on (xvip's own option).
    std::string xvip_toml(std::size_t i) const {
        std::ostringstream c;
        c << "[[instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = " << int{kVrid}
          << "\npriority = " << kPriority.at(i) << "\nadvert_interval = \"" << s_.advert.count() << "ms\"\n"
          << "vips = [\"" << plan::vip_ipv4(0) << "/" << plan::kIpv4PrefixLength << "\"]\n"
          << "fast_failover = true\n";
        return c.str();
    }

    nlohmann::json status(std::size_t i) const {
        const auto socket = topo_.run_dir() / (topo_.node(i).name + "-state") / "xvipd.sock";
        try {
            return control_request(socket.string(), {{"command", "status"}}, 2s);
        } catch (const ControlError& e) {
            throw Failure("asking " + topo_.node(i).name + "'s xvipd for its status: " + e.what());
        }
    }

    // Fast failover: node i's data plane is armed (the active node answers it Up).
    void wait_armed(std::size_t i, milliseconds timeout) const {
        const auto deadline = steady_clock::now() + timeout;
        while (steady_clock::now() < deadline) {
            const auto s = status(i);
            if (s.contains("instances") && !s["instances"].empty() &&
                s["instances"][0].value("fast_failover", nlohmann::json::object()).value("armed", false)) {
                return;
            }
            std::this_thread::sleep_for(20ms);
        }
        throw Failure(topo_.node(i).name + " was not armed for fast failover within " +
                      std::to_string(timeout.count()) + " ms");
    }

    std::string keepalived_conf(std::size_t i) const {
        std::ostringstream c;
        c << "global_defs {\n    router_id " << topo_.node(i).name << "\n    vrrp_version 3\n}\n"
          << "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id " << int{kVrid}
          << "\n    priority " << kPriority.at(i) << "\n    advert_int " << lab::advert_int_text(s_.advert) << "\n";
        if (s_.unicast) {
            c << "    unicast_src_ip " << topo_.node(i).ipv4 << "\n    unicast_peer {\n        "
              << topo_.node(1 - i).ipv4 << "\n    }\n";
        }
        c << "    virtual_ipaddress {\n        " << plan::vip_ipv4(0) << "/" << plan::kIpv4PrefixLength
          << "\n    }\n}\n";
        return c.str();
    }

    // xvipd: when node i decided to become master, from its own status (the event loop's
    // CLOCK_MONOTONIC time of the event that caused the transition), and why (the transition's
    // cause); nullopt if its latest transition is not to master since `since`.
    std::optional<std::pair<TimePoint, std::string>> decided_master(std::size_t i, TimePoint since) const {
        const nlohmann::json status = this->status(i);
        if (!status.contains("instances") || status["instances"].empty()) return std::nullopt;
        const auto& t = status["instances"][0].value("last_transition", nlohmann::json::object());
        if (t.value("to", "") != "MASTER" || !t.contains("monotonic_ns")) return std::nullopt;
        const TimePoint at = from_ns(t["monotonic_ns"].get<std::int64_t>());
        if (at < since) return std::nullopt;
        return std::pair{at, t.value("cause", std::string())};
    }

    std::string master_line() const { return s_.daemon == Daemon::xvipd ? "-> MASTER" : "Entering MASTER STATE"; }

    void start(std::size_t i) {
        const auto& node = topo_.node(i);
        std::vector<std::string> argv;
        if (s_.daemon == Daemon::xvipd) {
            argv = {p_.xvipd,
                    s_.fast_failover ? "--config" : "--keepalived-conf",
                    config_path(i).string(),
                    "--pin-dir",
                    node.pin_dir.string(),
                    "--state-dir",
                    (topo_.run_dir() / (node.name + "-state")).string(),
                    "--log-level",
                    "info"};
        } else {
            argv = keepalived_argv(p_.keepalived, config_path(i), topo_.run_dir(), node.name);
        }
        auto& process = topo_.spawn(node.netns, argv);
        daemons_[i] = &process;
        all_.push_back(&process);
        expected_exit_[i] = false;
        stamper_.add(i, process.stderr_path());
    }

    // keepalived: the last state line of its log; xvipd: its data plane's effective role.
    bool is_master(std::size_t i) const {
        if (s_.daemon == Daemon::xvipd) return poller_->role(i) == XdpRole::active;
        bool master = false;
        for (const auto& line : stamper_.lines()) {
            if (line.node != i) continue;
            if (line.text.find("Entering MASTER STATE") != std::string::npos) master = true;
            if (line.text.find("Entering BACKUP STATE") != std::string::npos ||
                line.text.find("Entering FAULT STATE") != std::string::npos ||
                line.text.find("Stopping") != std::string::npos) {
                master = false;
            }
        }
        return master;
    }

    // Waits until `index` is master (and, when `sole`, the other running node is not).
    void wait_master(std::size_t index, bool sole, milliseconds timeout, const std::string& why) {
        const auto deadline = steady_clock::now() + timeout;
        while (true) {
            check_daemons();
            const std::size_t other = 1 - index;
            const bool other_quiet = !sole || !daemons_[other] || !is_master(other);
            if (is_master(index) && other_quiet) return;
            if (steady_clock::now() >= deadline) {
                throw Failure(why + ": " + topo_.node(index).name + " not master within " +
                              std::to_string(timeout.count()) + " ms");
            }
            std::this_thread::sleep_for(1ms);
        }
    }

    void check_daemons() {
        for (std::size_t i = 0; i < 2; ++i) {
            if (daemons_[i] && !expected_exit_[i] && !daemons_[i]->running()) {
                const auto status = daemons_[i]->wait_for(0ms);
                throw Failure(topo_.node(i).name + "'s " + to_string(s_.daemon) + " ended unexpectedly (" +
                              (status ? status->describe() : std::string("?")) + ")");
            }
        }
    }

    milliseconds election_timeout() const {
        return 3s + duration_cast<milliseconds>(2 * lab::master_down(s_.advert, kPriority[1]));
    }

    void fault() {
        auto* d = daemons_[0];
        const bool keepalived = s_.daemon == Daemon::keepalived;
        const auto& sc = s_.scenario;
        if (sc == "failover" || sc == "crash") {
            expected_exit_[0] = true;
            d->signal_group(SIGKILL);  // keepalived: the parent and its VRRP child
            if (sc == "failover") topo_.run_checked(topo_.node(0).netns, {"ip", "link", "set", "eth0", "down"});
        } else if (sc == "switchover") {
            expected_exit_[0] = true;
            d->send_signal(SIGTERM);
        } else if (sc == "preemption") {
            start(0);
        } else if (sc == "restart") {
            expected_exit_[0] = true;
            d->send_signal(keepalived ? SIGTERM : SIGUSR2);
            const auto status = d->wait(5s);
            if (!status.success()) throw Failure("node0 did not exit 0 on its restart signal: " + status.describe());
            start(0);
        } else {
            throw Failure("unknown scenario " + sc);
        }
    }

    void analyse_arp(const ArpSamples& a, TimePoint t_fault, RunResult& r) const {
        const auto kill_slot = static_cast<std::size_t>(std::max<nanoseconds>(0ns, t_fault - a.started_at) / 1ms);
        std::size_t both = 0;
        std::optional<std::size_t> last_dead;
        for (std::size_t i = kill_slot; i < a.slots.size(); ++i) {
            if ((a.slots[i] & 3) == 3) ++both;
            if (a.slots[i] & 1) last_dead = i;
        }
        r.both_answer_ms = static_cast<double>(both);
        r.dead_answers_ms = last_dead ? static_cast<double>(*last_dead + 1 - kill_slot) : 0.0;
        r.arp_window_ms = static_cast<double>(a.slots.size() - std::min(kill_slot, a.slots.size()));
        r.dead_answering_at_end = last_dead && *last_dead + 20 >= a.slots.size();
    }

    RunSpec s_;
    Programs p_;
    topo::Topology topo_;
    std::vector<topo::Process*> daemons_;
    std::vector<topo::Process*> all_;
    std::vector<bool> expected_exit_;
    LogStamper stamper_;
    std::optional<StatePoller> poller_;
};

}  // namespace

namespace {

// utime + stime (seconds) and VmRSS (kB) of `pid` and its live children (keepalived's VRRP child).
ProcessUsage usage_of(pid_t pid) {
    ProcessUsage u;
    std::vector<pid_t> pids{pid};
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto close_paren = text.rfind(')');
        if (close_paren == std::string::npos) continue;
        std::istringstream fields(text.substr(close_paren + 2));
        std::string state;
        long ppid = 0;
        fields >> state >> ppid;
        if (ppid == pid) pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    for (const auto p : pids) {
        std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const auto close_paren = text.rfind(')');
        if (close_paren == std::string::npos) continue;
        std::istringstream fields(text.substr(close_paren + 2));
        std::vector<std::string> f;
        for (std::string field; fields >> field;) f.push_back(field);
        if (f.size() > 12)
            u.cpu_s += static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / tick;  // fields 14, 15
        std::ifstream status("/proc/" + std::to_string(p) + "/status");
        for (std::string line; std::getline(status, line);) {
            if (line.rfind("VmRSS:", 0) == 0) u.rss_kb += std::stol(line.substr(6));
        }
        ++u.processes;
    }
    return u;
}

}  // namespace

SteadyResult measure_steady(const Programs& programs, milliseconds advert, seconds duration) {
    SteadyResult result;
    result.seconds = static_cast<double>(duration.count());
    try {
        // Both pairs at once, each in a topology of its own, so that they share the machine alike.
        Run x(RunSpec{.daemon = Daemon::xvipd, .scenario = "steady", .advert = advert}, programs);
        Run k(RunSpec{.daemon = Daemon::keepalived, .scenario = "steady", .advert = advert}, programs);
        auto fx = std::async(std::launch::async, [&] { x.setup(); });
        auto fk = std::async(std::launch::async, [&] { k.setup(); });
        fx.get();
        fk.get();
        std::array<ProcessUsage, 2> x0, k0;
        for (std::size_t i = 0; i < 2; ++i) {
            x0[i] = usage_of(x.pid(i));
            k0[i] = usage_of(k.pid(i));
        }
        std::this_thread::sleep_for(duration);
        for (std::size_t i = 0; i < 2; ++i) {
            auto x1 = usage_of(x.pid(i));
            auto k1 = usage_of(k.pid(i));
            result.xvipd[i] = {x1.cpu_s - x0[i].cpu_s, x1.rss_kb, x1.processes};
            result.keepalived[i] = {k1.cpu_s - k0[i].cpu_s, k1.rss_kb, k1.processes};
        }
        if (!x.is_master_now(0) || !k.is_master_now(0)) throw std::runtime_error("node0 was not master at the end");
        result.ok = true;
    } catch (const std::exception& e) {
        result.failure = e.what();
    }
    return result;
}

std::vector<std::string> keepalived_argv(const std::string& keepalived, const std::filesystem::path& config,
                                         const std::filesystem::path& run_dir, const std::string& name) {
    const auto pid = [&](const std::string& what) { return (run_dir / (name + "-" + what + ".pid")).string(); };
    return {keepalived,
            "-n",
            "-l",
            "-D",
            "-G",
            "-P",
            "-R",
            "-f",
            config.string(),
            "-p",
            pid("keepalived"),
            "-r",
            pid("vrrp"),
            "-c",
            pid("checkers"),
            "-b",
            pid("bfd")};
}

double estimated_seconds(const RunSpec& spec) {
    const double election = ms(lab::master_down(spec.advert, kPriority[0])) / 1000 + 0.3;
    return 1.2 + election + static_cast<double>(spec.advert.count()) / 1000 +
           static_cast<double>(probe_duration(spec).count()) / 1000;
}

RunResult run_once(const RunSpec& spec, const Programs& programs) {
    RunResult r;
    const auto begun = steady_clock::now();
    std::string logs;
    try {
        Run run(spec, programs);
        try {
            run.execute(r);
            r.ok = true;
        } catch (const std::exception& e) {
            r.failure = e.what();
            logs = run.logs();
        }
    } catch (const std::exception& e) {  // the topology could not be built or removed
        r.ok = false;
        if (r.failure.empty()) r.failure = e.what();
    }
    if (!logs.empty()) r.failure += "\n" + logs;
    r.elapsed_s = duration<double>(steady_clock::now() - begun).count();
    return r;
}

}  // namespace xvip::bench_failover
