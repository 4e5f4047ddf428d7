// Runs the XDP program on crafted frames with BPF_PROG_TEST_RUN, the way the kernel's BPF
// selftests do: a freshly loaded program, maps filled for the case, repeat = 1. The program is
// loaded by the data-plane layer itself (Dataplane::load), and VIPs and state words go in through
// its writers: the tests exercise the stores the product makes, not a copy of them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/state_word.hpp"
#include "test_frames.hpp"
#include "xvip_abi.h"

namespace xvip::test {

// The MAC of the interface the program is loaded for: the source of every reply it builds.
inline const Mac node_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
// The interface's IPv4 subnets: the VIPs' and the client's, a second one split at /25, and the
// last unicast /24 below 224/3 (so that the class boundary is tested apart from the subnets).
inline const std::vector<Subnet4> node_subnets{{ip("192.0.2.1"), 24},
                                               {ip("198.51.100.1"), 25},
                                               {ip("223.255.255.1"), 24},
                                               {ip("192.0.3.7"), 32}};  // a host prefix: no subnet

struct RunResult {
    int error = 0;              // errno of the test run itself (0: it ran)
    std::uint32_t verdict = 0;  // XDP_PASS, XDP_DROP, XDP_TX ...
    Bytes output;               // the frame as the program left it
};

class XdpHarness {
public:
    // Loads the program for an interface with node_mac and node_subnets, its forwarding maps sized
    // as `lb` says (by default for no virtual service). Throws with the reason when the kernel
    // refuses (not root, no BPF).
    explicit XdpHarness(const LbCapacity& lb = {});

    // `instance` is a state index (xvip_instance_index).
    void bind_vip(const IpAddress& vip, std::uint32_t instance);
    // Through Dataplane::write_state: one store into the mapped state array, with this boot's
    // lease clock.
    void write_state(std::uint32_t instance, const StateWord& state);
    // Through Dataplane::set_gateways, as xvipd writes the instances with `gateway = true`.
    void set_gateways(std::span<const InstanceKey> gateways) { dataplane_.set_gateways(gateways); }

    // What the program judges adverts for the instance against (Dataplane::write_guard).
    void write_guard(std::uint32_t instance, const AdvertGuard& guard);
    XdpRole role(std::uint32_t instance) const;
    // The program's events since the last call, in order.
    std::vector<xvip_event> events();

    RunResult run(std::span<const std::uint8_t> frame);
    xvip_counters counters() const { return dataplane_.counters(); }
    int program_fd() const { return dataplane_.program_fd(); }
    // The data plane itself, for the writers the harness does not wrap (fast failover).
    Dataplane& dataplane() { return dataplane_; }

private:
    Dataplane dataplane_;
    std::vector<xvip_event> received_;
    std::unique_ptr<DataplaneEvents> events_;
};

}  // namespace xvip::test
