// The ARP benchmark's network: client0 and node0, each in a network namespace of its own, joined
// by one veth pair (client0's eth0 <-> node0's eth0), with no bridge between them; and a bpffs for
// node0's pins. Built from tools/lab/topology's pieces and named like a Topology's run, so that the
// leftovers of a killed run are removed by the next one; everything is removed when the object is
// destroyed, or when SIGINT/SIGTERM/SIGHUP ends the process. Nothing is made in the root namespace.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "topology/bpf_mount.hpp"
#include "topology/command.hpp"
#include "topology/namespace_thread.hpp"
#include "topology/network_namespace.hpp"
#include "topology/run_directory.hpp"
#include "topology/signal_cleanup.hpp"
#include "topology/topology.hpp"

namespace xvip::bench {

class VethPair {
public:
    // Builds both namespaces and the pair, addresses as in address_plan.hpp, both ends up.
    VethPair();
    VethPair(const VethPair&) = delete;
    VethPair& operator=(const VethPair&) = delete;

    const std::string& run_id() const { return run_id_; }
    const topo::Endpoint& node() const { return node_; }      // its pin_dir is on this run's bpffs
    const topo::Endpoint& client() const { return client_; }  // bridge_port is empty: there is none

    // As Topology's: `netns` must be node().netns or client().netns.
    topo::CommandResult run_checked(const std::string& netns, const std::vector<std::string>& argv) const;
    template <std::invocable Task>
    std::invoke_result_t<Task> run_in(const std::string& netns, Task&& task,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
        require_own(netns);
        return topo::run_in_netns(netns, timeout, std::forward<Task>(task));
    }

private:
    void require_own(const std::string& netns) const;

    std::string run_id_;
    topo::Endpoint node_;
    topo::Endpoint client_;
    // Declaration order is teardown order reversed: the namespaces (and the pair with them) go
    // first, then the bpffs, the run directory, and the signal record last.
    topo::signal_cleanup::RegisteredRun signal_record_;
    topo::RunDirectory run_dir_;
    topo::BpfMount bpffs_;
    topo::NetworkNamespace node_netns_;
    topo::NetworkNamespace client_netns_;
};

}  // namespace xvip::bench
