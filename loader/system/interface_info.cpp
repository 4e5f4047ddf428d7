#include "system/interface_info.hpp"

#include <algorithm>

#include "system/netlink_socket.hpp"
#include "system/rtnetlink_queries.hpp"

namespace xvip {

InterfaceInfo read_interface(const std::string& ifname) {
    NetlinkSocket socket;
    const LinkMessage link = query_link(socket, ifname);
    InterfaceInfo info{
        .name = link.name,
        .index = link.index,
        .mac = link.mac.value_or(MacAddress{}),
        .up = link.up,
        .running = link.running,
        .mtu = link.mtu,
        .primary_ipv4 = std::nullopt,
        .ipv6_link_local = std::nullopt,
        .prefixes = query_addresses(socket, link.index),
    };
    for (const auto& prefix : info.prefixes) {
        if (prefix.address.is_v4() && !prefix.secondary && !info.primary_ipv4) {
            info.primary_ipv4 = prefix.address;
        }
    }
    info.ipv6_link_local = own_ipv6_link_local(info, {});
    return info;
}

std::optional<IpAddress> own_ipv6_link_local(const InterfaceInfo& interface, const std::vector<IpAddress>& vips) {
    const InterfacePrefix* best = nullptr;
    // Lower is better: a tentative address cannot be a source yet, a deprecated one should not be.
    const auto rank = [](const InterfacePrefix& p) { return (p.tentative ? 2 : 0) + (p.deprecated ? 1 : 0); };
    for (const auto& prefix : interface.prefixes) {
        if (!prefix.address.is_v6() || !prefix.address.is_link_local()) continue;
        if (std::ranges::find(vips, prefix.address) != vips.end()) continue;
        if (!best || rank(prefix) < rank(*best)) best = &prefix;
    }
    if (!best) return std::nullopt;
    return best->address;
}

bool prefix_contains(const InterfacePrefix& prefix, const IpAddress& address) {
    if (prefix.address.family() != address.family()) return false;
    const auto a = prefix.address.bytes();
    const auto b = address.bytes();
    const std::size_t bits = std::min<std::size_t>(prefix.prefix_length, a.size() * 8);
    const std::size_t whole = bits / 8;
    if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) return false;
    const std::size_t rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool on_link(const InterfaceInfo& interface, const IpAddress& address) {
    return std::ranges::any_of(interface.prefixes, [&](const InterfacePrefix& prefix) {
        const std::size_t host_length = prefix.address.bytes().size() * 8;
        return prefix.prefix_length < host_length && prefix_contains(prefix, address);
    });
}

}  // namespace xvip
