// One BFD session in asynchronous mode (RFC 5880 §6.8), as pure logic: packets and time come in,
// state changes and the packet to send go out. No sockets or clocks; the caller sends what
// next_packet() builds every tx_interval() and calls expire() when detection_deadline() passes.
// This is the model the daemon's sessions run and the one xvip's XDP responder mirrors; demand
// mode, echo and authentication are not implemented (see codec/bfd_control.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/bfd_control.hpp"
#include "common/monotonic_clock.hpp"

namespace xvip {

struct BfdSessionConfig {
    std::uint32_t local_discriminator = 0;  // non-zero, unique among the node's sessions
    Duration desired_min_tx = std::chrono::milliseconds(300);
    Duration required_min_rx = std::chrono::milliseconds(300);
    std::uint8_t detect_multiplier = 3;
    // Desired Min TX while the session is not Up: RFC 5880 §6.8.3 asks for 1 s or more
    // (keepalived's idle_tx); less is taken as 1 s.
    Duration idle_tx = std::chrono::seconds(1);
};

// Why a decoded packet does not belong to this session (RFC 5880 §6.8.6, after the codec's checks).
enum class BfdReject : std::uint8_t {
    wrong_discriminator,  // Your Discriminator names another session
    admin_down,           // this session is administratively down: it takes nothing
};
std::string_view to_string(BfdReject reason);

struct BfdStateChange {
    BfdState from;
    BfdState to;
    BfdDiag diag;  // why, when it went down
};

class BfdSession {
public:
    explicit BfdSession(BfdSessionConfig config);

    // A packet that decoded. Returns the state change it caused (none: the state held), or why it
    // was not taken. A packet with the Poll bit makes the next packet carry Final; send it at once.
    struct Received {
        std::optional<BfdStateChange> change;
        std::optional<BfdReject> rejected;
        bool answer_now = false;  // Poll received: RFC 5880 §6.5 wants the Final without waiting
    };
    Received receive(const BfdControl& packet, TimePoint now);

    // Down, with diag 1, when nothing arrived for the detection time while Init or Up.
    std::optional<BfdStateChange> expire(TimePoint now);

    // Administrative down and back (RFC 5880 §6.8.16): down tells the peer, which goes Down too.
    std::optional<BfdStateChange> set_admin_down(bool down);

    // The next packet to send; clears a pending Final.
    BfdControl next_packet();

    // The interval between packets before jitter (RFC 5880 §6.8.7): the larger of our Desired Min
    // TX (at least 1 s until Up, §6.8.3) and the peer's Required Min RX; nullopt when the peer
    // asked for none (Required Min RX 0). The caller applies the jitter: 75-100 % of it (75-90 %
    // with a detect multiplier of 1).
    std::optional<Duration> tx_interval() const;

    // When expire() takes the session down, if nothing arrives before (only while Init or Up).
    std::optional<TimePoint> detection_deadline() const { return detection_deadline_; }
    // The detection time in force: the peer's Detect Mult times the larger of our Required Min RX
    // and its Desired Min TX (RFC 5880 §6.8.4); zero before the first packet.
    Duration detection_time() const;

    BfdState state() const { return state_; }
    BfdState remote_state() const { return remote_state_; }
    BfdDiag diag() const { return diag_; }
    std::uint32_t remote_discriminator() const { return remote_discriminator_; }
    const BfdSessionConfig& config() const { return config_; }

private:
    std::optional<BfdStateChange> go(BfdState to, BfdDiag diag);
    Duration desired_min_tx() const;  // what we ask for now: the configured rate once Up

    BfdSessionConfig config_;
    BfdState state_ = BfdState::down;
    BfdState remote_state_ = BfdState::down;
    BfdDiag diag_ = BfdDiag::none;
    std::uint32_t remote_discriminator_ = 0;
    Duration remote_desired_min_tx_{};
    Duration remote_required_min_rx_ = std::chrono::microseconds(1);  // RFC 5880 §6.8.1: 1 until heard
    std::uint8_t remote_detect_multiplier_ = 0;
    bool final_pending_ = false;
    std::optional<TimePoint> detection_deadline_;
};

}  // namespace xvip
