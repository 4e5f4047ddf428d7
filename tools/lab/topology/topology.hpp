#pragma once

// Network-namespace topologies for integration tests, the lab and the benchmarks:
//
//   xvip::topo::Topology topo({.nodes = 2, .clients = 1});
//   auto& daemon = topo.spawn(topo.node(0).netns, {"xvipd", "--pin-dir", topo.node(0).pin_dir});
//   auto ping = topo.run(topo.client(0).netns, {"ping", "-c", "1", "-W", "1", topo.node(0).ipv4});
//   int fd = topo.run_in(topo.client(0).netns, [] { return socket(AF_INET, SOCK_DGRAM, 0); });
//
// Layout: a bridge `br0` alone in its namespace; each node and client in a namespace of its own
// with one interface `eth0`, joined to the bridge by a veth pair. Addresses follow address_plan.hpp;
// no default route; nothing is ever created in the root network namespace. The run owns one bpffs
// in the root mount namespace with a pin directory per node. Everything is removed when the
// Topology is destroyed, or when SIGINT/SIGTERM/SIGHUP ends the process.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "topology/address_plan.hpp"
#include "topology/bpf_mount.hpp"
#include "topology/command.hpp"
#include "topology/errors.hpp"
#include "topology/namespace_thread.hpp"
#include "topology/network_namespace.hpp"
#include "topology/process.hpp"
#include "topology/run_directory.hpp"
#include "topology/signal_cleanup.hpp"

namespace xvip::topo {

struct TopologySpec {
    std::size_t nodes = 2;    // 1..10: hosts that run xvipd or keepalived (XDP-ready eth0)
    std::size_t clients = 1;  // 1..10: hosts that only send and receive
    int mtu = 1500;
};

// One host on the segment, as the tests see it.
struct Endpoint {
    std::string name;         // "node0", "client0"
    std::string netns;        // "xvt1234-0-node0"
    std::string ifname;       // "eth0"
    std::string bridge_port;  // the veth peer in the bridge namespace: "node0"
    std::string mac;
    std::string ipv4;               // without prefix length (address_plan::kIpv4PrefixLength)
    std::string ipv6;               // global, without prefix length (address_plan::kIpv6PrefixLength)
    std::filesystem::path pin_dir;  // nodes only: their directory on the run's bpffs
};

class Topology {
public:
    // Builds the whole topology or throws (CommandError names the failed command); whatever was
    // built before the failure is removed again.
    explicit Topology(const TopologySpec& spec);
    ~Topology();
    Topology(const Topology&) = delete;
    Topology& operator=(const Topology&) = delete;

    const std::string& run_id() const noexcept { return run_id_; }
    // Every namespace of this run starts with it: "xvt1234-0-".
    std::string netns_prefix() const { return run_id_ + "-"; }
    const std::filesystem::path& run_dir() const noexcept { return run_dir_.path(); }
    const std::filesystem::path& bpffs_dir() const noexcept { return bpffs_.path(); }
    const std::string& bridge_netns() const noexcept { return bridge_.name(); }
    static constexpr const char* bridge_name() noexcept { return "br0"; }

    const Endpoint& node(std::size_t index) const { return nodes_.at(index); }
    const Endpoint& client(std::size_t index) const { return clients_.at(index); }
    const std::vector<Endpoint>& nodes() const noexcept { return nodes_; }
    const std::vector<Endpoint>& clients() const noexcept { return clients_; }

    // `netns` below is always one of this run's (node(i).netns, client(j).netns, bridge_netns()).

    // Starts argv inside `netns` (via `ip netns exec`) with stdout/stderr in files under run_dir.
    // The Topology owns the process: whatever still runs at teardown gets SIGTERM, then SIGKILL.
    Process& spawn(const std::string& netns, const std::vector<std::string>& argv);

    // Runs argv inside `netns` to completion within `timeout` (else TimeoutError).
    CommandResult run(const std::string& netns, const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = 10s) const;
    // As run, but a non-zero exit throws CommandError.
    CommandResult run_checked(const std::string& netns, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout = 10s) const;

    // Runs `task` on a thread that has entered `netns`; see run_in_netns for the timeout rules.
    template <std::invocable Task>
    std::invoke_result_t<Task> run_in(const std::string& netns, Task&& task,
                                      std::chrono::milliseconds timeout = 10s) const {
        require_own(netns);
        return run_in_netns(netns, timeout, std::forward<Task>(task));
    }

    // Deletes node `index`'s eth0 (and its bridge port) and makes it again with the same name, MAC
    // and addresses, as a VLAN, bond or VF reset does: another ifindex, no XDP program on it.
    void recreate_link(std::size_t index);
    // The two halves of recreate_link, for a while without the interface in between.
    void delete_link(std::size_t index);
    void restore_link(std::size_t index);

    // Waits until no eth0 of the run holds a tentative (DAD not finished) IPv6 address. The
    // constructor already does; call it again after adding IPv6 addresses without `nodad`.
    void wait_ipv6_settled(std::chrono::milliseconds timeout = 5s) const;

private:
    Endpoint plan_endpoint(const std::string& role, std::size_t index) const;
    void connect(const Endpoint& endpoint, bool carries_xdp);
    void make_link(const Endpoint& endpoint, bool carries_xdp);
    void wait_ready(std::chrono::milliseconds timeout) const;
    void stop_processes() noexcept;
    // Commands and tasks run only in this run's namespaces, never in the root or a foreign one.
    void require_own(const std::string& netns) const;

    TopologySpec spec_;
    std::string run_id_;
    std::vector<Endpoint> nodes_;
    std::vector<Endpoint> clients_;
    // Declaration order is teardown order reversed: processes die first, then namespaces (and
    // their veths), then the bpffs, then the run directory, and the signal record goes last.
    signal_cleanup::RegisteredRun signal_record_;
    RunDirectory run_dir_;
    BpfMount bpffs_;
    NetworkNamespace bridge_;
    std::vector<NetworkNamespace> endpoint_namespaces_;
    std::mutex processes_mutex_;
    std::vector<std::unique_ptr<Process>> processes_;
};

}  // namespace xvip::topo
