// An IPv4 or IPv6 address as a value: parsed, printed, compared as an unsigned number in network
// byte order (VRRP breaks priority ties with the greater primary address, RFC 5798 §6.4.3).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xvip {

enum class AddressFamily : std::uint8_t { ipv4 = 4, ipv6 = 6 };

std::string_view to_string(AddressFamily family);

class IpAddress {
public:
    IpAddress() = default;  // 0.0.0.0

    static IpAddress v4(std::array<std::uint8_t, 4> bytes);
    static IpAddress v6(std::array<std::uint8_t, 16> bytes);
    // From network-order bytes: 4 bytes make an IPv4 address, 16 an IPv6 one, anything else nothing.
    static std::optional<IpAddress> from_bytes(std::span<const std::uint8_t> bytes);
    // Dotted quad or RFC 4291 text; no prefix length, no zone.
    static std::optional<IpAddress> parse(std::string_view text);

    AddressFamily family() const { return family_; }
    bool is_v4() const { return family_ == AddressFamily::ipv4; }
    bool is_v6() const { return family_ == AddressFamily::ipv6; }
    // The address in network byte order: 4 or 16 bytes.
    std::span<const std::uint8_t> bytes() const;

    bool is_unspecified() const;
    bool is_multicast() const;
    bool is_link_local() const;  // fe80::/10 (IPv6 only)

    std::string to_string() const;

    // Orders IPv4 before IPv6, then by the address as an unsigned big-endian number.
    friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b);
    friend bool operator==(const IpAddress& a, const IpAddress& b) = default;

private:
    AddressFamily family_ = AddressFamily::ipv4;
    std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first four
};

}  // namespace xvip
