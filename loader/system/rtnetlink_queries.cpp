#include "system/rtnetlink_queries.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>

#include "system/system_error.hpp"

namespace xvip {

LinkMessage query_link(NetlinkSocket& socket, const std::string& ifname) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_get_link_request(buffer, ifname);
    request.nlmsg_flags |= NLM_F_ACK;
    std::optional<LinkMessage> link;
    const int error = socket.request(request, [&](const nlmsghdr& message) {
        if (auto parsed = parse_link_message(message); parsed && parsed->name == ifname) link = parsed;
    });
    if (error != 0) throw_system_error("look up interface " + ifname + " (RTM_GETLINK)", error);
    if (!link) throw_system_error("look up interface " + ifname + " (RTM_GETLINK: no answer)", ENODEV);
    return *link;
}

LinkMessage query_link(NetlinkSocket& socket, int index, std::optional<std::int32_t> netnsid) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_get_link_by_index_request(buffer, index, netnsid);
    request.nlmsg_flags |= NLM_F_ACK;
    std::optional<LinkMessage> link;
    const int error = socket.request(request, [&](const nlmsghdr& message) {
        if (auto parsed = parse_link_message(message); parsed && parsed->index == index) link = parsed;
    });
    const std::string what = "look up interface index " + std::to_string(index) +
                             (netnsid ? " in namespace id " + std::to_string(*netnsid) : std::string());
    if (error != 0) throw_system_error(what + " (RTM_GETLINK)", error);
    if (!link) throw_system_error(what + " (RTM_GETLINK: no answer)", ENODEV);
    return *link;
}

std::vector<InterfacePrefix> query_addresses(NetlinkSocket& socket, int index) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_address_dump_request(buffer, AF_UNSPEC);
    std::vector<InterfacePrefix> prefixes;
    const int error = socket.request(request, [&](const nlmsghdr& message) {
        if (auto parsed = parse_address_message(message); parsed && parsed->index == index) {
            prefixes.push_back(parsed->prefix);
        }
    });
    if (error != 0) {
        throw_system_error("list the addresses of interface index " + std::to_string(index) + " (RTM_GETADDR)", error);
    }
    return prefixes;
}

int dump_links(NetlinkSocket& socket, std::vector<LinkMessage>& links) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_link_dump_request(buffer);
    links.clear();
    return socket.request(request, [&](const nlmsghdr& message) {
        if (auto parsed = parse_link_message(message)) links.push_back(std::move(*parsed));
    });
}

int dump_ipv4_neighbours(NetlinkSocket& socket, int index, std::vector<NeighbourMessage>& neighbours) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_neighbour_dump_request(buffer, AF_INET, index);
    neighbours.clear();
    return socket.request(request, [&](const nlmsghdr& message) {
        auto parsed = parse_neighbour_message(message);
        if (parsed && parsed->index == index && parsed->address.is_v4() && !parsed->proxy) {
            neighbours.push_back(std::move(*parsed));
        }
    });
}

int use_neighbour(NetlinkSocket& socket, int index, const IpAddress& address) {
    std::array<char, request_buffer_size> buffer{};
    return socket.request(build_neighbour_use_request(buffer, index, address));
}

int change_address(NetlinkSocket& socket, AddressChange change, int index, const IpAddress& address,
                   std::uint8_t prefix_length, AddressFlags flags) {
    std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_address_request(buffer, change, index, address, prefix_length, flags);
    return socket.request(request);
}

}  // namespace xvip
