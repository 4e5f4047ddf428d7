// xvipd's BFD endpoint in simulated time, against a neighbour that is a BfdSession of its own
// sending every 10 ms: the session comes up, detects the neighbour's death within the detection
// time (also right after coming up, when the last deadline was set at the idle rate), keeps its
// jitter within RFC 5880 §6.8.7, drops what RFC 5881 says to, and feeds Tracking: a weight-0
// track_bfd is FAULT while down, a weighted one moves the priority, and both come back when the
// session is up again.
#include "xvipd/bfd_endpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "../daemon/daemon_test_support.hpp"
#include "codec/advert_codec.hpp"
#include "sim_timers.hpp"
#include "xvipd/tracking.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

const IpAddress neighbor = *IpAddress::parse("192.0.2.1");

BfdInstance gateway_config() {
    BfdInstance b;
    b.name = "gw";
    b.neighbor = neighbor;
    b.min_rx = 10ms;
    b.min_tx = 10ms;
    b.multiplier = 3;
    return b;
}

// The neighbour: a BfdSession that sends every 10 ms while alive and answers what the endpoint
// sends, with the sends of both sides recorded.
struct Network {
    sim::SimTimers timers;
    BfdSession peer{BfdSessionConfig{
        .local_discriminator = 0x5eed, .desired_min_tx = 10ms, .required_min_rx = 10ms, .detect_multiplier = 3}};
    bool peer_alive = true;
    std::vector<TimePoint> sent_at;  // the endpoint's packets
    std::vector<std::pair<std::string, bool>> changes;
    std::unique_ptr<BfdEndpoint> endpoint;
    int ttl = 255;
    // As FRR's bfdd: Required Min RX 1 s until Up, then a Poll sequence to the fast rate.
    bool frr_like = false;
    bool polled = false;

    explicit Network(BfdInstance config = gateway_config()) {
        endpoint = std::make_unique<BfdEndpoint>(
            BfdEndpoint::Wiring{
                .timers = timers,
                .send =
                    [this](const BfdInstance&, std::span<const std::uint8_t> packet) {
                        sent_at.push_back(timers.now());
                        const auto decoded = decode_bfd_control(packet);
                        EXPECT_TRUE(decoded.has_value());
                        if (peer_alive && decoded) peer.receive(*decoded, timers.now());
                        return true;
                    },
                .on_change = [this](const std::string& name, bool up) { changes.emplace_back(name, up); },
                .seed = 42,
            },
            std::vector<BfdInstance>{config});
    }
    void start() {
        endpoint->start();
        peer_tick();
    }
    void peer_tick() {
        if (peer_alive) {
            peer.expire(timers.now());  // the neighbour's own detection: silence from us is Down
            BfdControl control = peer.next_packet();
            if (frr_like && control.state != BfdState::up) control.required_min_rx_us = 1'000'000;
            if (frr_like && control.state == BfdState::up && !polled) control.poll = polled = true;
            endpoint->receive(neighbor, ttl, encode_bfd_control(control));
        }
        timers.schedule(timers.now() + 10ms, [this] { peer_tick(); });
    }
    nlohmann::json session() const { return endpoint->status()[0]; }
};

TEST(BfdEndpoint, ComesUpAndDetectsTheNeighboursDeathWithinTheDetectionTime) {
    Network net;
    net.start();
    net.timers.run_for(100ms);
    ASSERT_EQ(net.session()["state"], "up");
    ASSERT_EQ(net.changes, (std::vector<std::pair<std::string, bool>>{{"gw", true}}));
    net.timers.run_for(2s);
    EXPECT_EQ(net.session()["detection_time_ms"], 30.0) << "the peer's 3 x max(10 ms, 10 ms)";
    EXPECT_EQ(net.session()["remote_state"], "up");
    EXPECT_DOUBLE_EQ(net.session()["largest_gap_ms"].get<double>(), 10.0);

    const TimePoint death = net.timers.now();
    net.peer_alive = false;
    net.timers.run_for(29ms);
    EXPECT_EQ(net.session()["state"], "up") << "still within the detection time after the last packet";
    net.timers.run_for(2ms);
    EXPECT_EQ(net.session()["state"], "down");
    EXPECT_EQ(net.session()["diag"], "control_detection_time_expired");
    EXPECT_EQ(net.changes.back(), (std::pair<std::string, bool>{"gw", false}));
    EXPECT_LE(net.timers.now() - death, 31ms);
    EXPECT_EQ(net.session()["downs"], 1);

    // It comes back.
    net.peer_alive = true;
    net.timers.run_for(3s);
    EXPECT_EQ(net.session()["state"], "up");
    EXPECT_EQ(net.changes.back(), (std::pair<std::string, bool>{"gw", true}));
}

// The first packets come at the neighbour's idle rate (1 s), so the first detection deadline is
// 3 s out. Once the session is up the deadline is 30 ms: a timer left at the old deadline would
// detect a death seconds late.
TEST(BfdEndpoint, ADeathRightAfterComingUpIsDetectedAtTheFastRate) {
    Network net;
    net.start();
    // Up as soon as the peer has taken the handshake; then one more packet of the peer.
    for (int i = 0; i < 100 && net.session()["state"] != "up"; ++i) net.timers.run_for(1ms);
    ASSERT_EQ(net.session()["state"], "up");
    net.timers.run_for(10ms);
    const TimePoint death = net.timers.now();
    net.peer_alive = false;
    net.timers.run_for(100ms);
    EXPECT_EQ(net.session()["state"], "down");
    ASSERT_FALSE(net.changes.empty());
    EXPECT_EQ(net.changes.back().second, false);
    EXPECT_LE(net.timers.now() - death, 100ms);
}

// FRR's bfdd asks for packets every second until it is Up, then polls with its fast rate. The
// packet we had planned at the idle rate must not wait: bfdd would find us silent for its 30 ms
// detection time, say Down, and the session would flap every few hundred milliseconds.
TEST(BfdEndpoint, ANeighbourThatSpeedsUpIsServedAtOnce) {
    Network net;
    net.frr_like = true;
    net.start();
    net.timers.run_for(3s);
    EXPECT_EQ(net.session()["state"], "up");
    EXPECT_EQ(net.peer.state(), BfdState::up);
    EXPECT_EQ(net.session()["ups"], 1) << "no flap";
    EXPECT_EQ(net.session()["downs"], 0);
    EXPECT_GE(net.peer.detection_time(), 30ms);
}

// RFC 5880 §6.8.7: each interval is 75-100 % of the negotiated one (10 ms here), never less.
TEST(BfdEndpoint, JittersEachIntervalWithinThreeQuartersAndTheWhole) {
    Network net;
    net.start();
    net.timers.run_for(1s);
    ASSERT_EQ(net.session()["state"], "up");
    const std::size_t from = net.sent_at.size();
    net.timers.run_for(2s);
    Duration shortest = 1h, longest{0};
    for (std::size_t i = from + 1; i < net.sent_at.size(); ++i) {
        shortest = std::min(shortest, net.sent_at[i] - net.sent_at[i - 1]);
        longest = std::max(longest, net.sent_at[i] - net.sent_at[i - 1]);
    }
    EXPECT_GE(shortest, 7500us);
    EXPECT_LE(longest, 10ms);
    EXPECT_LT(shortest, 8ms) << "the jitter is spread, not fixed";
    EXPECT_GT(longest, 9500us);
}

// RFC 5881 §5: a packet that crossed a router (TTL below 255) is not the neighbour's.
TEST(BfdEndpoint, APacketWithoutTtl255IsDropped) {
    Network net;
    net.ttl = 254;
    net.start();
    net.timers.run_for(3s);
    EXPECT_EQ(net.session()["state"], "down");
    EXPECT_EQ(net.session()["packets_received"], 0);
    EXPECT_GT(net.endpoint->drops()[static_cast<std::size_t>(BfdDrop::ttl)], 200u);
}

TEST(BfdEndpoint, APassiveSessionWaitsForTheNeighbour) {
    BfdInstance config = gateway_config();
    config.passive = true;
    Network net(config);
    net.peer_alive = false;
    net.start();
    net.timers.run_for(5s);
    EXPECT_TRUE(net.sent_at.empty());
    net.peer_alive = true;
    net.timers.run_for(1s);
    EXPECT_FALSE(net.sent_at.empty());
    EXPECT_EQ(net.session()["state"], "up");
}

// A session that never comes up has a verdict after its first detection time at the idle rate.
TEST(BfdEndpoint, ASessionThatNeverComesUpIsReportedDownOnce) {
    Network net;
    net.peer_alive = false;
    net.start();
    net.timers.run_for(2999ms);
    EXPECT_TRUE(net.changes.empty()) << "3 x the 1 s idle rate not yet over";
    EXPECT_TRUE(net.endpoint->states().empty());
    net.timers.run_for(2ms);
    EXPECT_EQ(net.changes, (std::vector<std::pair<std::string, bool>>{{"gw", false}}));
    EXPECT_EQ(net.endpoint->states(), (std::map<std::string, bool>{{"gw", false}}));
}

// A reload with the same session keeps it up; a changed one starts again.
TEST(BfdEndpoint, AReloadKeepsAnUnchangedSessionUp) {
    Network net;
    net.start();
    net.timers.run_for(1s);
    ASSERT_EQ(net.session()["state"], "up");
    BfdInstance same = gateway_config();
    same.weight = -20;  // the tracker's business, not the session's
    net.endpoint->reconfigure({same});
    EXPECT_EQ(net.session()["state"], "up");
    BfdInstance changed = gateway_config();
    changed.min_rx = 20ms;
    net.endpoint->reconfigure({changed});
    EXPECT_EQ(net.session()["state"], "down");
    net.endpoint->reconfigure({});
    EXPECT_TRUE(net.endpoint->status().empty());
    net.timers.run_for(1s);  // nothing of the removed session runs
}

// Tracking: the instance runs on simulated time, the link monitor on a loop that is never run.
struct TrackedNetwork {
    test::TempDir dir;
    EventLoop loop;
    ChildProcesses children{loop, 50ms};
    Network net;
    Config config;
    StateWord word;
    std::unique_ptr<VrrpInstance> instance;
    std::unique_ptr<Tracking> tracking;

    explicit TrackedNetwork(std::optional<int> weight) {
        config.bfds.push_back(gateway_config());
        Instance c;
        c.name = "vi_52";
        c.interface = "lo";
        c.vrid = 52;
        c.priority = 150;
        c.advert_interval = 1000ms;
        c.vips.push_back(VirtualAddress{.address = *IpAddress::parse("10.0.0.100")});
        c.garp.second_burst_delay = 0ms;
        c.tracked_bfds.push_back(BfdReference{.name = "gw", .weight = weight, .weight_reversed = false, .where = {}});
        config.instances.push_back(c);
        instance =
            std::make_unique<VrrpInstance>(c, VrrpInstance::Wiring{
                                                  .timers = net.timers,
                                                  .write_state = [this](StateWord w) { word = w; },
                                                  .read_state = [this] { return word; },
                                                  .mac = MacAddress{0x02, 0, 0, 0, 0, 1},
                                                  .source = *IpAddress::parse("10.0.0.1"),
                                                  .send_advert = [](std::span<const std::uint8_t>, const IpAddress&,
                                                                    const IpAddress&) -> SendResult { return {}; },
                                                  .send_frame = [](std::span<const std::uint8_t>) { return true; },
                                                  .drain_socket = [] {},
                                                  .on_transition = nullptr,
                                                  .route_local_traffic = nullptr,
                                              });
        instance->start(false);
        tracking = std::make_unique<Tracking>(loop, children, config, PreparedScripts{},
                                              std::vector<TrackedInstance>{{instance.get(), false}});
        net.endpoint = std::make_unique<BfdEndpoint>(
            BfdEndpoint::Wiring{
                .timers = net.timers,
                .send =
                    [this](const BfdInstance&, std::span<const std::uint8_t> packet) {
                        const auto decoded = decode_bfd_control(packet);
                        if (net.peer_alive && decoded) net.peer.receive(*decoded, net.timers.now());
                        return true;
                    },
                .on_change = [this](const std::string& name, bool up) { tracking->bfd_changed(name, up); },
                .seed = 7,
            },
            config.bfds);
        tracking->start();
    }
};

TEST(BfdTracking, AWeightZeroSessionDownIsFaultAndUpAgainIsBack) {
    TrackedNetwork t(std::nullopt);  // the bfd_instance's weight: 0
    EXPECT_EQ(t.instance->state(), State::fault) << "waiting for the session's first verdict";
    t.net.start();
    t.net.timers.run_for(100ms);
    ASSERT_NE(t.instance->state(), State::fault) << "the session is up";
    t.net.timers.run_for(5s);
    EXPECT_EQ(t.instance->state(), State::master);

    t.net.peer_alive = false;
    t.net.timers.run_for(31ms);
    EXPECT_EQ(t.instance->state(), State::fault) << "within the 30 ms detection time";

    t.net.peer_alive = true;
    t.net.timers.run_for(3s);
    EXPECT_NE(t.instance->state(), State::fault);
    t.net.timers.run_for(5s);
    EXPECT_EQ(t.instance->state(), State::master);
}

TEST(BfdTracking, AWeightedSessionMovesThePriority) {
    TrackedNetwork t(-50);
    t.net.start();
    t.net.timers.run_for(100ms);
    EXPECT_EQ(t.instance->priority(), 150);
    t.net.peer_alive = false;
    t.net.timers.run_for(31ms);
    EXPECT_EQ(t.instance->priority(), 100);
    EXPECT_NE(t.instance->state(), State::fault);
    t.net.peer_alive = true;
    t.net.timers.run_for(3s);
    EXPECT_EQ(t.instance->priority(), 150);
}

}  // namespace
}  // namespace xvip
