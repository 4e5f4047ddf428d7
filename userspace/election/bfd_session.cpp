#include "election/bfd_session.hpp"

#include <algorithm>

namespace xvip {

namespace {

using std::chrono::microseconds;

constexpr Duration slow_tx = std::chrono::seconds(1);  // RFC 5880 §6.8.3: the least, until the session is Up

std::uint32_t to_us(Duration d) {
    const auto us = std::chrono::duration_cast<microseconds>(d).count();
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, UINT32_MAX));
}

}  // namespace

std::string_view to_string(BfdReject reason) {
    switch (reason) {
        case BfdReject::wrong_discriminator: return "wrong_discriminator";
        case BfdReject::admin_down: return "admin_down";
    }
    return "unknown";
}

BfdSession::BfdSession(BfdSessionConfig config) : config_(config) {}

std::optional<BfdStateChange> BfdSession::go(BfdState to, BfdDiag diag) {
    if (to == state_) return std::nullopt;
    const BfdStateChange change{.from = state_, .to = to, .diag = diag};
    state_ = to;
    diag_ = diag;
    if (to == BfdState::down || to == BfdState::admin_down) detection_deadline_.reset();
    return change;
}

BfdSession::Received BfdSession::receive(const BfdControl& packet, TimePoint now) {
    Received result;
    if (packet.your_discriminator != 0 && packet.your_discriminator != config_.local_discriminator) {
        result.rejected = BfdReject::wrong_discriminator;
        return result;
    }
    if (state_ == BfdState::admin_down) {
        result.rejected = BfdReject::admin_down;
        return result;
    }
    remote_discriminator_ = packet.my_discriminator;
    remote_state_ = packet.state;
    remote_desired_min_tx_ = microseconds(packet.desired_min_tx_us);
    remote_required_min_rx_ = microseconds(packet.required_min_rx_us);
    remote_detect_multiplier_ = packet.detect_multiplier;
    if (packet.poll) {
        final_pending_ = true;
        result.answer_now = true;
    }

    if (packet.state == BfdState::admin_down) {
        result.change = go(BfdState::down, BfdDiag::neighbor_signaled_down);
        return result;
    }
    switch (state_) {
        case BfdState::down:
            if (packet.state == BfdState::down) {
                result.change = go(BfdState::init, BfdDiag::none);
            } else if (packet.state == BfdState::init) {
                result.change = go(BfdState::up, BfdDiag::none);
            }
            break;
        case BfdState::init:
            if (packet.state == BfdState::init || packet.state == BfdState::up) {
                result.change = go(BfdState::up, BfdDiag::none);
            }
            break;
        case BfdState::up:
            if (packet.state == BfdState::down) result.change = go(BfdState::down, BfdDiag::neighbor_signaled_down);
            break;
        case BfdState::admin_down: break;
    }
    if (state_ == BfdState::init || state_ == BfdState::up) detection_deadline_ = now + detection_time();
    return result;
}

std::optional<BfdStateChange> BfdSession::expire(TimePoint now) {
    if (!detection_deadline_ || now < *detection_deadline_) return std::nullopt;
    // RFC 5880 §6.8.1: a detection time without a packet zeroes bfd.RemoteDiscr; a restarted peer
    // has a new discriminator and would discard packets naming the old one.
    remote_discriminator_ = 0;
    remote_state_ = BfdState::down;
    return go(BfdState::down, BfdDiag::control_detection_time_expired);
}

std::optional<BfdStateChange> BfdSession::set_admin_down(bool down) {
    if (down) return go(BfdState::admin_down, BfdDiag::administratively_down);
    if (state_ != BfdState::admin_down) return std::nullopt;
    return go(BfdState::down, BfdDiag::none);
}

BfdControl BfdSession::next_packet() {
    BfdControl packet;
    packet.diag = diag_;
    packet.state = state_;
    packet.final = final_pending_;
    packet.detect_multiplier = config_.detect_multiplier;
    packet.my_discriminator = config_.local_discriminator;
    packet.your_discriminator = remote_discriminator_;
    packet.desired_min_tx_us = to_us(desired_min_tx());
    packet.required_min_rx_us = to_us(config_.required_min_rx);
    packet.required_min_echo_rx_us = 0;
    final_pending_ = false;
    return packet;
}

std::optional<Duration> BfdSession::tx_interval() const {
    if (remote_required_min_rx_ == Duration::zero()) return std::nullopt;
    return std::max(desired_min_tx(), remote_required_min_rx_);
}

Duration BfdSession::desired_min_tx() const {
    return state_ == BfdState::up ? config_.desired_min_tx
                                  : std::max({config_.desired_min_tx, config_.idle_tx, slow_tx});
}

Duration BfdSession::detection_time() const {
    return remote_detect_multiplier_ * std::max(config_.required_min_rx, remote_desired_min_tx_);
}

}  // namespace xvip
