// rtnetlink messages the daemon sends and reads, as plain functions over a byte buffer so that
// they can be checked without a kernel: link, address and neighbour messages parsed into values,
// and the address add/delete and neighbour requests built.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "system/interface_info.hpp"

struct nlmsghdr;

namespace xvip {

// An RTM_NEWLINK / RTM_DELLINK message.
struct LinkMessage {
    int index = 0;
    std::string name;
    bool deleted = false;  // RTM_DELLINK
    bool up = false;
    bool running = false;
    std::uint32_t mtu = 0;
    std::optional<MacAddress> mac;             // IFLA_ADDRESS, when it is 6 bytes
    std::string kind;                          // IFLA_LINKINFO's IFLA_INFO_KIND ("veth", "bond", ...); empty: none
    int peer_index = 0;                        // IFLA_LINK: a veth's peer (0: none given)
    std::optional<std::int32_t> peer_netnsid;  // IFLA_LINK_NETNSID: the peer is in that namespace
    bool xdp_attached = false;                 // IFLA_XDP: some XDP program runs on the link
};

// An RTM_NEWADDR / RTM_DELADDR message for IPv4 or IPv6.
struct AddressMessage {
    int index = 0;
    bool deleted = false;  // RTM_DELADDR
    InterfacePrefix prefix;
};

// An RTM_NEWNEIGH / RTM_DELNEIGH message for IPv4 or IPv6: one entry of the kernel's neighbour
// (ARP, NDP) table.
struct NeighbourMessage {
    int index = 0;
    bool deleted = false;           // RTM_DELNEIGH
    bool proxy = false;             // NTF_PROXY: an entry of the proxy table, not a neighbour
    IpAddress address;              // NDA_DST
    std::uint16_t state = 0;        // NUD_* (ndm_state)
    std::optional<MacAddress> mac;  // NDA_LLADDR, when it is 6 bytes
};

// The MAC a neighbour entry in `state` (NUD_*) can be forwarded to: `mac` while the kernel holds
// one it has not given up on (REACHABLE, STALE, DELAY, PROBE) or that was set for it (PERMANENT,
// NOARP); none while it resolves (INCOMPLETE), after it failed (FAILED) or without an entry (NONE).
std::optional<MacAddress> usable_mac(std::uint16_t state, const std::optional<MacAddress>& mac);

// "REACHABLE", "STALE", ... as `ip neigh` prints them (several, space-separated); "NONE" for no
// entry (NUD_NONE).
std::string neighbour_state_name(std::uint16_t state);

// nullopt for any other message type, a truncated message, or one without the required attributes.
std::optional<LinkMessage> parse_link_message(const nlmsghdr& message);
std::optional<AddressMessage> parse_address_message(const nlmsghdr& message);
std::optional<NeighbourMessage> parse_neighbour_message(const nlmsghdr& message);

// Requests built into `buffer` (at least request_buffer_size bytes); the returned header points
// into it. RTM_GETLINK for one interface by name; RTM_GETADDR dump of one family (0: all).
inline constexpr std::size_t request_buffer_size = 256;
nlmsghdr& build_get_link_request(std::span<char> buffer, const std::string& ifname);
nlmsghdr& build_link_dump_request(std::span<char> buffer);
// RTM_GETLINK for one interface by index, in the namespace whose id (as this one numbers it) is
// `netnsid` (IFLA_TARGET_NETNSID), or in this one.
nlmsghdr& build_get_link_by_index_request(std::span<char> buffer, int index, std::optional<std::int32_t> netnsid);
nlmsghdr& build_address_dump_request(std::span<char> buffer, std::uint8_t family);

// How an added address is held (IPv6 only; ignored for removal).
struct AddressFlags {
    bool nodad = false;       // IFA_F_NODAD: no duplicate address detection
    bool deprecated = false;  // preferred lifetime 0, valid for ever (IFA_CACHEINFO): the kernel
                              // accepts traffic to it but never picks it as a source (RFC 6724 rule 3)
};

// RTM_NEWADDR (create, exclusive) or RTM_DELADDR of address/prefix_length on interface `index`,
// with NLM_F_ACK.
enum class AddressChange : std::uint8_t { add, remove };
nlmsghdr& build_address_request(std::span<char> buffer, AddressChange change, int index, const IpAddress& address,
                                std::uint8_t prefix_length, AddressFlags flags = {});

// RTM_GETNEIGH dump of one family's entries on interface `index` (NDA_IFINDEX: the kernel filters).
nlmsghdr& build_neighbour_dump_request(std::span<char> buffer, std::uint8_t family, int index);

// RTM_NEWNEIGH with NTF_USE for `address` on interface `index`, with NLM_F_ACK: what
// `ip neigh replace ADDRESS dev IF use nud none` sends, minus NLM_F_REPLACE. The kernel creates an
// absent entry (NLM_F_CREATE; no NLM_F_EXCL, so an existing one is no error) and calls
// neigh_event_send() on it: an absent or FAILED entry is resolved (INCOMPLETE, broadcast requests),
// a STALE one is re-verified (DELAY, then unicast probes), a REACHABLE, DELAY, PROBE or INCOMPLETE
// one is left as it is. The state (NUD_NONE) is ignored for an existing entry and makes a created
// one subject to garbage collection, as a learnt entry is. Never send it for a PERMANENT entry:
// neigh_add() clears NUD_PERMANENT and the static MAC is lost to a resolution (seen on 6.18).
nlmsghdr& build_neighbour_use_request(std::span<char> buffer, int index, const IpAddress& address);

// RTM_NEWROUTE (create or replace) in the local table for one IPv4 VIP, with NLM_F_ACK: either the
// kernel's own local route for an address on `lo` (locally originated traffic stays here), or a
// unicast route via `gateway` out of interface `index` (it goes to the active node instead).
struct VipLocalRoute {
    IpAddress vip;
    std::optional<IpAddress> gateway;  // unset: deliver locally
    int index = 0;                     // lo when delivering locally; the interface otherwise
};
nlmsghdr& build_vip_local_route_request(std::span<char> buffer, const VipLocalRoute& route);

}  // namespace xvip
