#include "bench/failover/gateway.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/failover/watch.hpp"
#include "lab/keepalived_text.hpp"
#include "probe/echo_probe.hpp"
#include "topology/gateway_segment.hpp"
#include "topology/topology.hpp"

namespace xvip::bench_failover {

namespace plan = topo::address_plan;
using namespace std::chrono;

namespace {

constexpr std::array<int, 2> kPriority{150, 100};
constexpr milliseconds kAdvert{100};
constexpr milliseconds kFaultAfter{300};  // probing before the fault

class GatewayRun {
public:
    GatewayRun(Daemon daemon, const Programs& programs)
        : d_(daemon),
          p_(programs),
          topo_(topo::TopologySpec{.nodes = 2, .clients = 1}),
          // keepalived: forwarding off until its notify_master script turns it on.
          segment_(topo_, topo_.client(0).netns, plan::vip_ipv4(0), daemon == Daemon::xvipd ? "1" : "0", true) {}

    void execute(GatewayResult& r) {
        start(0);
        start(1);
        wait_master(0, TimePoint{}, "at start");
        auto flow = segment_.open_flow();
        if (!flow.alive('a')) throw std::runtime_error("the TCP connection carried nothing at start");
        r.windows.push_back(window("start", 0, 1));

        r.faults.push_back(fault("crash", 1, flow, 'b', [&] {
            daemons_[0]->signal_group(SIGKILL);  // keepalived: the parent and its VRRP child
            daemons_[0]->wait(5s);  // reaped: a zombie would make the restarted keepalived think it still runs
        }));
        r.windows.push_back(window("crash", 1, 0));

        r.faults.push_back(fault("preemption", 0, flow, 'c', [&] { start(0); }));
        r.windows.push_back(window("preemption", 0, 1));

        r.faults.push_back(fault("planned stop", 1, flow, 'd', [&] {
            daemons_[0]->send_signal(SIGTERM);
            if (!daemons_[0]->wait(10s).success()) throw std::runtime_error("node0 did not stop cleanly");
        }));
        r.windows.push_back(window("planned stop", 1, 0));
    }

    std::string logs() const {
        std::string text;
        for (std::size_t i = 0; i < 2; ++i) {
            for (const auto& line : stamper_.lines()) {
                if (line.node == i) text += topo_.node(i).name + ": " + line.text + "\n";
            }
        }
        return text;
    }

private:
    std::filesystem::path config(std::size_t i) const {
        return topo_.run_dir() / (topo_.node(i).name + (d_ == Daemon::xvipd ? ".toml" : ".conf"));
    }

    void start(std::size_t i) {
        const auto& node = topo_.node(i);
        std::ofstream conf(config(i));
        std::vector<std::string> argv;
        if (d_ == Daemon::xvipd) {
            conf << "[[instance]]\nname = \"gw\"\ninterface = \"eth0\"\nvrid = 51\npriority = " << kPriority.at(i)
                 << "\nadvert_interval = \"100ms\"\nvips = [\"" << plan::vip_ipv4(0) << "/" << plan::kIpv4PrefixLength
                 << "\"]\ngateway = true\n";
            argv = {p_.xvipd,
                    "--config",
                    config(i).string(),
                    "--pin-dir",
                    node.pin_dir.string(),
                    "--state-dir",
                    (topo_.run_dir() / (node.name + "-state")).string()};
        } else {
            const auto sysctl = [](int on) {
                return "\"/usr/sbin/sysctl -q -w net.ipv4.ip_forward=" + std::to_string(on) + "\"";
            };
            conf << "global_defs {\n    router_id " << node.name << "\n    vrrp_version 3\n    script_user root\n}\n"
                 << "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n"
                 << "    priority " << kPriority.at(i) << "\n    advert_int " << lab::advert_int_text(kAdvert) << "\n"
                 << "    notify_master " << sysctl(1) << "\n    notify_backup " << sysctl(0) << "\n"
                 << "    notify_fault " << sysctl(0) << "\n    virtual_ipaddress {\n        " << plan::vip_ipv4(0)
                 << "/" << plan::kIpv4PrefixLength << "\n    }\n}\n";
            // Pid files of its own per start: the crashed one's VRRP child may not be reaped yet, and
            // keepalived refuses to start while a pid in its files lives.
            argv =
                keepalived_argv(p_.keepalived, config(i), topo_.run_dir(), node.name + "-" + std::to_string(starts_++));
        }
        conf.close();
        daemons_[i] = &topo_.spawn(node.netns, argv);
        stamper_.add(i, daemons_[i]->stderr_path());
    }

    // Waits for node i's "master" log line after `since`, then lets notify scripts and the old
    // master's demotion settle (a fixed 300 ms, part of no figure).
    void wait_master(std::size_t i, TimePoint since, const std::string& why) {
        const std::string line = d_ == Daemon::xvipd ? "-> MASTER" : "Entering MASTER STATE";
        const auto deadline = steady_clock::now() + 5s;
        while (!stamper_.first(i, line, since)) {
            if (steady_clock::now() >= deadline) {
                throw std::runtime_error(why + ": " + topo_.node(i).name + " not master within 5 s");
            }
            std::this_thread::sleep_for(1ms);
        }
        std::this_thread::sleep_for(300ms);
    }

    probe::EchoProbeResult probe(const char* target, milliseconds duration) {
        probe::EchoProbeOptions o;
        o.target = *IpAddress::parse(target);
        o.duration = duration;
        return topo_.run_in(
            topo_.client(0).netns, [o] { return probe::run_echo_probe(o); }, duration + 5s);
    }

    GatewayWindow window(const std::string& after, std::size_t active, std::size_t standby) {
        (void)active;
        GatewayWindow w{.after = after};
        const long forwarded = segment_.forwarded(standby);
        const long to_server = segment_.frames_to_server_from(standby);
        const auto span = milliseconds(kWindowProbes);  // 1 probe per ms
        const auto via_vip = probe(topo::GatewaySegment::kServerViaVip, span);
        w.via_vip_replies = static_cast<int>(via_vip.replies.size());
        w.via_vip_sent = static_cast<int>(via_vip.sent);
        segment_.hold_stale_mac_of(standby);
        const auto stale = probe(topo::GatewaySegment::kServerViaStaleMac, span);
        w.stale_replies = static_cast<int>(stale.replies.size());
        w.stale_sent = static_cast<int>(stale.sent);
        w.standby_forwarded = segment_.forwarded(standby) - forwarded;
        w.standby_to_server = segment_.frames_to_server_from(standby) - to_server;
        return w;
    }

    template <typename F>
    GatewayFault fault(const std::string& name, std::size_t new_active, const topo::GatewaySegment::TcpFlow& flow,
                       char tag, F&& act) {
        GatewayFault f{.fault = name};
        auto probing = std::async(std::launch::async,
                                  [&] { return probe(topo::GatewaySegment::kServerViaVip, kFaultAfter + 2700ms); });
        std::this_thread::sleep_for(kFaultAfter);
        const auto t_fault = monotonic_now();
        act();
        const auto probed = probing.get();
        f.outage_ms = static_cast<double>(probed.longest_gap().count()) / 1e6;
        f.lost = probed.lost();
        f.sent = probed.sent;
        wait_master(new_active, t_fault, "after the " + name);
        f.tcp_survived = flow.alive(tag);
        return f;
    }

    Daemon d_;
    Programs p_;
    topo::Topology topo_;
    topo::GatewaySegment segment_;
    std::array<topo::Process*, 2> daemons_{};
    int starts_ = 0;
    LogStamper stamper_;
};

}  // namespace

GatewayResult run_gateway(Daemon daemon, const Programs& programs, int rep) {
    GatewayResult r{.daemon = daemon, .rep = rep};
    const auto begun = steady_clock::now();
    try {
        GatewayRun run(daemon, programs);
        try {
            run.execute(r);
            r.ok = true;
        } catch (const std::exception& e) {
            r.failure = std::string(e.what()) + "\n" + run.logs();
        }
    } catch (const std::exception& e) {  // the topology could not be built or removed
        r.ok = false;
        if (r.failure.empty()) r.failure = e.what();
    }
    r.elapsed_s = duration<double>(steady_clock::now() - begun).count();
    return r;
}

double gateway_estimated_seconds() {
    return 3 * 3.5 + 4 * 1.0 + 3;
}

std::string gateway_markdown(const std::vector<GatewayResult>& results) {
    std::ostringstream md;
    md << "## Gateway: the VIP as the clients' default gateway\n\n"
       << "A client routes a server subnet through the VIP; the server is behind both nodes. xvipd: "
          "`gateway = true`, ip_forward=1 on both nodes. keepalived: the common notify-script toggle "
          "(ip_forward=0 at start, notify_master sets 1, notify_backup/notify_fault set 0). 100 ms adverts. "
          "Faults in order: crash of the active (SIGKILL of the daemon), preemption back (the crashed node "
          "restarts), planned stop (SIGTERM). Outage: the longest gap of 1 ms probes through the gateway. "
          "Standby forwarded: in the fault-free window after each fault ("
       << kWindowProbes
       << " ms of 1 ms probes through the VIP, then as long from a client holding the standby's MAC for the "
          "gateway), the standby's Ip ForwDatagrams delta; "
          "stale replies: how many of the stale client's probes were answered (forwarded).\n\n";
    md << "| daemon | rep | fault | outage ms | lost/sent | TCP survived | window after | standby forwarded | "
          "standby frames at server | stale replies | via VIP replies |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : results) {
        if (!r.ok) {
            md << "| " << to_string(r.daemon) << " | " << r.rep
               << " | FAILED: " << r.failure.substr(0, std::min<std::size_t>(r.failure.find('\n'), 200))
               << " | | | | | | | | |\n";
            continue;
        }
        for (std::size_t i = 0; i < r.windows.size(); ++i) {
            const auto& w = r.windows[i];
            md << "| " << to_string(r.daemon) << " | " << r.rep << " | ";
            if (i == 0) {
                md << "(none) | | | | ";
            } else {
                const auto& f = r.faults.at(i - 1);
                char ms[32];
                std::snprintf(ms, sizeof ms, "%.1f", f.outage_ms);
                md << f.fault << " | " << ms << " | " << f.lost << "/" << f.sent << " | "
                   << (f.tcp_survived ? "yes" : "no") << " | ";
            }
            md << w.after << " | " << w.standby_forwarded << " | " << w.standby_to_server << " | " << w.stale_replies
               << "/" << w.stale_sent << " | " << w.via_vip_replies << "/" << w.via_vip_sent << " |\n";
        }
    }
    // Summary: per daemon and window, the sum over the repetitions.
    std::map<std::string, std::vector<std::pair<std::string, long>>> total;
    for (const auto& r : results) {
        if (!r.ok) continue;
        auto& t = total[to_string(r.daemon)];
        for (std::size_t i = 0; i < r.windows.size(); ++i) {
            if (t.size() <= i) t.emplace_back(r.windows[i].after, 0);
            t[i].second += r.windows[i].standby_forwarded;
        }
    }
    md << "\n";
    for (const auto& [daemon, t] : total) {
        md << "- " << daemon << ", datagrams forwarded by the standby, all repetitions:";
        for (const auto& [after, n] : t) md << " after " << after << " " << n << ";";
        md << "\n";
    }
    return md.str();
}

}  // namespace xvip::bench_failover
