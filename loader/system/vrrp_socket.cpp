#include "system/vrrp_socket.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "codec/ipv4_vrrp_packet.hpp"
#include "system/ipv4_vrrp_header.hpp"
#include "system/system_error.hpp"

namespace xvip {

namespace {

// The largest IP packet; an IPv6 advert of 255 addresses is 4 KiB, so nothing real is cut short.
constexpr std::size_t receive_buffer_size = 65535;
constexpr int vrrp_traffic_class = 0xc0;  // network control, as the IPv4 TOS
constexpr int vrrp_hop_limit = vrrp_ttl;

template <typename Value>
void set_option(int fd, int level, int name, const Value& value, const std::string& what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0) throw_errno(what);
}

in6_addr to_in6(const IpAddress& address) {
    in6_addr out{};
    std::ranges::copy(address.bytes(), out.s6_addr);
    return out;
}

in_addr to_in4(const IpAddress& address) {
    in_addr out{};
    std::memcpy(&out.s_addr, address.bytes().data(), 4);
    return out;
}

// Link-local and link-scoped multicast destinations need the interface as scope; others ignore it.
bool needs_scope(const IpAddress& address) {
    const auto bytes = address.bytes();
    return address.is_link_local() || (address.is_multicast() && (bytes[1] & 0x0f) <= 2);
}

}  // namespace

IpAddress VrrpSocket::multicast_group(AddressFamily family) {
    if (family == AddressFamily::ipv4) return IpAddress::v4({224, 0, 0, 18});
    return IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
}

std::string VrrpSocket::describe(const std::string& step) const {
    return step + " on the " + std::string(to_string(options_.family)) + " VRRP socket of " + options_.ifname;
}

VrrpSocket::VrrpSocket(const VrrpSocketOptions& options) : options_(options), buffer_(receive_buffer_size) {
    ifindex_ = static_cast<int>(if_nametoindex(options_.ifname.c_str()));
    if (ifindex_ == 0) throw_errno("look up interface " + options_.ifname + " for a VRRP socket");
    const int domain = options_.family == AddressFamily::ipv4 ? AF_INET : AF_INET6;
    fd_.reset(socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, ip_protocol_vrrp));
    if (!fd_) throw_errno(describe("open a raw IP protocol 112 socket"));
    if (setsockopt(fd_.get(), SOL_SOCKET, SO_BINDTODEVICE, options_.ifname.c_str(),
                   static_cast<socklen_t>(options_.ifname.size())) != 0) {
        throw_errno(describe("bind to the device (SO_BINDTODEVICE)"));
    }
    if (options_.family == AddressFamily::ipv4) {
        set_up_ipv4();
    } else {
        set_up_ipv6();
    }
}

void VrrpSocket::set_up_ipv4() {
    const int fd = fd_.get();
    set_option(fd, IPPROTO_IP, IP_HDRINCL, 1, describe("set IP_HDRINCL"));
    // Multicast then reaches only a socket that joined the group, not a unicast one on the same link.
    set_option(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, describe("clear IP_MULTICAST_ALL"));
    if (options_.transport != VrrpTransport::multicast) return;
    const ip_mreqn membership{
        .imr_multiaddr = to_in4(multicast_group(AddressFamily::ipv4)), .imr_address = {}, .imr_ifindex = ifindex_};
    set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, membership, describe("join 224.0.0.18"));
    // Our own adverts must not come back to us as if a peer had sent them.
    set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, describe("clear IP_MULTICAST_LOOP"));
    const ip_mreqn outgoing{.imr_multiaddr = {}, .imr_address = {}, .imr_ifindex = ifindex_};
    set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, outgoing, describe("set IP_MULTICAST_IF"));
}

void VrrpSocket::set_up_ipv6() {
    const int fd = fd_.get();
    set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, describe("set IPV6_RECVPKTINFO"));
    set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, describe("set IPV6_RECVHOPLIMIT"));
    set_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, vrrp_hop_limit, describe("set IPV6_UNICAST_HOPS"));
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, vrrp_hop_limit, describe("set IPV6_MULTICAST_HOPS"));
    set_option(fd, IPPROTO_IPV6, IPV6_TCLASS, vrrp_traffic_class, describe("set IPV6_TCLASS"));
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0, describe("clear IPV6_MULTICAST_ALL"));
    if (options_.transport != VrrpTransport::multicast) return;
    const ipv6_mreq membership{.ipv6mr_multiaddr = to_in6(multicast_group(AddressFamily::ipv6)),
                               .ipv6mr_interface = static_cast<unsigned>(ifindex_)};
    set_option(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, membership, describe("join ff02::12"));
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, describe("clear IPV6_MULTICAST_LOOP"));
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex_, describe("set IPV6_MULTICAST_IF"));
}

SendResult VrrpSocket::send(std::span<const std::uint8_t> vrrp_message, const IpAddress& source,
                            const IpAddress& destination, std::uint8_t ttl) {
    if (source.family() != options_.family || destination.family() != options_.family) {
        return {EAFNOSUPPORT};
    }
    return options_.family == AddressFamily::ipv4 ? send_ipv4(vrrp_message, source, destination, ttl)
                                                  : send_ipv6(vrrp_message, source, destination, ttl);
}

SendResult VrrpSocket::send_ipv4(std::span<const std::uint8_t> message, const IpAddress& source,
                                 const IpAddress& destination, std::uint8_t ttl) {
    auto header = build_vrrp_ipv4_header(source, destination, message.size(), next_identification_, ttl);
    if (!header) return {EMSGSIZE};
    ++next_identification_;
    std::array<iovec, 2> parts{
        {{header->data(), header->size()}, {const_cast<std::uint8_t*>(message.data()), message.size()}}};
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr = to_in4(destination);
    msghdr packet{};
    packet.msg_name = &to;
    packet.msg_namelen = sizeof to;
    packet.msg_iov = parts.data();
    packet.msg_iovlen = parts.size();
    const ssize_t sent = sendmsg(fd_.get(), &packet, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) return {errno};
    if (static_cast<std::size_t>(sent) != header->size() + message.size()) return {EMSGSIZE};
    return {};
}

SendResult VrrpSocket::send_ipv6(std::span<const std::uint8_t> message, const IpAddress& source,
                                 const IpAddress& destination, std::uint8_t ttl) {
    iovec part{const_cast<std::uint8_t*>(message.data()), message.size()};
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_addr = to_in6(destination);
    if (needs_scope(destination)) to.sin6_scope_id = static_cast<std::uint32_t>(ifindex_);
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int))> control{};
    msghdr packet{};
    packet.msg_name = &to;
    packet.msg_namelen = sizeof to;
    packet.msg_iov = &part;
    packet.msg_iovlen = 1;
    packet.msg_control = control.data();
    packet.msg_controllen = control.size();
    cmsghdr* info = CMSG_FIRSTHDR(&packet);
    info->cmsg_level = IPPROTO_IPV6;
    info->cmsg_type = IPV6_PKTINFO;
    info->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    const in6_pktinfo pktinfo{.ipi6_addr = to_in6(source), .ipi6_ifindex = static_cast<unsigned>(ifindex_)};
    std::memcpy(CMSG_DATA(info), &pktinfo, sizeof pktinfo);
    // Per packet, for unicast and multicast alike (it overrides IPV6_UNICAST_HOPS and
    // IPV6_MULTICAST_HOPS), as keepalived sends unicast_ttl (vrrp.c, vrrp_build_ancillary_data).
    cmsghdr* hops = CMSG_NXTHDR(&packet, info);
    if (hops == nullptr) return {EMSGSIZE};
    hops->cmsg_level = IPPROTO_IPV6;
    hops->cmsg_type = IPV6_HOPLIMIT;
    hops->cmsg_len = CMSG_LEN(sizeof(int));
    const int hop_limit = ttl;
    std::memcpy(CMSG_DATA(hops), &hop_limit, sizeof hop_limit);
    const ssize_t sent = sendmsg(fd_.get(), &packet, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) return {errno};
    if (static_cast<std::size_t>(sent) != message.size()) return {EMSGSIZE};
    return {};
}

ReceiveResult VrrpSocket::receive() {
    return options_.family == AddressFamily::ipv4 ? receive_ipv4() : receive_ipv6();
}

namespace {

ReceiveResult failure(int error_number) {
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) {
        return {.outcome = ReceiveOutcome::nothing_pending};
    }
    return {.outcome = ReceiveOutcome::failed, .error_number = error_number};
}

ReceiveResult discarded(DiscardReason reason) {
    return {.outcome = ReceiveOutcome::discarded, .discard_reason = reason};
}

}  // namespace

ReceiveResult VrrpSocket::receive_ipv4() {
    iovec part{buffer_.data(), buffer_.size()};
    msghdr packet{};
    packet.msg_iov = &part;
    packet.msg_iovlen = 1;
    ssize_t n = 0;
    do {
        n = recvmsg(fd_.get(), &packet, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return failure(errno);
    if ((packet.msg_flags & MSG_TRUNC) != 0) return discarded(DiscardReason::bad_address_count);
    const auto parsed = parse_ipv4_vrrp_packet(std::span(buffer_.data(), static_cast<std::size_t>(n)));
    if (!parsed) return discarded(parsed.error());
    return {
        .outcome = ReceiveOutcome::packet,
        .packet = {
            .envelope = {.family = AddressFamily::ipv4, .source = parsed->source, .destination = parsed->destination},
            .ttl = parsed->ttl,
            .message = parsed->payload}};
}

ReceiveResult VrrpSocket::receive_ipv6() {
    iovec part{buffer_.data(), buffer_.size()};
    sockaddr_in6 from{};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int))> control{};
    msghdr packet{};
    packet.msg_name = &from;
    packet.msg_namelen = sizeof from;
    packet.msg_iov = &part;
    packet.msg_iovlen = 1;
    packet.msg_control = control.data();
    packet.msg_controllen = control.size();
    ssize_t n = 0;
    do {
        n = recvmsg(fd_.get(), &packet, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return failure(errno);
    if ((packet.msg_flags & MSG_TRUNC) != 0) return discarded(DiscardReason::bad_address_count);
    if (packet.msg_namelen < sizeof from || from.sin6_family != AF_INET6) {
        return discarded(DiscardReason::bad_ip_header);
    }
    std::optional<IpAddress> destination;
    std::uint8_t hop_limit = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&packet); c != nullptr; c = CMSG_NXTHDR(&packet, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            destination = IpAddress::from_bytes(info.ipi6_addr.s6_addr);
        } else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int value = 0;
            std::memcpy(&value, CMSG_DATA(c), sizeof value);
            hop_limit = static_cast<std::uint8_t>(std::clamp(value, 0, 255));
        }
    }
    // Without the destination neither the checksum nor the unicast/multicast decision can be made.
    if (!destination) return discarded(DiscardReason::bad_ip_header);
    return {.outcome = ReceiveOutcome::packet,
            .packet = {.envelope = {.family = AddressFamily::ipv6,
                                    .source = IpAddress::v6(std::to_array(from.sin6_addr.s6_addr)),
                                    .destination = *destination},
                       .ttl = hop_limit,
                       .message = std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n))}};
}

}  // namespace xvip
