// A cluster of xvipd nodes and a client on the test bridge, for the daemon's integration tests:
// it writes each node's configuration, starts and signals the daemons, reads who is active from
// the pinned state maps (never from `ip addr`: every node holds the VIP), and probes the VIP.
// A node may run real keepalived instead, from the same keepalived.conf: who is active there is
// read from `ip addr`, since keepalived adds and removes the VIP itself.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "probe/echo_probe.hpp"
#include "topology/topology.hpp"

namespace xvip::test {

using namespace std::chrono_literals;

struct NodeSettings {
    int priority = 100;
    std::string extra;  // more lines for the vrrp_instance block
};

struct ClusterSpec {
    std::size_t nodes = 2;
    int version = 3;
    std::string advert_int = "0.1";  // keepalived's advert_int, seconds
    bool unicast = false;
    bool ipv6 = false;                    // an IPv6 instance instead of IPv4
    std::vector<std::string> extra_vips;  // with their prefix length, after vip() in virtual_ipaddress
    int nice = 0;                         // the daemons' niceness (xvipd.service runs them at -10)
    std::size_t clients = 1;              // hosts beside the nodes: client(0) probes, the rest are the test's
    std::string trailer;                  // top-level blocks after the vrrp_instance (virtual_server ...)
};

class XvipdCluster {
public:
    explicit XvipdCluster(ClusterSpec spec, std::vector<NodeSettings> nodes);
    ~XvipdCluster();

    topo::Topology& topology() { return *topo_; }
    const topo::Endpoint& node(std::size_t i) const { return topo_->node(i); }
    const topo::Endpoint& client() const { return topo_->client(0); }
    const topo::Endpoint& client(std::size_t i) const { return topo_->client(i); }
    std::string vip() const;

    // The keepalived.conf node i runs (xvipd reads it directly).
    std::string keepalived_conf(std::size_t i) const;
    std::filesystem::path config_path(std::size_t i) const;
    void write_config(std::size_t i, const std::string& text);

    topo::Process& start(std::size_t i, const std::vector<std::string>& extra_args = {});
    // Node i's daemon on an xvip.toml instead (for xvip's own options, which keepalived.conf
    // lacks): `toml` is the whole file, written next to the keepalived.conf.
    topo::Process& start_toml(std::size_t i, const std::string& toml);
    topo::Process* daemon(std::size_t i) { return daemons_.at(i); }
    // Ends the daemon with signal and waits for it (bounded).
    topo::ExitStatus stop(std::size_t i, int signal_number, std::chrono::milliseconds timeout = 10s);

    // The effective role of node i's instance, read from its pinned state map with xvipctl.
    // Empty when nothing is pinned (not attached).
    std::optional<std::string> role(std::size_t i);
    // Node i's xvipd answers on its control socket (it has attached and runs its election).
    bool wait_serving(std::size_t i, std::chrono::milliseconds timeout);
    std::vector<std::size_t> active_nodes();
    // Waits until exactly `index` is the one active node; false on timeout.
    bool wait_for_sole_active(std::size_t index, std::chrono::milliseconds timeout);
    nlohmann::json status(std::size_t i);  // `xvipctl status --json` against node i's daemon
    // Node i's data-plane counters by name (`xvipctl counters --json`'s "dataplane"); empty when
    // nothing is pinned.
    nlohmann::json counters(std::size_t i);

    // Runs the client probe in the background while `during` runs in this thread.
    probe::EchoProbeResult probe_while(std::chrono::milliseconds duration, const std::function<void()>& during);
    std::string log(std::size_t i);  // what node i's daemon wrote to stderr

    // keepalived (VRRP only, console log only, no respawn) on node i, reading the same generated
    // keepalived.conf; its pid files live in the run directory. From then on node i counts as
    // active while its eth0 holds the VIP (also after keepalived was killed and left it behind).
    topo::Process& start_keepalived(std::size_t i);
    topo::Process* keepalived(std::size_t i) { return keepaliveds_.at(i); }
    bool holds_vip_on_interface(std::size_t i);  // `ip addr show dev eth0` on node i lists the VIP
    std::string keepalived_log(std::size_t i);   // what node i's keepalived wrote (stdout and stderr)

private:
    // Node i's xvipd with `config_option` (--keepalived-conf or --config) naming `config`.
    topo::Process& spawn(std::size_t i, const std::string& config_option, const std::filesystem::path& config,
                         const std::vector<std::string>& extra_args);
    ClusterSpec spec_;
    std::vector<NodeSettings> settings_;
    std::unique_ptr<topo::Topology> topo_;
    std::vector<topo::Process*> daemons_;
    std::vector<topo::Process*> keepaliveds_;
};

}  // namespace xvip::test
