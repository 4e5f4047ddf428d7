// A raw socket for IP protocol 112 on one interface and one address family: what adverts leave
// and arrive through. Multicast sockets join 224.0.0.18 / ff02::12 on the interface; unicast ones
// join nothing. Both are bound to the device, non-blocking and close-on-exec; fd() goes to the
// event loop.
//
// Sending: IPv4 goes out with our own header (IP_HDRINCL), built as keepalived builds it
// (ipv4_vrrp_header.hpp), with the source the caller gives (the interface's primary address or
// the configured unicast source). IPv6 goes out with the source and interface in IPV6_PKTINFO,
// the hop limit in IPV6_HOPLIMIT and traffic class 0xc0. The TTL / hop limit is 255 (RFC 5798
// §5.1.1.3, §5.1.2.3) unless the caller gives another: a unicast instance's unicast_ttl. The VRRP checksum is in the
// message already: the caller encodes it (encode_advert) for the same source and destination, so IPV6_CHECKSUM stays
// off.
//
// Receiving: one packet per call, with the envelope the checksum and the election need. The TTL /
// hop limit is reported, not checked: the receive filter decides (255 for multicast; for unicast,
// the peer's min_ttl..max_ttl, any by default, as keepalived).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/advert_codec.hpp"
#include "codec/discard_reason.hpp"
#include "common/ip_address.hpp"
#include "common/unique_fd.hpp"
#include "system/send_result.hpp"

namespace xvip {

enum class VrrpTransport : std::uint8_t { multicast, unicast };

struct VrrpSocketOptions {
    std::string ifname;
    AddressFamily family = AddressFamily::ipv4;
    VrrpTransport transport = VrrpTransport::multicast;
};

// A packet as received. `message` points into the socket's buffer: valid until the next receive().
struct ReceivedVrrpPacket {
    IpEnvelope envelope;
    std::uint8_t ttl = 0;  // IPv4 TTL or IPv6 hop limit (0 if the kernel did not say)
    std::span<const std::uint8_t> message;
};

enum class ReceiveOutcome : std::uint8_t {
    packet,           // `packet` is set
    discarded,        // a packet arrived but is not a VRRP message; `discard_reason` says why
    nothing_pending,  // the socket is drained (EAGAIN)
    failed,           // recvmsg failed; `error_number` says how
};

struct ReceiveResult {
    ReceiveOutcome outcome = ReceiveOutcome::nothing_pending;
    ReceivedVrrpPacket packet;
    DiscardReason discard_reason = DiscardReason::truncated;
    int error_number = 0;
};

class VrrpSocket {
public:
    // 224.0.0.18 or ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2).
    static IpAddress multicast_group(AddressFamily family);

    // Throws std::system_error naming the interface and the step (ENODEV: no such interface).
    explicit VrrpSocket(const VrrpSocketOptions& options);

    int fd() const { return fd_.get(); }
    const VrrpSocketOptions& options() const { return options_; }
    int ifindex() const { return ifindex_; }

    // Sends one VRRP message from `source` to `destination` (both of the socket's family), with
    // TTL (IPv6: hop limit) `ttl`.
    SendResult send(std::span<const std::uint8_t> vrrp_message, const IpAddress& source, const IpAddress& destination,
                    std::uint8_t ttl = vrrp_ttl);

    // Takes one packet off the socket. Never throws; never blocks.
    ReceiveResult receive();

private:
    void set_up_ipv4();
    void set_up_ipv6();
    SendResult send_ipv4(std::span<const std::uint8_t> message, const IpAddress& source, const IpAddress& destination,
                         std::uint8_t ttl);
    SendResult send_ipv6(std::span<const std::uint8_t> message, const IpAddress& source, const IpAddress& destination,
                         std::uint8_t ttl);
    ReceiveResult receive_ipv4();
    ReceiveResult receive_ipv6();
    std::string describe(const std::string& step) const;

    VrrpSocketOptions options_;
    int ifindex_ = 0;
    UniqueFd fd_;
    std::uint16_t next_identification_ = 1;  // IPv4 header id, per packet as keepalived counts
    std::vector<std::uint8_t> buffer_;
};

}  // namespace xvip
