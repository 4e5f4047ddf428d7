#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace xvip {

std::string_view to_string(AddressFamily family) {
    return family == AddressFamily::ipv4 ? "ipv4" : "ipv6";
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) {
    IpAddress a;
    a.family_ = AddressFamily::ipv4;
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) {
    IpAddress a;
    a.family_ = AddressFamily::ipv6;
    a.bytes_ = bytes;
    return a;
}

std::optional<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> bytes) {
    IpAddress a;
    if (bytes.size() == 4) {
        a.family_ = AddressFamily::ipv4;
    } else if (bytes.size() == 16) {
        a.family_ = AddressFamily::ipv6;
    } else {
        return std::nullopt;
    }
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton wants a NUL-terminated string; the longest IPv6 text is 45 characters.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN] = {};
    std::copy(text.begin(), text.end(), buf);
    IpAddress a;
    if (inet_pton(AF_INET, buf, a.bytes_.data()) == 1) {
        a.family_ = AddressFamily::ipv4;
        return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes_.data()) == 1) {
        a.family_ = AddressFamily::ipv6;
        return a;
    }
    return std::nullopt;
}

std::span<const std::uint8_t> IpAddress::bytes() const {
    return {bytes_.data(), is_v4() ? 4u : 16u};
}

bool IpAddress::is_unspecified() const {
    auto b = bytes();
    return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

bool IpAddress::is_multicast() const {
    return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool IpAddress::is_link_local() const {
    return is_v6() && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
    return buf;
}

std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    auto x = a.bytes();
    auto y = b.bytes();
    return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
}

}  // namespace xvip
