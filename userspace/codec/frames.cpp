#include "codec/frames.hpp"

#include <algorithm>
#include <span>

#include "codec/bfd_control.hpp"
#include "codec/big_endian.hpp"
#include "codec/inet_checksum.hpp"

namespace xvip {

namespace {

constexpr std::uint16_t ethertype_arp = 0x0806;
constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t arp_hardware_ethernet = 1;
constexpr std::uint16_t arp_protocol_ipv4 = 0x0800;
constexpr std::uint16_t arp_op_request = 1;
constexpr std::uint8_t ip_protocol_icmpv6 = 58;
constexpr std::uint8_t icmpv6_neighbor_advertisement = 136;
constexpr std::uint8_t nd_option_target_link_layer_address = 2;
constexpr std::uint8_t nd_hop_limit = 255;  // RFC 4861 §7.1.2: receivers drop anything else
constexpr std::uint8_t na_flag_router = 0x80;
constexpr std::uint8_t na_flag_override = 0x20;
constexpr MacAddress broadcast_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
// ff02::1 and its RFC 2464 multicast MAC.
constexpr std::array<std::uint8_t, 16> all_nodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr MacAddress all_nodes_mac = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

// Appends to a fixed-size frame; the sizes are constants, so overflow is a bug caught in tests.
class FrameWriter {
public:
    explicit FrameWriter(std::span<std::uint8_t> frame) : frame_(frame) {}
    void bytes(std::span<const std::uint8_t> data) {
        std::copy(data.begin(), data.end(), frame_.begin() + static_cast<std::ptrdiff_t>(at_));
        at_ += data.size();
    }
    void u8(std::uint8_t value) { frame_[at_++] = value; }
    void u16(std::uint16_t value) {
        big_endian::store16(frame_, at_, value);
        at_ += 2;
    }
    void zeros(std::size_t count) { at_ += count; }  // the frame starts zeroed
    std::size_t offset() const { return at_; }

private:
    std::span<std::uint8_t> frame_;
    std::size_t at_ = 0;
};

void write_ethernet_header(FrameWriter& out, const MacAddress& destination, const MacAddress& source,
                           std::uint16_t ethertype) {
    out.bytes(destination);
    out.bytes(source);
    out.u16(ethertype);
}

}  // namespace

std::optional<GratuitousArpFrame> build_gratuitous_arp(const MacAddress& interface_mac, const IpAddress& vip) {
    if (!vip.is_v4()) return std::nullopt;
    GratuitousArpFrame frame{};
    FrameWriter out(frame);
    write_ethernet_header(out, broadcast_mac, interface_mac, ethertype_arp);
    out.u16(arp_hardware_ethernet);
    out.u16(arp_protocol_ipv4);
    out.u8(static_cast<std::uint8_t>(interface_mac.size()));
    out.u8(4);
    // A request rather than a reply: every host processes a broadcast request and updates an
    // existing cache entry for the sender (RFC 5227 §3 prefers requests for announcements).
    out.u16(arp_op_request);
    out.bytes(interface_mac);
    out.bytes(vip.bytes());
    out.bytes(broadcast_mac);  // keepalived's choice; RFC 5227 would put zeros here
    out.bytes(vip.bytes());
    return frame;
}

std::optional<UnsolicitedNaFrame> build_unsolicited_na(const MacAddress& interface_mac, const IpAddress& vip,
                                                       bool router) {
    if (!vip.is_v6()) return std::nullopt;
    constexpr std::uint16_t na_size = 32;  // ICMPv6 header 4, flags 4, target 16, option 8
    UnsolicitedNaFrame frame{};
    FrameWriter out(frame);
    write_ethernet_header(out, all_nodes_mac, interface_mac, ethertype_ipv6);

    out.u8(0x60);  // version 6, traffic class and flow label zero
    out.zeros(3);
    out.u16(na_size);
    out.u8(ip_protocol_icmpv6);
    out.u8(nd_hop_limit);
    out.bytes(vip.bytes());  // keepalived sends from the VIP itself, not from a link-local address
    out.bytes(all_nodes);

    const std::size_t icmp_start = out.offset();
    out.u8(icmpv6_neighbor_advertisement);
    out.u8(0);  // code
    const std::size_t checksum_at = out.offset();
    out.u16(0);
    // Solicited stays clear (RFC 4861 §7.2.6); Override makes neighbours replace a cached MAC.
    out.u8(static_cast<std::uint8_t>(na_flag_override | (router ? na_flag_router : 0)));
    out.zeros(3);
    out.bytes(vip.bytes());
    out.u8(nd_option_target_link_layer_address);
    out.u8(1);  // option length in units of 8 bytes
    out.bytes(interface_mac);

    const auto icmp = std::span<const std::uint8_t>(frame).subspan(icmp_start);
    const auto all_nodes_address = IpAddress::v6(all_nodes);
    const std::uint16_t checksum =
        InetChecksum{}.add_pseudo_header(vip, all_nodes_address, ip_protocol_icmpv6, na_size).add(icmp).finish();
    big_endian::store16(frame, checksum_at, checksum);
    return frame;
}

std::optional<std::vector<std::uint8_t>> build_bfd_frame(const MacAddress& destination_mac,
                                                         const MacAddress& source_mac, const IpAddress& source,
                                                         const IpAddress& destination, std::uint16_t source_port,
                                                         std::span<const std::uint8_t> control) {
    if (source.is_v4() != destination.is_v4()) return std::nullopt;
    constexpr std::uint8_t ip_protocol_udp = 17;
    constexpr std::uint8_t ttl = 255;
    const bool v4 = source.is_v4();
    const auto udp_length = static_cast<std::uint16_t>(8 + control.size());
    const std::size_t ip_header = v4 ? 20 : 40;
    std::vector<std::uint8_t> frame(14 + ip_header + udp_length);
    FrameWriter out(frame);
    write_ethernet_header(out, destination_mac, source_mac, v4 ? 0x0800 : ethertype_ipv6);
    const std::size_t ip_at = out.offset();
    if (v4) {
        out.u8(0x45);
        out.u8(0xc0);  // DSCP CS6, network control, as routers send BFD
        out.u16(static_cast<std::uint16_t>(20 + udp_length));
        out.u16(0);       // identification
        out.u16(0x4000);  // DF
        out.u8(ttl);
        out.u8(ip_protocol_udp);
        out.u16(0);  // header checksum, below
        out.bytes(source.bytes());
        out.bytes(destination.bytes());
        big_endian::store16(frame, ip_at + 10, inet_checksum(std::span<const std::uint8_t>(frame).subspan(ip_at, 20)));
    } else {
        out.u8(0x6c);  // version 6, traffic class CS6 (0xc0) across the nibbles
        out.u8(0x00);
        out.u16(0);
        out.u16(udp_length);
        out.u8(ip_protocol_udp);
        out.u8(ttl);
        out.bytes(source.bytes());
        out.bytes(destination.bytes());
    }
    const std::size_t udp_at = out.offset();
    out.u16(source_port);
    out.u16(bfd_control_port);
    out.u16(udp_length);
    out.u16(0);  // checksum, below
    out.bytes(control);
    std::uint16_t sum = InetChecksum{}
                            .add_pseudo_header(source, destination, ip_protocol_udp, udp_length)
                            .add(std::span<const std::uint8_t>(frame).subspan(udp_at))
                            .finish();
    if (sum == 0) sum = 0xffff;  // RFC 768: a computed 0 is sent as all ones
    big_endian::store16(frame, udp_at + 6, sum);
    return frame;
}

}  // namespace xvip
