#include "topology/topology.hpp"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

#include "topology/poll_until.hpp"
#include "topology/run_id.hpp"
#include "topology/veth_link.hpp"

namespace xvip::topo {
namespace {

constexpr std::chrono::milliseconds kReadyTimeout{10000};
constexpr std::chrono::milliseconds kStopGrace{2000};
constexpr const char* kIfname = "eth0";

// Runs before any member is built: a bad spec must not leave anything behind, and a stale run's
// leftovers are cleared before we add our own.
TopologySpec prepared(const TopologySpec& spec) {
    if (spec.nodes < 1 || spec.nodes > address_plan::kMaxNodes) {
        throw std::invalid_argument("a topology has 1 to 10 nodes, not " + std::to_string(spec.nodes));
    }
    if (spec.clients < 1 || spec.clients > address_plan::kMaxClients) {
        throw std::invalid_argument("a topology has 1 to 10 clients, not " + std::to_string(spec.clients));
    }
    signal_cleanup::install_handlers();
    remove_stale_runs();
    return spec;
}

std::vector<std::string> namespace_names(const std::string& run_id, const std::vector<Endpoint>& nodes,
                                         const std::vector<Endpoint>& clients) {
    std::vector<std::string> names{run_id + "-bridge"};
    for (const auto& endpoint : nodes) names.push_back(endpoint.netns);
    for (const auto& endpoint : clients) names.push_back(endpoint.netns);
    return names;
}

std::filesystem::path run_dir_for(const std::string& run_id) {
    return kRunRoot / run_id;
}
std::filesystem::path bpffs_dir_for(const std::string& run_id) {
    return run_dir_for(run_id) / "bpffs";
}

std::string basename_of(const std::string& program) {
    return std::filesystem::path(program).filename().string();
}

bool output_contains(const CommandResult& result, const std::string& text) {
    return result.success() && result.out.find(text) != std::string::npos;
}

}  // namespace

Topology::Topology(const TopologySpec& spec)
    : spec_(prepared(spec)),
      run_id_(make_run_id()),
      nodes_([&] {
          std::vector<Endpoint> planned;
          for (std::size_t i = 0; i < spec_.nodes; ++i) planned.push_back(plan_endpoint("node", i));
          return planned;
      }()),
      clients_([&] {
          std::vector<Endpoint> planned;
          for (std::size_t i = 0; i < spec_.clients; ++i) {
              planned.push_back(plan_endpoint("client", i));
          }
          return planned;
      }()),
      signal_record_(namespace_names(run_id_, nodes_, clients_), bpffs_dir_for(run_id_), run_dir_for(run_id_)),
      run_dir_(run_dir_for(run_id_)),
      bpffs_(bpffs_dir_for(run_id_)),
      bridge_(run_id_ + "-bridge") {
    std::filesystem::create_directory(run_dir() / "logs");

    // Bridge ports carry no IPv6 of their own, so the segment carries only the hosts' traffic.
    set_sysctl(bridge_netns(), "net.ipv6.conf.default.disable_ipv6", "1");
    set_sysctl(bridge_netns(), "net.ipv6.conf.all.disable_ipv6", "1");
    // No STP delay before ports forward; no multicast snooping, so VRRP and ND multicast reach
    // every port, as on a cloud vSwitch.
    topo::run_checked({"ip", "-n", bridge_netns(), "link", "add", bridge_name(), "type", "bridge", "stp_state", "0",
                       "forward_delay", "0", "mcast_snooping", "0"});
    topo::run_checked({"ip", "-n", bridge_netns(), "link", "set", bridge_name(), "up"});

    for (const auto& node : nodes_) {
        std::filesystem::create_directory(node.pin_dir);
        connect(node, true);
    }
    for (const auto& client : clients_) connect(client, false);
    wait_ready(kReadyTimeout);
}

Topology::~Topology() {
    stop_processes();
}

Endpoint Topology::plan_endpoint(const std::string& role, std::size_t index) const {
    const bool is_node = role == "node";
    Endpoint endpoint{
        .name = role + std::to_string(index),
        .netns = {},
        .ifname = kIfname,
        .bridge_port = {},
        .mac = is_node ? address_plan::node_mac(index) : address_plan::client_mac(index),
        .ipv4 = is_node ? address_plan::node_ipv4(index) : address_plan::client_ipv4(index),
        .ipv6 = is_node ? address_plan::node_ipv6(index) : address_plan::client_ipv6(index),
        .pin_dir = {},
    };
    endpoint.netns = run_id_ + "-" + endpoint.name;
    endpoint.bridge_port = endpoint.name;
    if (is_node) endpoint.pin_dir = bpffs_dir_for(run_id_) / endpoint.name;
    return endpoint;
}

void Topology::recreate_link(std::size_t index) {
    delete_link(index);
    restore_link(index);
}

void Topology::delete_link(std::size_t index) {
    const Endpoint& endpoint = nodes_.at(index);
    run_checked(endpoint.netns, {"ip", "link", "del", endpoint.ifname});  // its bridge port goes with it
}

void Topology::restore_link(std::size_t index) {
    const Endpoint& endpoint = nodes_.at(index);
    make_link(endpoint, true);
    poll_until(endpoint.bridge_port + " of the re-created " + endpoint.ifname + " to forward", 5s, [&] {
        return output_contains(
            topo::run_command({"bridge", "-n", bridge_netns(), "link", "show", "dev", endpoint.bridge_port}),
            "state forwarding");
    });
}

void Topology::connect(const Endpoint& endpoint, bool carries_xdp) {
    endpoint_namespaces_.emplace_back(endpoint.netns);
    // DAD off before eth0 exists, so that its link-local address is usable at once, too.
    set_sysctl(endpoint.netns, "net.ipv6.conf.default.accept_dad", "0");
    make_link(endpoint, carries_xdp);
}

void Topology::make_link(const Endpoint& endpoint, bool carries_xdp) {
    const VethLink link{
        .endpoint_netns = endpoint.netns,
        .endpoint_ifname = endpoint.ifname,
        .endpoint_mac = endpoint.mac,
        .bridge_netns = bridge_netns(),
        .bridge_port = endpoint.bridge_port,
        .bridge_name = bridge_name(),
        .mtu = spec_.mtu,
    };
    create_veth_link(link);
    if (carries_xdp) attach_pass_program_to_bridge_port(link, bpffs_dir().string());
    topo::run_checked({"ip", "-n", endpoint.netns, "addr", "add",
                       endpoint.ipv4 + "/" + std::to_string(address_plan::kIpv4PrefixLength), "dev", endpoint.ifname});
    topo::run_checked({"ip", "-n", endpoint.netns, "addr", "add",
                       endpoint.ipv6 + "/" + std::to_string(address_plan::kIpv6PrefixLength), "dev", endpoint.ifname,
                       "nodad"});
    bring_up(link);
}

void Topology::wait_ready(std::chrono::milliseconds timeout) const {
    for (const auto* group : {&nodes_, &clients_}) {
        for (const auto& endpoint : *group) {
            poll_until(endpoint.ifname + " of " + endpoint.netns + " to have carrier", timeout, [&] {
                return output_contains(
                    topo::run_command({"ip", "-n", endpoint.netns, "-o", "link", "show", "dev", endpoint.ifname}),
                    "LOWER_UP");
            });
            poll_until("bridge port " + endpoint.bridge_port + " in " + bridge_netns() + " to forward", timeout, [&] {
                return output_contains(
                    topo::run_command({"bridge", "-n", bridge_netns(), "link", "show", "dev", endpoint.bridge_port}),
                    "state forwarding");
            });
        }
    }
    wait_ipv6_settled(timeout);
}

void Topology::wait_ipv6_settled(std::chrono::milliseconds timeout) const {
    for (const auto* group : {&nodes_, &clients_}) {
        for (const auto& endpoint : *group) {
            poll_until(
                "IPv6 addresses on " + endpoint.ifname + " of " + endpoint.netns + " to leave the tentative state",
                timeout, [&] {
                    const auto tentative = topo::run_command(
                        {"ip", "-n", endpoint.netns, "-6", "addr", "show", "dev", endpoint.ifname, "tentative"});
                    return tentative.success() && tentative.out.empty();
                });
        }
    }
}

void Topology::require_own(const std::string& netns) const {
    if (netns.rfind(netns_prefix(), 0) != 0) {
        throw std::invalid_argument("network namespace `" + netns + "` is not one of run " + run_id_ +
                                    ": the helper only acts inside its own");
    }
}

Process& Topology::spawn(const std::string& netns, const std::vector<std::string>& argv) {
    require_own(netns);
    if (argv.empty()) throw std::invalid_argument("spawn needs a command");
    static std::atomic<unsigned> sequence{0};
    const std::string role = netns.substr(netns_prefix().size());
    const std::string stem = std::to_string(sequence++) + "-" + role + "-" + basename_of(argv[0]);
    const auto logs = run_dir() / "logs";
    auto process =
        std::make_unique<Process>(in_netns(netns, argv), logs / (stem + ".stdout"), logs / (stem + ".stderr"));
    const std::lock_guard lock(processes_mutex_);
    processes_.push_back(std::move(process));
    return *processes_.back();
}

CommandResult Topology::run(const std::string& netns, const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) const {
    require_own(netns);
    return topo::run_command(in_netns(netns, argv), timeout);
}

CommandResult Topology::run_checked(const std::string& netns, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) const {
    require_own(netns);
    return topo::run_checked(in_netns(netns, argv), timeout);
}

void Topology::stop_processes() noexcept {
    const std::lock_guard lock(processes_mutex_);
    try {
        // All at once, so that teardown waits one grace period, not one per process.
        for (auto& process : processes_) process->signal_group(SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
        for (auto& process : processes_) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            process->wait_for(std::max(left, std::chrono::milliseconds(0)));
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "xvip topology: stopping processes: %s\n", error.what());
    }
    // Whatever is left gets SIGKILL and a bounded reap from its own destructor.
    processes_.clear();
}

}  // namespace xvip::topo
