// A BFD session's state machine (RFC 5880 §6.8): two sessions wired back to back come up through
// the three-way handshake, detect silence in their detection time, follow the peer down, answer a
// poll at once, and refuse packets for another session.
#include "election/bfd_session.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = from_ns(1'000'000'000);

BfdSessionConfig fast(std::uint32_t discriminator) {
    return {
        .local_discriminator = discriminator, .desired_min_tx = 10ms, .required_min_rx = 10ms, .detect_multiplier = 3};
}

// Each side's packet, as it travels, delivered to the other.
BfdSession::Received deliver(BfdSession& from, BfdSession& to, TimePoint now) {
    return to.receive(from.next_packet(), now);
}

TEST(BfdSession, ComesUpThroughTheThreeWayHandshake) {
    BfdSession a(fast(1)), b(fast(2));
    EXPECT_EQ(a.state(), BfdState::down);

    auto r = deliver(a, b, t0);  // a: Down, your 0
    ASSERT_TRUE(r.change);
    EXPECT_EQ(r.change->to, BfdState::init);
    EXPECT_EQ(b.remote_discriminator(), 1u);

    r = deliver(b, a, t0);  // b: Init
    ASSERT_TRUE(r.change);
    EXPECT_EQ(r.change->to, BfdState::up);

    r = deliver(a, b, t0);  // a: Up
    ASSERT_TRUE(r.change);
    EXPECT_EQ(r.change->from, BfdState::init);
    EXPECT_EQ(r.change->to, BfdState::up);
    EXPECT_EQ(a.state(), BfdState::up);
    EXPECT_EQ(b.state(), BfdState::up);
}

TEST(BfdSession, SendsSlowlyUntilUpThenAtTheNegotiatedRate) {
    BfdSession a(fast(1)), b(fast(2));
    EXPECT_EQ(a.tx_interval(), std::optional<Duration>(1s)) << "RFC 5880 §6.8.3: at least 1 s until Up";
    EXPECT_EQ(a.next_packet().desired_min_tx_us, 1'000'000u);
    deliver(a, b, t0);
    deliver(b, a, t0);
    deliver(a, b, t0);
    EXPECT_EQ(a.tx_interval(), std::optional<Duration>(10ms));
    EXPECT_EQ(a.next_packet().desired_min_tx_us, 10'000u);

    // A peer that can take packets only every 50 ms slows us down to that.
    BfdControl slow_peer = b.next_packet();
    slow_peer.required_min_rx_us = 50'000;
    a.receive(slow_peer, t0);
    EXPECT_EQ(a.tx_interval(), std::optional<Duration>(50ms));

    // Required Min RX 0: the peer wants no packets at all (RFC 5880 §6.8.7).
    slow_peer.required_min_rx_us = 0;
    a.receive(slow_peer, t0);
    EXPECT_FALSE(a.tx_interval());
}

TEST(BfdSession, SilenceForTheDetectionTimeTakesItDown) {
    BfdSession a(fast(1)), b(fast(2));
    deliver(a, b, t0);
    deliver(b, a, t0);
    deliver(a, b, t0);
    const TimePoint last = t0 + 5ms;
    deliver(b, a, last);
    // b's Detect Mult 3 times the larger of our Required Min RX (10 ms) and b's Desired Min TX
    // (10 ms, now that b is Up).
    EXPECT_EQ(a.detection_time(), 30ms);
    ASSERT_TRUE(a.detection_deadline());
    EXPECT_EQ(*a.detection_deadline(), last + 30ms);
    EXPECT_FALSE(a.expire(last + 30ms - 1ns));
    const auto change = a.expire(last + 30ms);
    ASSERT_TRUE(change);
    EXPECT_EQ(change->to, BfdState::down);
    EXPECT_EQ(change->diag, BfdDiag::control_detection_time_expired);
    EXPECT_EQ(a.next_packet().diag, BfdDiag::control_detection_time_expired) << "the peer is told why";
    EXPECT_FALSE(a.detection_deadline());
    EXPECT_FALSE(a.expire(last + 1s)) << "down once, not again";
}

TEST(BfdSession, ASlowPeerStretchesTheDetectionTime) {
    BfdSession a(fast(1));
    BfdControl peer{
        .state = BfdState::down, .detect_multiplier = 5, .my_discriminator = 9, .desired_min_tx_us = 200'000};
    a.receive(peer, t0);
    EXPECT_EQ(a.detection_time(), 1s) << "5 x max(10 ms, 200 ms)";
    EXPECT_EQ(*a.detection_deadline(), t0 + 1s);
}

TEST(BfdSession, FollowsThePeerDownAndAdminDown) {
    BfdSession a(fast(1)), b(fast(2));
    deliver(a, b, t0);
    deliver(b, a, t0);
    deliver(a, b, t0);
    ASSERT_EQ(b.state(), BfdState::up);

    ASSERT_TRUE(a.set_admin_down(true));
    auto r = deliver(a, b, t0);
    ASSERT_TRUE(r.change);
    EXPECT_EQ(r.change->to, BfdState::down);
    EXPECT_EQ(r.change->diag, BfdDiag::neighbor_signaled_down);

    r = deliver(b, a, t0);
    EXPECT_EQ(r.rejected, std::optional<BfdReject>(BfdReject::admin_down)) << "an admin-down session takes nothing";
    ASSERT_TRUE(a.set_admin_down(false));
    EXPECT_EQ(a.state(), BfdState::down);
}

TEST(BfdSession, APacketForAnotherSessionChangesNothing) {
    BfdSession a(fast(1)), b(fast(2));
    deliver(a, b, t0);
    deliver(b, a, t0);
    BfdControl stray = b.next_packet();
    stray.your_discriminator = 77;
    stray.state = BfdState::down;
    const auto r = a.receive(stray, t0);
    EXPECT_EQ(r.rejected, std::optional<BfdReject>(BfdReject::wrong_discriminator));
    EXPECT_FALSE(r.change);
    EXPECT_EQ(a.state(), BfdState::up);
}

TEST(BfdSession, APollIsAnsweredAtOnceWithFinal) {
    BfdSession a(fast(1));
    BfdControl poll{.state = BfdState::down,
                    .poll = true,
                    .my_discriminator = 9,
                    .desired_min_tx_us = 10'000,
                    .required_min_rx_us = 10'000};
    const auto r = a.receive(poll, t0);
    EXPECT_TRUE(r.answer_now);
    EXPECT_TRUE(a.next_packet().final);
    EXPECT_FALSE(a.next_packet().final) << "one Final per Poll";
}

// RFC 5880 §6.8.1: after a detection time of silence bfd.RemoteDiscr is zero again. A peer that
// restarted (bfdd killed and started again) picks a new discriminator and discards packets that
// still name its old one (§6.8.6); ours must say "your discriminator unknown" until it speaks.
TEST(BfdSession, SilenceForgetsThePeersDiscriminator) {
    BfdSession a(fast(1)), b(fast(2));
    deliver(a, b, t0);
    deliver(b, a, t0);
    deliver(a, b, t0);
    ASSERT_EQ(a.next_packet().your_discriminator, 2u);
    ASSERT_TRUE(a.expire(t0 + 10s));
    EXPECT_EQ(a.remote_discriminator(), 0u);
    EXPECT_EQ(a.next_packet().your_discriminator, 0u);
    EXPECT_EQ(a.remote_state(), BfdState::down);

    // The restarted peer (discriminator 7) brings the session up again.
    BfdSession b2(fast(7));
    deliver(a, b2, t0 + 11s);
    deliver(b2, a, t0 + 11s);
    EXPECT_EQ(a.state(), BfdState::up);
    EXPECT_EQ(a.remote_discriminator(), 7u);
}

// keepalived's idle_tx: the rate while the session is not Up, 1 s or more (RFC 5880 §6.8.3).
TEST(BfdSession, SendsAtTheIdleRateUntilUp) {
    BfdSessionConfig config = fast(1);
    config.idle_tx = 2s;
    BfdSession a(config);
    EXPECT_EQ(a.tx_interval(), std::optional<Duration>(2s));
    EXPECT_EQ(a.next_packet().desired_min_tx_us, 2'000'000u);
}

}  // namespace
}  // namespace xvip
