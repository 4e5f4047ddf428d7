// xvip-lab --scenario balancer: the load-balancer mode in one command. Two xvipd balancers (node0
// priority 150, node1 100) hold the VIP with a direct-routing TCP service (Maglev hashing, TCP
// checks) over three backends (clients 1-3); the client (client 0) keeps 30 connections open and
// opens new ones while the active balancer is killed and then a backend dies.
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "backends/backend_servers.hpp"
#include "backends/service_client.hpp"
#include "common/duration.hpp"
#include "dataplane/dataplane.hpp"
#include "lab/keepalived_text.hpp"
#include "lab/lab.hpp"
#include "lab/log_text.hpp"
#include "lab/timeline.hpp"
#include "lab/watchers.hpp"
#include "topology/topology.hpp"

namespace xvip::lab {

namespace plan = topo::address_plan;
using namespace std::chrono;

namespace {

constexpr std::uint8_t kVrid = 51;  // as in keepalived_conf
constexpr std::size_t kNodes = 2;
constexpr std::size_t kBackends = 3;  // clients 1..3
constexpr std::uint16_t kPort = 80;
constexpr std::size_t kLongLived = 30;
constexpr std::size_t kNewAfterCrash = 10;
constexpr std::size_t kNewAfterDeath = 20;
constexpr std::size_t kDeadBackend = 2;
// How long a connection may take to echo after a fault: TCP retransmits over the failover gap
// (up to node1's Master_Down_Interval, 3.6 s at 1 s adverts) with backoff.
constexpr milliseconds kEchoWithin = 10s;

class Failure : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string backend_name(std::size_t b) {
    return "backend" + std::to_string(b);
}

class BalancerRun {
public:
    BalancerRun(const LabOptions& o, std::FILE* out)
        : o_(o), out_(out), topo_(topo::TopologySpec{.nodes = kNodes, .clients = 1 + kBackends}) {
        o_.nodes = kNodes;
        std::vector<std::string> addresses;
        for (std::size_t b = 0; b < kBackends; ++b) addresses.push_back(plan::client_ipv4(b + 1));
        const auto trailer = backends::virtual_server_conf(plan::vip_ipv4(0), kPort, addresses, {1, 1, 1});
        std::vector<WatchedNode> watched;
        for (std::size_t i = 0; i < kNodes; ++i) {
            std::ofstream(config_path(i)) << keepalived_conf(topo_, o_, i, trailer);
            watched.push_back({topo_.node(i).name, state_pin_path(topo_.node(i).pin_dir, topo_.node(i).netns)});
        }
        watcher_.emplace(timeline_, std::move(watched), InstanceKey{AddressFamily::ipv4, kVrid}.index(), false);
    }

    ~BalancerRun() {
        // The client's connections first, then the daemons, gracefully, so that each gives back
        // what it took; the topology then kills whatever is left and removes the namespaces.
        connections_.clear();
        stop_daemons(daemons_);
        if (watcher_) watcher_->stop();
    }

    ScenarioResult run() {
        ScenarioResult result{.name = "balancer"};
        try {
            execute();
            result.completed = failed_.empty();
            for (const auto& f : failed_) result.failure += (result.failure.empty() ? "" : "; ") + f;
        } catch (const std::exception& e) {
            result.failure = e.what();
        }
        if (watcher_) watcher_->stop();
        if (!summary_.empty()) std::fprintf(out_, "summary:\n");
        for (const auto& line : summary_) std::fprintf(out_, "  %s\n", line.c_str());
        if (!result.completed) {
            for (std::size_t i = 0; i < kNodes; ++i) {
                const auto log = daemons_[i] ? daemons_[i]->read_stderr() : std::string();
                if (!log.empty())
                    std::fprintf(out_, "%s's xvipd log, last lines:\n%s", topo_.node(i).name.c_str(),
                                 tail_lines(log, 12).c_str());
            }
        }
        return result;
    }

private:
    std::filesystem::path config_path(std::size_t i) const { return topo_.run_dir() / (topo_.node(i).name + ".conf"); }
    std::filesystem::path socket_path(std::size_t i) const {
        return topo_.run_dir() / (topo_.node(i).name + "-state") / "xvipd.sock";
    }
    const std::string& client_netns() const { return topo_.client(0).netns; }

    // "12.3s  text", seconds since the scenario began.
    void progress(const std::string& text) {
        const auto s = duration_cast<duration<double>>(steady_clock::now() - begun_).count();
        std::fprintf(out_, "%6.1fs  %s\n", s, text.c_str());
        std::fflush(out_);
    }
    // A check that did not hold: the scenario goes on (to show the rest) but does not complete.
    void check(bool held, const std::string& what) {
        if (!held) failed_.push_back(what);
    }

    void start(std::size_t i) {
        daemons_[i] = &topo_.spawn(
            topo_.node(i).netns,
            {o_.xvipd, "--keepalived-conf", config_path(i).string(), "--pin-dir", topo_.node(i).pin_dir.string(),
             "--state-dir", (topo_.run_dir() / (topo_.node(i).name + "-state")).string(), "--log-level", "info"});
        progress(topo_.node(i).name + ": xvipd started (pid " + std::to_string(daemons_[i]->pid()) + ")");
    }

    // A daemon that ended without being told to is a failure.
    void check_daemons() {
        for (std::size_t i = 0; i < kNodes; ++i) {
            if (daemons_[i] && !killed_[i] && !daemons_[i]->running()) {
                const auto status = daemons_[i]->wait_for(0ms);
                throw Failure(topo_.node(i).name + "'s xvipd ended unexpectedly (" +
                              (status ? status->describe() : std::string("?")) + ")");
            }
        }
    }

    milliseconds election_timeout() const {
        return 3s + duration_cast<milliseconds>(2 * master_down(o_.advert_interval, 100));
    }

    void wait_sole_active(std::size_t index, const std::string& why) {
        const auto deadline = steady_clock::now() + election_timeout();
        const auto sole = [&] {
            for (std::size_t i = 0; i < kNodes; ++i) {
                if ((watcher_->role(i) == XdpRole::active) != (i == index)) return false;
            }
            return true;
        };
        while (!sole()) {
            check_daemons();
            if (steady_clock::now() >= deadline) {
                throw Failure(why + ": " + topo_.node(index).name + " was not the only active balancer within " +
                              format_duration(election_timeout()));
            }
            std::this_thread::sleep_for(2ms);
        }
    }

    nlohmann::json status(std::size_t i) const {
        const auto r =
            topo_.run(topo_.node(i).netns, {o_.xvipctl, "status", "--json", "--socket", socket_path(i).string()});
        if (!r.success()) return nlohmann::json{{"error", r.err}};
        return nlohmann::json::parse(r.out, nullptr, false);
    }

    // Waits until node i's status shows every real server up, with its MAC, taking new flows;
    // prints each change of the counts on the way.
    void wait_real_servers_ready(std::size_t i) {
        const auto timeout = 10s + 2 * o_.advert_interval;
        const auto deadline = steady_clock::now() + timeout;
        std::string last;
        for (;;) {
            check_daemons();
            const auto c = backends::count_real_servers(status(i));
            const std::string text =
                topo_.node(i).name + ": " + std::to_string(c.ready) + " of " + std::to_string(c.total) +
                " real servers up" +
                (c.with_mac == c.total ? ", MACs known" : ", " + std::to_string(c.with_mac) + " MACs known");
            if (c.found && text != last) {
                progress(text);
                last = text;
            }
            if (c.all_ready() && c.with_mac == c.total) return;
            if (steady_clock::now() >= deadline) {
                throw Failure(topo_.node(i).name + "'s real servers not all up within " + format_duration(timeout) +
                              ": " + status(i).dump());
            }
            std::this_thread::sleep_for(50ms);
        }
    }

    // Opens `count` new connections; returns how many succeeded (and keeps them in `into`).
    std::size_t open(std::size_t count, std::vector<backends::Connection>& into, std::string* why) {
        std::size_t opened = 0;
        for (std::size_t n = 0; n < count; ++n) {
            auto c = backends::connect_to_service(topo_, client_netns(), plan::vip_ipv4(0), kPort, why);
            if (!c) continue;
            into.push_back(std::move(*c));
            ++opened;
        }
        return opened;
    }

    static std::string spread_text(const std::vector<backends::Connection>& connections) {
        std::string text;
        for (const auto& [name, count] : backends::spread(connections))
            text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
        return text;
    }

    void execute() {
        begun_ = steady_clock::now();
        // A veth leaves the TCP checksum for "hardware" to fill in (CHECKSUM_PARTIAL) and the
        // receiving veth trusts it; a frame that XDP sends on with XDP_TX is raw bytes again, and
        // the backend would drop it as corrupt. On a wire every frame carries its checksum: so
        // does the client's here.
        topo_.run_checked(client_netns(), {"ethtool", "-K", "eth0", "tx", "off"});
        for (std::size_t b = 0; b < kBackends; ++b) {
            servers_.add(backend_name(b),
                         backends::set_up_backend(topo_, topo_.client(b + 1), plan::vip_ipv4(0), kPort));
        }
        servers_.start();
        progress("backends up: " + std::to_string(kBackends) + " TCP servers on " + plan::vip_ipv4(0) + ":" +
                 std::to_string(kPort) + " (VIP on lo, arp_ignore=1, arp_announce=2)");
        start(0);
        start(1);
        wait_sole_active(0, "initial election");
        progress("node0 active, node1 backup");
        for (std::size_t i = 0; i < kNodes; ++i) wait_real_servers_ready(i);

        std::string why;
        const auto opened = open(kLongLived, connections_, &why);
        progress(std::to_string(opened) + " connections open: " + spread_text(connections_));
        if (opened != kLongLived) {
            throw Failure(std::to_string(opened) + " of " + std::to_string(kLongLived) + " connections opened (" + why +
                          ")");
        }
        const auto at_start = backends::broken(connections_, kEchoWithin, 'a');
        if (!at_start.empty()) throw Failure("connections broken before any fault: " + backends::describe(at_start));
        summary_.push_back(std::to_string(kLongLived) + " connections over " + spread_text(connections_));

        // Fault 1: the active balancer crashes.
        progress("FAULT: SIGKILL node0's xvipd (the active balancer)");
        const auto killed = steady_clock::now();
        killed_[0] = true;
        daemons_[0]->send_signal(SIGKILL);
        wait_sole_active(1, "after the crash");
        const auto takeover = duration_cast<milliseconds>(steady_clock::now() - killed);
        progress("node1 active, " + format_duration(takeover) + " after the kill");
        const auto lost = backends::broken(connections_, kEchoWithin, 'b');
        const std::size_t kept = connections_.size() - lost.size();
        std::vector<backends::Connection> fresh;
        why.clear();
        const auto fresh_opened = open(kNewAfterCrash, fresh, &why);
        const auto crash_line = "crash of the active balancer: " + std::to_string(kept) + " of " +
                                std::to_string(connections_.size()) + " connections kept, " +
                                std::to_string(fresh_opened) + " of " + std::to_string(kNewAfterCrash) + " new";
        progress(crash_line);
        summary_.push_back(crash_line + " (node1 active after " + format_duration(takeover) + ")");
        check(lost.empty(),
              std::to_string(lost.size()) + " connections broken by the crash (" + backends::describe(lost) + ")");
        check(fresh_opened == kNewAfterCrash, "new connections after the crash failed: " + why);
        fresh.clear();

        // Fault 2: a backend dies.
        const auto dead = backend_name(kDeadBackend);
        const auto dead_address = plan::client_ipv4(kDeadBackend + 1);
        progress("FAULT: " + dead + "'s eth0 down");
        const auto died = steady_clock::now();
        topo_.run_checked(topo_.client(kDeadBackend + 1).netns, {"ip", "link", "set", "dev", "eth0", "down"});
        const auto out_of_ring = [&] {
            const auto s = status(1);
            if (!s.is_object() || !s.contains("virtual_servers") || s["virtual_servers"].empty()) return false;
            for (const auto& rs : s["virtual_servers"][0].value("real_servers", nlohmann::json::array())) {
                if (rs.value("address", "") == dead_address) return !rs.value("takes_new_flows", true);
            }
            return false;
        };
        bool out = false;
        while (!(out = out_of_ring()) && steady_clock::now() - died < 10s) {
            check_daemons();
            std::this_thread::sleep_for(10ms);
        }
        const auto took = duration_cast<milliseconds>(steady_clock::now() - died);
        if (!out) throw Failure(dead + " still takes new flows on node1 after 10 s: " + status(1).dump());
        progress("node1: " + dead + " takes no new flows");
        std::size_t elsewhere = 0;
        why.clear();
        const auto after_death = open(kNewAfterDeath, fresh, &why);
        for (const auto& c : fresh) elsewhere += c.backend != dead;
        const auto death_line = dead + " dead: out of the ring after " + std::to_string(took.count()) + " ms; " +
                                std::to_string(elsewhere) + " of " + std::to_string(kNewAfterDeath) +
                                " new connections elsewhere";
        progress(death_line);
        summary_.push_back(death_line);
        check(after_death == kNewAfterDeath, "new connections after " + dead + "'s death failed: " + why);
        check(elsewhere == after_death, std::to_string(after_death - elsewhere) + " new connections went to " + dead);
        std::vector<backends::Connection> to_live;
        for (auto& c : connections_) {
            if (c.backend != dead) to_live.push_back(std::move(c));
        }
        const auto live_broken = backends::broken(to_live, kEchoWithin, 'c');
        const auto live_line =
            "connections to the other backends: " + std::to_string(to_live.size() - live_broken.size()) + " of " +
            std::to_string(to_live.size()) + " still echo";
        progress(live_line);
        summary_.push_back(live_line);
        check(live_broken.empty(), std::to_string(live_broken.size()) + " connections to live backends broken (" +
                                       backends::describe(live_broken) + ")");
        check_daemons();
    }

    LabOptions o_;
    std::FILE* out_;
    Timeline timeline_;  // the role watcher's; not printed
    topo::Topology topo_;
    std::vector<topo::Process*> daemons_ = std::vector<topo::Process*>(kNodes, nullptr);
    std::vector<bool> killed_ = std::vector<bool>(kNodes, false);
    std::optional<NodeWatcher> watcher_;
    backends::BackendServers servers_;
    std::vector<backends::Connection> connections_;
    steady_clock::time_point begun_ = steady_clock::now();
    std::vector<std::string> failed_;
    std::vector<std::string> summary_;
};

}  // namespace

ScenarioResult run_balancer(const LabOptions& options, std::FILE* out) {
    std::fprintf(out,
                 "== balancer: 2 balancers (xvipd, load-balancer mode), 3 backends, a client; VRRP v%d %s, adverts "
                 "every %s\n   virtual_server %s %u: lb_algo mh, lb_kind DR, TCP_CHECK on each real server\n",
                 options.vrrp_version, options.unicast ? "unicast" : "multicast",
                 format_duration(options.advert_interval).c_str(), plan::vip_ipv4(0).c_str(), unsigned{kPort});
    std::fflush(out);
    const auto begun = steady_clock::now();
    ScenarioResult result{.name = "balancer"};
    try {
        BalancerRun run(options, out);
        result = run.run();
    } catch (const std::exception& e) {  // the topology could not be built or removed
        result.completed = false;
        result.failure = e.what();
    }
    result.elapsed = duration_cast<milliseconds>(steady_clock::now() - begun);
    if (!result.completed) std::fprintf(out, "FAILED: balancer: %s\n", result.failure.c_str());
    std::fflush(out);
    return result;
}

}  // namespace xvip::lab
