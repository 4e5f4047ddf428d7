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
    bool secondary = false;   // IPv4: not the first address of its subnet (IFA_F_SECONDARY)
    bool tentative = false;   // IPv6: duplicate address detection not finished (IFA_F_TENTATIVE)
    bool deprecated = false;  // IPv6: preferred lifetime over (IFA_F_DEPRECATED): never a source

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
    std::optional<IpAddress> ipv6_link_local;  // own_ipv6_link_local(*this, {})
    std::vector<InterfacePrefix> prefixes;     // every address, in the kernel's order
};

// Throws std::system_error naming the interface (ENODEV when it does not exist).
InterfaceInfo read_interface(const std::string& ifname);

// The link-local address the host itself would send from, for VRRP adverts: never one of `vips`
// (a node sending from a VIP that every node holds has its adverts dropped by the others as their
// own), preferring a settled (not tentative) one, then one not deprecated; the kernel's order
// decides among equals. None when the interface has no link-local address but `vips`.
std::optional<IpAddress> own_ipv6_link_local(const InterfaceInfo& interface, const std::vector<IpAddress>& vips);

// Whether `address` lies in `prefix`'s subnet (same family, first prefix_length bits equal).
bool prefix_contains(const InterfacePrefix& prefix, const IpAddress& address);

// Whether `address` lies in one of the interface's subnets. Host prefixes (/32, /128), such as the
// VIPs xvip itself adds, are not subnets and never count.
bool on_link(const InterfaceInfo& interface, const IpAddress& address);

}  // namespace xvip
