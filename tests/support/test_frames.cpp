#include "test_frames.hpp"

#include <cstdio>
#include <cstdlib>

namespace xvip::test {

namespace {

void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}

void put(Bytes& b, std::span<const std::uint8_t> bytes) {
    b.insert(b.end(), bytes.begin(), bytes.end());
}

}  // namespace

IpAddress ip(const char* text) {
    auto a = IpAddress::parse(text);
    if (!a) {
        std::fprintf(stderr, "test bug: '%s' is not an address\n", text);
        std::abort();
    }
    return *a;
}

std::uint16_t reference_checksum(const Bytes& bytes) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        std::uint32_t word = static_cast<std::uint32_t>(bytes[i]) << 8;
        if (i + 1 < bytes.size()) word |= bytes[i + 1];
        sum += word;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::string hex(const Bytes& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += (i % 16 == 0) ? '\n' : ' ';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

Bytes ethernet(const Mac& dst, const Mac& src, std::uint16_t ethertype, const Bytes& payload) {
    Bytes b;
    put(b, dst);
    put(b, src);
    put16(b, ethertype);
    put(b, payload);
    return b;
}

Bytes arp(const ArpFields& f) {
    Bytes b;
    put16(b, f.hrd);
    put16(b, f.pro);
    b.push_back(f.hln);
    b.push_back(f.pln);
    put16(b, f.op);
    put(b, f.sha);
    put(b, f.spa.bytes());
    put(b, f.tha);
    put(b, f.tpa.bytes());
    return b;
}

Bytes udp(std::uint16_t source, std::uint16_t dest, const Bytes& payload, std::int32_t length_change) {
    const auto length = static_cast<std::uint16_t>(8 + static_cast<std::int64_t>(payload.size()) + length_change);
    Bytes b;
    b.reserve(8 + payload.size());
    for (const std::uint16_t field : {source, dest, length, std::uint16_t{0}}) {  // the last: no checksum
        b.push_back(static_cast<std::uint8_t>(field >> 8));
        b.push_back(static_cast<std::uint8_t>(field));
    }
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

Bytes ipv4(const Ipv4Fields& f, const Bytes& payload) {
    Bytes b;
    const auto header_len = static_cast<std::uint8_t>(20 + f.options.size());
    b.push_back(static_cast<std::uint8_t>(0x40 | header_len / 4));
    b.push_back(0);
    put16(b, static_cast<std::uint16_t>(header_len + payload.size()));
    put16(b, 0x1234);
    put16(b, f.frag);
    b.push_back(f.ttl);
    b.push_back(f.protocol);
    put16(b, 0);
    put(b, f.src.bytes());
    put(b, f.dst.bytes());
    put(b, f.options);
    const std::uint16_t sum = reference_checksum(b);
    b[10] = static_cast<std::uint8_t>(sum >> 8);
    b[11] = static_cast<std::uint8_t>(sum);
    put(b, payload);
    return b;
}

Bytes ipv6(const IpAddress& src, const IpAddress& dst, std::uint8_t next_header, std::uint8_t hop_limit,
           const Bytes& payload) {
    Bytes b;
    put32(b, 0x60000000);
    put16(b, static_cast<std::uint16_t>(payload.size()));
    b.push_back(next_header);
    b.push_back(hop_limit);
    put(b, src.bytes());
    put(b, dst.bytes());
    put(b, payload);
    return b;
}

Bytes icmpv6(const IpAddress& src, const IpAddress& dst, std::uint8_t type, std::uint8_t code, const Bytes& body) {
    Bytes message{type, code, 0, 0};
    put(message, body);
    Bytes pseudo;
    put(pseudo, src.bytes());
    put(pseudo, dst.bytes());
    put32(pseudo, static_cast<std::uint32_t>(message.size()));
    put32(pseudo, 58);
    put(pseudo, message);
    const std::uint16_t sum = reference_checksum(pseudo);
    message[2] = static_cast<std::uint8_t>(sum >> 8);
    message[3] = static_cast<std::uint8_t>(sum);
    return message;
}

Bytes nd_body(std::uint32_t flags, const IpAddress& target, const Bytes& options) {
    Bytes b;
    put32(b, flags);
    put(b, target.bytes());
    put(b, options);
    return b;
}

Bytes lladdr_option(std::uint8_t type, const Mac& mac) {
    Bytes b{type, 1};
    put(b, mac);
    return b;
}

IpAddress solicited_node(const IpAddress& target) {
    std::array<std::uint8_t, 16> a{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    const auto t = target.bytes();
    a[13] = t[13];
    a[14] = t[14];
    a[15] = t[15];
    return IpAddress::v6(a);
}

Mac ipv6_multicast_mac(const IpAddress& group) {
    const auto g = group.bytes();
    return {0x33, 0x33, g[12], g[13], g[14], g[15]};
}

}  // namespace xvip::test
