// BFD control packets (RFC 5880 §4.1), as carried in UDP to port 3784 for a single-hop session
// (RFC 5881): the liveness check xvip runs between its peers, in a form tcpdump decodes and a
// router's BFD speaks. Decoding never throws and never reads outside the span; a packet RFC 5880
// §6.8.6 says to discard comes back as the reason. xvip does not authenticate BFD (a packet with
// the A bit is discarded, as the RFC asks of a session without authentication), nor run demand
// mode or echo.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "codec/value_or_error.hpp"

namespace xvip {

inline constexpr std::uint16_t bfd_control_port = 3784;  // RFC 5881 §4
inline constexpr std::uint8_t bfd_ttl = 255;             // RFC 5881 §5 (GTSM)
inline constexpr std::size_t bfd_control_length = 24;    // without authentication

// RFC 5880 §4.1, the session states in their wire values.
enum class BfdState : std::uint8_t { admin_down = 0, down = 1, init = 2, up = 3 };
std::string_view to_string(BfdState state);

// RFC 5880 §4.1, the diagnostic codes xvip sends or may receive.
enum class BfdDiag : std::uint8_t {
    none = 0,
    control_detection_time_expired = 1,
    echo_failed = 2,
    neighbor_signaled_down = 3,
    forwarding_plane_reset = 4,
    path_down = 5,
    concatenated_path_down = 6,
    administratively_down = 7,
    reverse_concatenated_path_down = 8,
};

struct BfdControl {
    BfdDiag diag = BfdDiag::none;  // any 5-bit value is carried; unknown ones stay numeric
    BfdState state = BfdState::down;
    bool poll = false;
    bool final = false;
    bool control_plane_independent = false;  // C: the sender's BFD does not share fate with its control plane
    bool demand = false;
    std::uint8_t detect_multiplier = 3;
    std::uint32_t my_discriminator = 0;
    std::uint32_t your_discriminator = 0;
    std::uint32_t desired_min_tx_us = 1'000'000;  // RFC 5880 §6.8.3: 1 s until the session is up
    std::uint32_t required_min_rx_us = 0;
    std::uint32_t required_min_echo_rx_us = 0;  // 0: the sender does not take echo packets

    friend bool operator==(const BfdControl&, const BfdControl&) = default;
};

// Why a received control packet is discarded (RFC 5880 §6.8.6, in its order).
enum class BfdDiscard : std::uint8_t {
    truncated,    // fewer than 24 bytes, or fewer than its Length field says
    bad_version,  // not version 1
    bad_length,   // Length below 24 (26 with the A bit)
    zero_detect_multiplier,
    multipoint,  // the M bit, reserved
    zero_my_discriminator,
    zero_your_discriminator,  // and the state is neither Down nor AdminDown
    authentication,           // the A bit: xvip runs no authenticated session
};
std::string_view to_string(BfdDiscard reason);

using BfdDecodeResult = ValueOrError<BfdControl, BfdDiscard>;

// Decodes the UDP payload of a packet to port 3784. Bytes past the Length field are ignored (a
// link's padding).
BfdDecodeResult decode_bfd_control(std::span<const std::uint8_t> payload);

// The 24 bytes of `packet` (Length 24, version 1, no authentication). The diag is kept to 5 bits.
std::vector<std::uint8_t> encode_bfd_control(const BfdControl& packet);

}  // namespace xvip
