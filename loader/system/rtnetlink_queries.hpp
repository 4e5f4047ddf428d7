// The rtnetlink conversations the daemon has with the kernel, over a NetlinkSocket: look a link up,
// list links or an interface's addresses, add or remove an address, list an interface's neighbours
// or have the kernel resolve one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "system/interface_info.hpp"
#include "system/netlink_socket.hpp"
#include "system/rtnetlink_messages.hpp"

namespace xvip {

// Throws std::system_error naming the interface (ENODEV when there is none of that name).
LinkMessage query_link(NetlinkSocket& socket, const std::string& ifname);

// The link with `index` in the namespace `netnsid` names (as this one numbers it), or in this one.
// Throws std::system_error.
LinkMessage query_link(NetlinkSocket& socket, int index, std::optional<std::int32_t> netnsid);

// Every IPv4 and IPv6 address on interface `index`, in the kernel's order. Throws std::system_error.
std::vector<InterfacePrefix> query_addresses(NetlinkSocket& socket, int index);

// Every link in the namespace. Returns 0 or the errno; never throws (the link monitor resyncs with
// it from the event loop).
int dump_links(NetlinkSocket& socket, std::vector<LinkMessage>& links);

// Every IPv4 neighbour entry on interface `index` (proxy entries left out). Returns 0 or the errno;
// never throws (the neighbour watch re-reads with it from the event loop).
int dump_ipv4_neighbours(NetlinkSocket& socket, int index, std::vector<NeighbourMessage>& neighbours);

// Has the kernel resolve or re-verify `address` on interface `index` (NTF_USE, see
// build_neighbour_use_request). Returns 0 or the errno the kernel answered with; never throws.
int use_neighbour(NetlinkSocket& socket, int index, const IpAddress& address);

// Returns 0 or the errno the kernel answered with (EEXIST: already there; EADDRNOTAVAIL: not there).
int change_address(NetlinkSocket& socket, AddressChange change, int index, const IpAddress& address,
                   std::uint8_t prefix_length, AddressFlags flags = {});

}  // namespace xvip
