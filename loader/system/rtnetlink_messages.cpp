#include "system/rtnetlink_messages.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <utility>

namespace xvip {

namespace {

// libmnl's walkers take a mutable header; parsing never writes through it.
nlmsghdr* mutable_header(const nlmsghdr& message) {
    return const_cast<nlmsghdr*>(&message);
}

template <typename Fixed>
bool holds(const nlmsghdr& message) {
    return message.nlmsg_len >= mnl_nlmsg_size(sizeof(Fixed));
}

template <typename Visit>
void for_each_attribute(const nlmsghdr& message, std::size_t fixed_size, Visit&& visit) {
    // mnl_attr_for_each, spelled out: the macro's void* conversions are not C++.
    nlmsghdr* header = mutable_header(message);
    const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(header));
    for (auto* attribute = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(header, fixed_size));
         mnl_attr_ok(attribute, static_cast<int>(tail - reinterpret_cast<const char*>(attribute)));
         attribute = mnl_attr_next(attribute)) {
        visit(*attribute);
    }
}

std::span<const std::uint8_t> payload_of(const nlattr& attribute) {
    return {static_cast<const std::uint8_t*>(mnl_attr_get_payload(&attribute)), mnl_attr_get_payload_len(&attribute)};
}

// The attributes nested in `outer` (mnl_attr_for_each_nested, spelled out as above).
template <typename Visit>
void for_each_nested(const nlattr& outer, Visit&& visit) {
    const auto payload = payload_of(outer);
    const auto* end = reinterpret_cast<const char*>(payload.data() + payload.size());
    for (auto* attribute = reinterpret_cast<const nlattr*>(payload.data());
         mnl_attr_ok(attribute, static_cast<int>(end - reinterpret_cast<const char*>(attribute)));
         attribute = mnl_attr_next(attribute)) {
        visit(*attribute);
    }
}

nlmsghdr& start_request(std::span<char> buffer, std::uint16_t type, std::uint16_t flags) {
    std::fill(buffer.begin(), buffer.end(), '\0');
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = type;
    header->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    return *header;
}

// The states in which the kernel holds a MAC it forwards to (the kernel's NUD_VALID).
constexpr std::uint16_t states_with_mac = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

}  // namespace

std::optional<LinkMessage> parse_link_message(const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWLINK && message.nlmsg_type != RTM_DELLINK) return std::nullopt;
    if (!holds<ifinfomsg>(message)) return std::nullopt;
    const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(&message));
    LinkMessage link;
    link.index = info->ifi_index;
    link.deleted = message.nlmsg_type == RTM_DELLINK;
    link.up = (info->ifi_flags & IFF_UP) != 0;
    link.running = (info->ifi_flags & IFF_RUNNING) != 0;
    for_each_attribute(message, sizeof(ifinfomsg), [&](const nlattr& attribute) {
        const auto bytes = payload_of(attribute);
        switch (mnl_attr_get_type(&attribute)) {
            case IFLA_IFNAME:
                link.name.assign(reinterpret_cast<const char*>(bytes.data()),
                                 strnlen(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
                break;
            case IFLA_MTU:
                if (bytes.size() >= sizeof(std::uint32_t)) link.mtu = mnl_attr_get_u32(&attribute);
                break;
            case IFLA_ADDRESS:
                if (bytes.size() == 6) {
                    MacAddress mac{};
                    std::copy(bytes.begin(), bytes.end(), mac.begin());
                    link.mac = mac;
                }
                break;
            case IFLA_LINK:
                if (bytes.size() >= sizeof(std::uint32_t))
                    link.peer_index = static_cast<int>(mnl_attr_get_u32(&attribute));
                break;
            case IFLA_LINK_NETNSID:
                if (bytes.size() >= sizeof(std::int32_t)) {
                    link.peer_netnsid = static_cast<std::int32_t>(mnl_attr_get_u32(&attribute));
                }
                break;
            case IFLA_LINKINFO:
                for_each_nested(attribute, [&](const nlattr& nested) {
                    if (mnl_attr_get_type(&nested) != IFLA_INFO_KIND) return;
                    const auto kind = payload_of(nested);
                    link.kind.assign(reinterpret_cast<const char*>(kind.data()),
                                     strnlen(reinterpret_cast<const char*>(kind.data()), kind.size()));
                });
                break;
            case IFLA_XDP:
                for_each_nested(attribute, [&](const nlattr& nested) {
                    if (mnl_attr_get_type(&nested) == IFLA_XDP_ATTACHED && payload_of(nested).size() >= 1) {
                        link.xdp_attached = mnl_attr_get_u8(&nested) != XDP_ATTACHED_NONE;
                    }
                });
                break;
            default: break;
        }
    });
    if (link.name.empty() || link.index <= 0) return std::nullopt;
    return link;
}

std::optional<AddressMessage> parse_address_message(const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWADDR && message.nlmsg_type != RTM_DELADDR) return std::nullopt;
    if (!holds<ifaddrmsg>(message)) return std::nullopt;
    const auto* info = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&message));
    if (info->ifa_family != AF_INET && info->ifa_family != AF_INET6) return std::nullopt;
    const std::size_t address_size = info->ifa_family == AF_INET ? 4 : 16;
    std::optional<IpAddress> local;
    std::optional<IpAddress> address;
    std::uint32_t flags = info->ifa_flags;
    for_each_attribute(message, sizeof(ifaddrmsg), [&](const nlattr& attribute) {
        const auto bytes = payload_of(attribute);
        switch (mnl_attr_get_type(&attribute)) {
            case IFA_LOCAL:
                if (bytes.size() == address_size) local = IpAddress::from_bytes(bytes);
                break;
            case IFA_ADDRESS:
                if (bytes.size() == address_size) address = IpAddress::from_bytes(bytes);
                break;
            case IFA_FLAGS:  // the full 32 bits; ifa_flags holds only the low 8
                if (bytes.size() >= sizeof(std::uint32_t)) flags = mnl_attr_get_u32(&attribute);
                break;
            default: break;
        }
    });
    // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links, and the
    // only one IPv6 usually sends.
    const auto& own = local ? local : address;
    if (!own) return std::nullopt;
    const std::uint8_t max_length = info->ifa_family == AF_INET ? 32 : 128;
    if (info->ifa_prefixlen > max_length) return std::nullopt;
    return AddressMessage{
        .index = static_cast<int>(info->ifa_index),
        .deleted = message.nlmsg_type == RTM_DELADDR,
        .prefix = {.address = *own,
                   .prefix_length = info->ifa_prefixlen,
                   .secondary = (flags & IFA_F_SECONDARY) != 0,
                   .tentative = (flags & IFA_F_TENTATIVE) != 0,
                   .deprecated = (flags & IFA_F_DEPRECATED) != 0},
    };
}

std::optional<MacAddress> usable_mac(std::uint16_t state, const std::optional<MacAddress>& mac) {
    if ((state & states_with_mac) == 0) return std::nullopt;
    return mac;
}

std::string neighbour_state_name(std::uint16_t state) {
    static constexpr std::array<std::pair<std::uint16_t, const char*>, 8> names{{
        {NUD_INCOMPLETE, "INCOMPLETE"},
        {NUD_REACHABLE, "REACHABLE"},
        {NUD_STALE, "STALE"},
        {NUD_DELAY, "DELAY"},
        {NUD_PROBE, "PROBE"},
        {NUD_FAILED, "FAILED"},
        {NUD_NOARP, "NOARP"},
        {NUD_PERMANENT, "PERMANENT"},
    }};
    if (state == NUD_NONE) return "NONE";
    std::string name;
    for (const auto& [bit, text] : names) {
        if ((state & bit) == 0) continue;
        if (!name.empty()) name += ' ';
        name += text;
    }
    if (name.empty()) {
        std::array<char, 8> hex{};
        std::snprintf(hex.data(), hex.size(), "0x%x", state);
        name = hex.data();
    }
    return name;
}

std::optional<NeighbourMessage> parse_neighbour_message(const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWNEIGH && message.nlmsg_type != RTM_DELNEIGH) return std::nullopt;
    if (!holds<ndmsg>(message)) return std::nullopt;
    const auto* info = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(&message));
    if (info->ndm_family != AF_INET && info->ndm_family != AF_INET6) return std::nullopt;
    const std::size_t address_size = info->ndm_family == AF_INET ? 4 : 16;
    std::optional<IpAddress> address;
    std::optional<MacAddress> mac;
    for_each_attribute(message, sizeof(ndmsg), [&](const nlattr& attribute) {
        const auto bytes = payload_of(attribute);
        switch (mnl_attr_get_type(&attribute)) {
            case NDA_DST:
                if (bytes.size() == address_size) address = IpAddress::from_bytes(bytes);
                break;
            case NDA_LLADDR:
                if (bytes.size() == 6) {
                    MacAddress lladdr{};
                    std::copy(bytes.begin(), bytes.end(), lladdr.begin());
                    mac = lladdr;
                }
                break;
            default: break;
        }
    });
    if (!address) return std::nullopt;
    return NeighbourMessage{
        .index = info->ndm_ifindex,
        .deleted = message.nlmsg_type == RTM_DELNEIGH,
        .proxy = (info->ndm_flags & NTF_PROXY) != 0,
        .address = *address,
        .state = info->ndm_state,
        .mac = mac,
    };
}

nlmsghdr& build_get_link_request(std::span<char> buffer, const std::string& ifname) {
    nlmsghdr& header = start_request(buffer, RTM_GETLINK, 0);
    auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ifinfomsg)));
    info->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(&header, IFLA_IFNAME, ifname.c_str());
    return header;
}

nlmsghdr& build_get_link_by_index_request(std::span<char> buffer, int index, std::optional<std::int32_t> netnsid) {
    nlmsghdr& header = start_request(buffer, RTM_GETLINK, 0);
    auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ifinfomsg)));
    info->ifi_family = AF_UNSPEC;
    info->ifi_index = index;
    if (netnsid) mnl_attr_put_u32(&header, IFLA_TARGET_NETNSID, static_cast<std::uint32_t>(*netnsid));
    return header;
}

nlmsghdr& build_link_dump_request(std::span<char> buffer) {
    nlmsghdr& header = start_request(buffer, RTM_GETLINK, NLM_F_DUMP);
    auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ifinfomsg)));
    info->ifi_family = AF_UNSPEC;
    return header;
}

nlmsghdr& build_address_dump_request(std::span<char> buffer, std::uint8_t family) {
    nlmsghdr& header = start_request(buffer, RTM_GETADDR, NLM_F_DUMP);
    auto* info = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ifaddrmsg)));
    info->ifa_family = family;
    return header;
}

nlmsghdr& build_neighbour_dump_request(std::span<char> buffer, std::uint8_t family, int index) {
    nlmsghdr& header = start_request(buffer, RTM_GETNEIGH, NLM_F_DUMP);
    auto* info = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ndmsg)));
    info->ndm_family = family;
    mnl_attr_put_u32(&header, NDA_IFINDEX, static_cast<std::uint32_t>(index));
    return header;
}

nlmsghdr& build_neighbour_use_request(std::span<char> buffer, int index, const IpAddress& address) {
    nlmsghdr& header = start_request(buffer, RTM_NEWNEIGH, static_cast<std::uint16_t>(NLM_F_ACK | NLM_F_CREATE));
    auto* info = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ndmsg)));
    info->ndm_family = address.is_v4() ? AF_INET : AF_INET6;
    info->ndm_ifindex = index;
    info->ndm_state = NUD_NONE;
    info->ndm_flags = NTF_USE;
    const auto bytes = address.bytes();
    mnl_attr_put(&header, NDA_DST, bytes.size(), bytes.data());
    return header;
}

nlmsghdr& build_address_request(std::span<char> buffer, AddressChange change, int index, const IpAddress& address,
                                std::uint8_t prefix_length, AddressFlags address_flags) {
    const bool add = change == AddressChange::add;
    nlmsghdr& header = start_request(buffer, add ? RTM_NEWADDR : RTM_DELADDR,
                                     static_cast<std::uint16_t>(NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0)));
    auto* info = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(ifaddrmsg)));
    info->ifa_family = address.is_v4() ? AF_INET : AF_INET6;
    info->ifa_prefixlen = prefix_length;
    info->ifa_scope = RT_SCOPE_UNIVERSE;
    info->ifa_index = static_cast<std::uint32_t>(index);
    const std::uint32_t flags = address_flags.nodad ? IFA_F_NODAD : 0;
    info->ifa_flags = static_cast<std::uint8_t>(flags);
    const auto bytes = address.bytes();
    // As iproute2 sends it: the address as both local and "address" (no peer).
    mnl_attr_put(&header, IFA_LOCAL, bytes.size(), bytes.data());
    mnl_attr_put(&header, IFA_ADDRESS, bytes.size(), bytes.data());
    if (add) mnl_attr_put_u32(&header, IFA_FLAGS, flags);
    if (add && address_flags.deprecated) {
        constexpr std::uint32_t forever = 0xffffffff;  // the kernel's INFINITY_LIFE_TIME, iproute2's "forever"
        const ifa_cacheinfo lifetimes{.ifa_prefered = 0, .ifa_valid = forever, .cstamp = 0, .tstamp = 0};
        mnl_attr_put(&header, IFA_CACHEINFO, sizeof lifetimes, &lifetimes);
    }
    return header;
}

nlmsghdr& build_vip_local_route_request(std::span<char> buffer, const VipLocalRoute& route) {
    nlmsghdr& header =
        start_request(buffer, RTM_NEWROUTE, static_cast<std::uint16_t>(NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
    auto* info = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(&header, sizeof(rtmsg)));
    info->rtm_family = AF_INET;
    info->rtm_dst_len = 32;
    info->rtm_table = RT_TABLE_LOCAL;
    const auto vip = route.vip.bytes();
    mnl_attr_put(&header, RTA_DST, vip.size(), vip.data());
    mnl_attr_put_u32(&header, RTA_OIF, static_cast<std::uint32_t>(route.index));
    if (route.gateway) {
        info->rtm_protocol = RTPROT_STATIC;
        info->rtm_scope = RT_SCOPE_UNIVERSE;
        info->rtm_type = RTN_UNICAST;
        const auto gateway = route.gateway->bytes();
        mnl_attr_put(&header, RTA_GATEWAY, gateway.size(), gateway.data());
    } else {
        // Exactly what the kernel installs for an address: local, host scope, the VIP as source.
        info->rtm_protocol = RTPROT_KERNEL;
        info->rtm_scope = RT_SCOPE_HOST;
        info->rtm_type = RTN_LOCAL;
        mnl_attr_put(&header, RTA_PREFSRC, vip.size(), vip.data());
    }
    return header;
}

}  // namespace xvip
