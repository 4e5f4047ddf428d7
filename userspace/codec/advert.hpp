// A VRRP advertisement as the election sees it, independent of the wire version.
// The codec (advert_codec.hpp) turns it into bytes and back.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/ip_address.hpp"

namespace xvip {

enum class VrrpVersion : std::uint8_t { v2 = 2, v3 = 3 };

// RFC 3768 §5.3.6 (v2 only). keepalived still sends simple-password auth when configured.
enum class AuthType : std::uint8_t { none = 0, simple_password = 1, ip_ah = 2 };

struct Advert {
    VrrpVersion version = VrrpVersion::v3;
    std::uint8_t vrid = 0;
    std::uint8_t priority = 0;
    // Advertisement interval in centiseconds. v3 carries it as 12 bits (1..4095); v2 carries whole
    // seconds in 8 bits, so a v2 advert has a multiple of 100 here.
    std::uint16_t interval_cs = 100;
    std::vector<IpAddress> addresses;
    // v2 only; ignored for v3.
    AuthType auth_type = AuthType::none;
    std::array<std::uint8_t, 8> auth_data{};

    friend bool operator==(const Advert&, const Advert&) = default;
};

}  // namespace xvip
