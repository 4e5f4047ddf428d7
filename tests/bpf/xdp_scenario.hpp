// The shared setting of the XDP test cases: one interface, one IPv4 and one IPv6 instance
// (VRID 51) with their VIPs, a client, and the state the case puts the instances in.
#pragma once

#include <linux/bpf.h>

#include "dataplane/state_word.hpp"
#include "xdp_harness.hpp"

namespace xvip::test {

inline const Mac client_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
inline const Mac other_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x77};  // another host on the segment

inline const IpAddress vip4 = ip("192.0.2.50");
inline const IpAddress vip4_b = ip("192.0.2.51");  // second VIP of the same instance
inline const IpAddress client4 = ip("192.0.2.99");
inline const IpAddress vip6 = ip("2001:db8::50");
inline const IpAddress vip6_ll = ip("fe80::5:50");
inline const IpAddress client6 = ip("2001:db8::99");
inline const IpAddress client6_ll = ip("fe80::99");

inline constexpr std::uint32_t instance4 = XVIP_SLOT_IPV4 * 256 + 51;
inline constexpr std::uint32_t instance6 = XVIP_SLOT_IPV6 * 256 + 51;

enum class Situation {
    standby,
    active,
    active_lease_expired,
    draining,
    draining_expired,
};

const char* to_string(Situation s);

// Fills the harness: interface MAC, the VIPs, and both instances in the situation.
void set_up(XdpHarness& xdp, Situation situation);

}  // namespace xvip::test
