#include "system/bfd_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

#include "codec/bfd_control.hpp"
#include "system/system_error.hpp"

namespace xvip {

namespace {

constexpr std::uint16_t first_source_port = 49152;  // RFC 5881 §4
constexpr std::uint32_t source_ports = 65536 - first_source_port;

sockaddr_in endpoint(const std::optional<IpAddress>& address, std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (address) std::memcpy(&sa.sin_addr, address->bytes().data(), 4);
    return sa;
}

}  // namespace

BfdSocket::BfdSocket() : rx_(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    if (!rx_) throw_errno("BFD: socket");
    const int on = 1;
    if (::setsockopt(rx_.get(), IPPROTO_IP, IP_RECVTTL, &on, sizeof on) != 0) throw_errno("BFD: IP_RECVTTL");
    const sockaddr_in any = endpoint(std::nullopt, bfd_control_port);
    if (::bind(rx_.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
        throw_errno("BFD: bind UDP port 3784 (is another BFD daemon running?)");
    }
    next_port_ = std::random_device{}() % source_ports;
}

void BfdSocket::drain(const Receiver& receive) {
    for (;;) {
        std::array<std::uint8_t, 512> payload{};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int)) * 2> control{};
        sockaddr_in from{};
        iovec iov{payload.data(), payload.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        const ssize_t n = ::recvmsg(rx_.get(), &msg, MSG_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                spdlog::debug("BFD: recvmsg: {}", std::strerror(errno));
            }
            if (errno == EINTR) continue;
            return;
        }
        int ttl = -1;  // none reported: taken as not 255
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
        }
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &from.sin_addr, 4);
        receive(IpAddress::v4(bytes), ttl, std::span<const std::uint8_t>(payload.data(), static_cast<std::size_t>(n)));
    }
}

std::optional<UniqueFd> BfdSocket::open_sender(const std::string& name, const std::optional<IpAddress>& source) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return std::nullopt;
    const int ttl = bfd_ttl;
    if (::setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0) return std::nullopt;
    // A free port in 49152-65535, tried from where the last session left off.
    for (std::uint32_t tries = 0; tries < source_ports; ++tries) {
        const auto port = static_cast<std::uint16_t>(first_source_port + next_port_++ % source_ports);
        const sockaddr_in local = endpoint(source, port);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0) {
            spdlog::debug("BFD session {}: sending from port {}", name, port);
            return fd;
        }
        if (errno != EADDRINUSE) {
            spdlog::warn("BFD session {}: cannot bind {}:{}: {}", name, source ? source->to_string() : "0.0.0.0", port,
                         std::strerror(errno));
            return std::nullopt;
        }
    }
    return std::nullopt;
}

bool BfdSocket::send(const std::string& name, const std::optional<IpAddress>& source, const IpAddress& neighbor,
                     std::span<const std::uint8_t> packet) {
    auto found = senders_.find(name);
    if (found == senders_.end() || found->second.source != source) {
        auto fd = open_sender(name, source);
        if (!fd) return false;
        found = senders_.insert_or_assign(name, Sender{std::move(*fd), source}).first;
    }
    const sockaddr_in to = endpoint(neighbor, bfd_control_port);
    const ssize_t n = ::sendto(found->second.fd.get(), packet.data(), packet.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    return n == static_cast<ssize_t>(packet.size());
}

void BfdSocket::forget_except(const std::function<bool(const std::string& name)>& keep) {
    std::erase_if(senders_, [&](const auto& entry) { return !keep(entry.first); });
}

}  // namespace xvip
