// The sockets of xvipd's BFD endpoint (RFC 5881, single hop, IPv4): one receiving on UDP port 3784
// with each datagram's TTL (IP_RECVTTL; the endpoint takes only 255), and one per session sending
// from its own source port in 49152-65535 (RFC 5881 §4: one port for all of a session's packets)
// with TTL 255 (§5).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "common/ip_address.hpp"
#include "common/unique_fd.hpp"

namespace xvip {

class BfdSocket {
public:
    // Binds 0.0.0.0:3784. Throws std::system_error (another BFD daemon holds the port, say).
    BfdSocket();

    int fd() const { return rx_.get(); }

    using Receiver = std::function<void(const IpAddress& source, int ttl, std::span<const std::uint8_t> payload)>;
    // Reads every datagram queued, without blocking.
    void drain(const Receiver& receive);

    // Sends one packet of session `name` to neighbor:3784, from `source` when set. Opens the
    // session's socket on first use (and again after a failure). False when it could not be sent.
    bool send(const std::string& name, const std::optional<IpAddress>& source, const IpAddress& neighbor,
              std::span<const std::uint8_t> packet);

    // Closes the sending sockets of sessions not in `keep` (a reload removed them).
    void forget_except(const std::function<bool(const std::string& name)>& keep);

private:
    struct Sender {
        UniqueFd fd;
        std::optional<IpAddress> source;
    };
    std::optional<UniqueFd> open_sender(const std::string& name, const std::optional<IpAddress>& source);

    UniqueFd rx_;
    std::map<std::string, Sender> senders_;
    std::uint32_t next_port_ = 0;
};

}  // namespace xvip
