#include "bench/dataplane/veth_pair.hpp"

#include <stdexcept>

#include "topology/address_plan.hpp"
#include "topology/poll_until.hpp"
#include "topology/run_id.hpp"

namespace xvip::bench {

namespace {

namespace plan = topo::address_plan;

// Runs before any member that makes something: a stale run's leftovers go first, and a signal
// from here on undoes what this run made.
std::string fresh_run_id() {
    topo::signal_cleanup::install_handlers();
    topo::remove_stale_runs();
    return topo::make_run_id();
}

topo::Endpoint endpoint(const std::string& run_id, const std::string& name, const std::string& mac,
                        const std::string& ipv4, const std::string& ipv6, const std::filesystem::path& pin_dir) {
    return {.name = name,
            .netns = run_id + "-" + name,
            .ifname = "eth0",
            .bridge_port = {},
            .mac = mac,
            .ipv4 = ipv4,
            .ipv6 = ipv6,
            .pin_dir = pin_dir};
}

std::filesystem::path run_dir_for(const std::string& run_id) {
    return topo::kRunRoot / run_id;
}

}  // namespace

VethPair::VethPair()
    : run_id_(fresh_run_id()),
      node_(endpoint(run_id_, "node0", plan::node_mac(0), plan::node_ipv4(0), plan::node_ipv6(0),
                     run_dir_for(run_id_) / "bpffs" / "node0")),
      client_(endpoint(run_id_, "client0", plan::client_mac(0), plan::client_ipv4(0), plan::client_ipv6(0), {})),
      signal_record_({node_.netns, client_.netns}, (run_dir_for(run_id_) / "bpffs").string(),
                     run_dir_for(run_id_).string()),
      run_dir_(run_dir_for(run_id_)),
      bpffs_(run_dir_for(run_id_) / "bpffs"),
      node_netns_(node_.netns),
      client_netns_(client_.netns) {
    std::filesystem::create_directory(node_.pin_dir);
    // Both ends are made inside their namespaces: the pair never appears in the root namespace.
    topo::run_checked({"ip", "-n", client_.netns, "link", "add", client_.ifname, "address", client_.mac, "type", "veth",
                       "peer", "name", node_.ifname, "address", node_.mac, "netns", node_.netns});
    for (const topo::Endpoint* end : {&node_, &client_}) {
        topo::run_checked({"ip", "-n", end->netns, "addr", "add",
                           end->ipv4 + "/" + std::to_string(plan::kIpv4PrefixLength), "dev", end->ifname});
        topo::run_checked({"ip", "-n", end->netns, "link", "set", end->ifname, "up"});
    }
    for (const topo::Endpoint* end : {&node_, &client_}) {
        topo::poll_until(end->ifname + " of " + end->netns + " to have carrier", std::chrono::seconds(10), [&] {
            const auto link = topo::run_command({"ip", "-n", end->netns, "-o", "link", "show", "dev", end->ifname});
            return link.success() && link.out.find("LOWER_UP") != std::string::npos;
        });
    }
}

topo::CommandResult VethPair::run_checked(const std::string& netns, const std::vector<std::string>& argv) const {
    require_own(netns);
    return topo::run_checked(topo::in_netns(netns, argv));
}

void VethPair::require_own(const std::string& netns) const {
    if (netns != node_.netns && netns != client_.netns) {
        throw std::invalid_argument("network namespace `" + netns + "` is not one of run " + run_id_);
    }
}

}  // namespace xvip::bench
