#pragma once

#include <string>
#include <vector>

namespace xvip::topo {

// One veth pair joining an endpoint namespace to the bridge namespace. The pair is created with
// each end already inside its namespace, so it never appears in the root namespace, and it has no
// destructor of its own: deleting either namespace destroys both ends.
struct VethLink {
    std::string endpoint_netns;
    std::string endpoint_ifname;  // "eth0"
    std::string endpoint_mac;
    std::string bridge_netns;
    std::string bridge_port;  // the peer end, enslaved to the bridge
    std::string bridge_name;
    int mtu;
};

// Creates the pair and enslaves the bridge end; both ends stay down until bring_up.
void create_veth_link(const VethLink& link);
void bring_up(const VethLink& link);

// veth drops frames an XDP program sends with XDP_TX unless the receiving peer has NAPI enabled
// (xdp-project/xdp-tutorial issue 167). GRO on the peer gives it NAPI, but the kernel wakes it for
// such frames only when it runs an XDP program, so they wait for other traffic (6.1 and 6.18); an
// XDP program on the peer always works. Attaches the trivial XDP_PASS
// program (bpf/pass.bpf.c) to the bridge end in native mode and reads it back; throws if absent.
// `bpffs`: the run's own bpffs, iproute2's work directory (see iproute2_obj_loader).
void attach_pass_program_to_bridge_port(const VethLink& link, const std::string& bpffs);

// `ip ... xdp obj FILE` looks for a bpffs to work in by scanning the mount table and takes the
// first it finds: with tests running in parallel, that can be another run's, unmounted the next
// moment ("mkdir .../bpffs/tc/ failed"). These words, put before `ip`, name ours instead.
std::vector<std::string> iproute2_obj_loader(const std::string& bpffs);

// Whether `ip -d link show` reports an XDP program on the interface.
bool xdp_attached(const std::string& netns, const std::string& ifname);

}  // namespace xvip::topo
