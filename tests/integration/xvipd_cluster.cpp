#include "xvipd_cluster.hpp"

#include <signal.h>

#include <fstream>
#include <future>
#include <thread>

// Targets that never start keepalived need not name it.
#ifndef KEEPALIVED
#define KEEPALIVED "keepalived"
#endif

namespace xvip::test {

namespace plan = topo::address_plan;

XvipdCluster::XvipdCluster(ClusterSpec spec, std::vector<NodeSettings> nodes)
    : spec_(std::move(spec)), settings_(std::move(nodes)) {
    topo_ = std::make_unique<topo::Topology>(topo::TopologySpec{.nodes = spec_.nodes, .clients = spec_.clients});
    daemons_.assign(spec_.nodes, nullptr);
    keepaliveds_.assign(spec_.nodes, nullptr);
    for (std::size_t i = 0; i < spec_.nodes; ++i) write_config(i, keepalived_conf(i));
}

XvipdCluster::~XvipdCluster() {
    // Daemons first, gracefully, so that they detach and give back what they took; the topology
    // then kills whatever is left and removes the namespaces.
    for (auto* process : daemons_) {
        if (process && process->running()) {
            process->send_signal(SIGTERM);
            process->wait_for(5s);
        }
    }
    for (auto* process : keepaliveds_) {
        if (process && process->running()) {
            process->send_signal(SIGTERM);
            process->wait_for(5s);
        }
    }
}

std::string XvipdCluster::vip() const {
    return spec_.ipv6 ? plan::vip_ipv6(0) : plan::vip_ipv4(0);
}

std::string XvipdCluster::keepalived_conf(std::size_t i) const {
    std::string peers;
    if (spec_.unicast) {
        peers = "    unicast_src_ip " + (spec_.ipv6 ? node(i).ipv6 : node(i).ipv4) + "\n    unicast_peer {\n";
        for (std::size_t j = 0; j < spec_.nodes; ++j) {
            if (j != i) peers += "        " + (spec_.ipv6 ? node(j).ipv6 : node(j).ipv4) + "\n";
        }
        peers += "    }\n";
    }
    const std::string prefix = spec_.ipv6 ? "/64" : "/24";
    std::string extra_vips;
    for (const auto& v : spec_.extra_vips) extra_vips += "        " + v + "\n";
    return "global_defs {\n    router_id " + node(i).name + "\n    vrrp_version " + std::to_string(spec_.version) +
           "\n}\nvrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n"
           "    priority " +
           std::to_string(settings_.at(i).priority) + "\n    advert_int " + spec_.advert_int + "\n" + peers +
           settings_.at(i).extra + "    virtual_ipaddress {\n        " + vip() + prefix + "\n" + extra_vips +
           "    }\n}\n" + spec_.trailer;
}

std::filesystem::path XvipdCluster::config_path(std::size_t i) const {
    return topo_->run_dir() / (node(i).name + ".conf");
}

void XvipdCluster::write_config(std::size_t i, const std::string& text) {
    std::ofstream(config_path(i)) << text;
}

topo::Process& XvipdCluster::spawn(std::size_t i, const std::string& config_option, const std::filesystem::path& config,
                                   const std::vector<std::string>& extra_args) {
    std::vector<std::string> argv;
    if (spec_.nice != 0) argv = {"nice", "-n", std::to_string(spec_.nice)};  // nice execs: the pid is xvipd's
    argv.insert(argv.end(),
                {XVIPD, config_option, config.string(), "--pin-dir", node(i).pin_dir.string(), "--state-dir",
                 (topo_->run_dir() / (node(i).name + "-state")).string(), "--log-level", "debug"});
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    daemons_.at(i) = &topo_->spawn(node(i).netns, argv);
    return *daemons_[i];
}

topo::Process& XvipdCluster::start(std::size_t i, const std::vector<std::string>& extra_args) {
    return spawn(i, "--keepalived-conf", config_path(i), extra_args);
}

topo::Process& XvipdCluster::start_toml(std::size_t i, const std::string& toml) {
    const auto path = topo_->run_dir() / (node(i).name + ".toml");
    std::ofstream(path) << toml;
    return spawn(i, "--config", path, {});
}

topo::ExitStatus XvipdCluster::stop(std::size_t i, int signal_number, std::chrono::milliseconds timeout) {
    auto* d = daemons_.at(i);
    d->send_signal(signal_number);
    return d->wait(timeout);
}

std::optional<std::string> XvipdCluster::role(std::size_t i) {
    const auto r =
        topo_->run(node(i).netns, {XVIPCTL, "show", "--dev", "eth0", "--pin-root", node(i).pin_dir.string(), "--json"});
    if (!r.success()) return std::nullopt;
    const auto j = nlohmann::json::parse(r.out);
    if (j["instances"].empty()) return "standby";
    return j["instances"][0]["effective_role"].get<std::string>();
}

bool XvipdCluster::wait_serving(std::size_t i, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto s = status(i);
        if (!s.contains("error") && s.contains("instances")) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::vector<std::size_t> XvipdCluster::active_nodes() {
    std::vector<std::size_t> active;
    for (std::size_t i = 0; i < spec_.nodes; ++i) {
        if (keepaliveds_[i] ? holds_vip_on_interface(i) : role(i) == "active") active.push_back(i);
    }
    return active;
}

bool XvipdCluster::wait_for_sole_active(std::size_t index, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (active_nodes() == std::vector<std::size_t>{index}) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

nlohmann::json XvipdCluster::status(std::size_t i) {
    const auto r = topo_->run(node(i).netns, {XVIPCTL, "status", "--json", "--socket",
                                              (topo_->run_dir() / (node(i).name + "-state") / "xvipd.sock").string()});
    if (!r.success()) return nlohmann::json{{"error", r.err}};
    return nlohmann::json::parse(r.out);
}

nlohmann::json XvipdCluster::counters(std::size_t i) {
    const auto r = topo_->run(node(i).netns,
                              {XVIPCTL, "counters", "--dev", "eth0", "--pin-root", node(i).pin_dir.string(), "--json",
                               "--socket", (topo_->run_dir() / (node(i).name + "-state") / "xvipd.sock").string()});
    if (!r.success()) return nlohmann::json::object();
    return nlohmann::json::parse(r.out).value("dataplane", nlohmann::json::object());
}

probe::EchoProbeResult XvipdCluster::probe_while(std::chrono::milliseconds duration,
                                                 const std::function<void()>& during) {
    const auto target = *IpAddress::parse(vip());
    auto result = std::async(std::launch::async, [this, target, duration] {
        return topo_->run_in(
            client().netns,
            [target, duration] { return probe::run_echo_probe({.target = target, .duration = duration}); },
            duration + 5s);
    });
    during();
    return result.get();
}

std::string XvipdCluster::log(std::size_t i) {
    return daemons_.at(i) ? daemons_[i]->read_stderr() : "";
}

topo::Process& XvipdCluster::start_keepalived(std::size_t i) {
    // -P: VRRP only (no checker, no BFD child); -G: no syslog (/dev/log is outside the namespace);
    // -R: a crashed child shows as an exit, not a silent respawn. With every pid file given here and
    // neither use_pid_dir, instance nor net_namespace in the configuration, keepalived creates
    // nothing under /run (checked with strace): its configuration copy is a memfd.
    const auto file = [&](const std::string& what) {
        return (topo_->run_dir() / (node(i).name + "-" + what + ".pid")).string();
    };
    keepaliveds_.at(i) = &topo_->spawn(
        node(i).netns, {KEEPALIVED, "-n", "-l", "-D", "-G", "-P", "-R", "-f", config_path(i).string(), "-p",
                        file("keepalived"), "-r", file("vrrp"), "-c", file("checkers"), "-b", file("bfd")});
    return *keepaliveds_[i];
}

bool XvipdCluster::holds_vip_on_interface(std::size_t i) {
    const auto r =
        topo_->run_checked(node(i).netns, {"ip", "-o", spec_.ipv6 ? "-6" : "-4", "addr", "show", "dev", "eth0"});
    return r.out.find(" " + vip() + "/") != std::string::npos;
}

std::string XvipdCluster::keepalived_log(std::size_t i) {
    const auto* k = keepaliveds_.at(i);
    return k ? k->read_stdout() + k->read_stderr() : "";
}

}  // namespace xvip::test
