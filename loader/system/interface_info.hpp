// What the daemon needs to know about its interface before it sends anything: index, MAC, state,
// MTU, the source addresses VRRP uses (RFC 5798 §5.1.1.1: the primary IPv4 address; §5.1.2.1: the
// IPv6 link-local address) and the subnets a VIP must lie in. Read once through rtnetlink
// (RTM_GETLINK, RTM_GETADDR; libmnl) in the calling thread's network namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"

namespace xvip {

struct InterfacePrefix {
    IpAddress address;
    std::uint8_t prefix_length = 0;
    bool secondary = false;  // IPv4: not the first address of its subnet (IFA_F_SECONDARY)
    bool tentative = false;  // IPv6: duplicate address detection not finished (IFA_F_TENTATIVE)

    friend bool operator==(const InterfacePrefix&, const InterfacePrefix&) = default;
};

struct InterfaceInfo {
    std::string name;
    int index = 0;
    MacAddress mac{};      // all zeros when the link has no 6-byte hardware address
    bool up = false;       // IFF_UP: administratively up
    bool running = false;  // IFF_RUNNING: operationally up (carrier)
    std::uint32_t mtu = 0;
    std::optional<IpAddress> primary_ipv4;     // the first address not flagged secondary
    std::optional<IpAddress> ipv6_link_local;  // the first fe80::/10 address, preferring settled ones
    std::vector<InterfacePrefix> prefixes;     // every address, in the kernel's order
};

// Throws std::system_error naming the interface (ENODEV when it does not exist).
InterfaceInfo read_interface(const std::string& ifname);

// Whether `address` lies in `prefix`'s subnet (same family, first prefix_length bits equal).
bool prefix_contains(const InterfacePrefix& prefix, const IpAddress& address);

// Whether `address` lies in one of the interface's subnets. Host prefixes (/32, /128), such as the
// VIPs xvip itself adds, are not subnets and never count.
bool on_link(const InterfaceInfo& interface, const IpAddress& address);

}  // namespace xvip
