// VrrpInstance's side of fast failover, in simulated time, with the data plane's fast-failover
// map replaced by a record: a backup sends one request every interval to the MAC the data plane
// learnt, preparing the takeover word before each; the data plane's takeover makes it master with
// the word the kernel stored accepted as its own; a revert makes it backup again.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "codec/bfd_control.hpp"
#include "sim_timers.hpp"
#include "xvipd/vrrp_instance.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

const IpAddress self = *IpAddress::parse("10.0.0.1");
const IpAddress vip = *IpAddress::parse("10.0.0.100");
const MacAddress active_mac{0x02, 0, 0, 0, 0, 0x77};

Instance config(bool fast) {
    Instance c;
    c.name = "vi_51";
    c.interface = "eth0";
    c.vrid = 51;
    c.priority = 100;
    c.vips.push_back(VirtualAddress{.address = vip});
    c.garp.repeat = 1;
    c.garp.second_burst_delay = 0ms;
    c.fast_failover = fast;
    return c;
}

struct Request {
    TimePoint at;
    MacAddress to;
    BfdControl control;
};

class FastFailoverInstance : public ::testing::Test {
protected:
    // A backup with fast failover that has asked for 5 ms; then its detector swapped in the
    // prepared word (unseen by the instance's record) and reported the takeover.
    VrrpInstance& taken_over_by_the_data_plane() {
        VrrpInstance& i = make(true);
        i.start(false);
        status.active_mac = active_mac;
        timers.run_for(5ms);
        word = prepared.back();
        i.data_plane_fast_takeover();
        return i;
    }

    VrrpInstance& make(bool fast) {
        instance_ = std::make_unique<VrrpInstance>(
            config(fast),
            VrrpInstance::Wiring{
                .timers = timers,
                .write_state =
                    [this](StateWord w) {
                        word = w;
                        stored = w;
                    },
                .replace_state =
                    [this](StateWord w) {
                        if (!(word == stored)) return false;
                        word = w;
                        stored = w;
                        return true;
                    },
                .accept_state = [this] { stored = word; },
                .read_state = [this] { return word; },
                .write_guard = nullptr,
                .mac = MacAddress{0x02, 0, 0, 0, 0, 1},
                .source = self,
                .send_advert = [this](std::span<const std::uint8_t>, const IpAddress&, const IpAddress&) -> SendResult {
                    adverts.push_back(timers.now());
                    return {};
                },
                .send_frame =
                    [this](std::span<const std::uint8_t> f) {
                        if (f.size() == 14 + 20 + 8 + 24 && f[12] == 0x08 && f[14 + 9] == 17) {
                            MacAddress to{};
                            std::copy(f.begin(), f.begin() + 6, to.begin());
                            const auto decoded = decode_bfd_control(f.subspan(42));
                            EXPECT_TRUE(decoded.has_value());
                            if (decoded.has_value()) requests.push_back({timers.now(), to, decoded.value()});
                        }
                        return true;
                    },
                .drain_socket = [] {},
                .on_transition = nullptr,
                .route_local_traffic = nullptr,
                .fast =
                    VrrpInstance::Wiring::FastFailover{
                        .configure = [this](const FastFailoverSettings& s) { settings.push_back(s); },
                        .prepare_request =
                            [this](StateWord takeover) {
                                prepared.push_back(takeover);
                                ++status.requests_sent;
                                return xvip_bfd_request_discriminator(51, 100);
                            },
                        .status = [this] { return status; },
                        .clear_takeover = [this] { ++cleared; },
                    },
            });
        return *instance_;
    }

    sim::SimTimers timers;
    StateWord word{};
    StateWord stored{};
    FastFailoverStatus status;
    std::vector<FastFailoverSettings> settings;
    std::vector<StateWord> prepared;
    std::vector<Request> requests;
    std::vector<TimePoint> adverts;
    int cleared = 0;
    std::unique_ptr<VrrpInstance> instance_;
};

TEST_F(FastFailoverInstance, ABackupAsksTheLearntMacEveryInterval) {
    VrrpInstance& i = make(true);
    i.start(false);
    ASSERT_FALSE(settings.empty());
    EXPECT_EQ(settings.back().interval, 1ms);
    EXPECT_EQ(settings.back().multiplier, 3);
    EXPECT_EQ(settings.back().priority, 100);
    timers.run_for(10ms);
    EXPECT_TRUE(requests.empty()) << "no MAC learnt yet: nothing to send to";
    status.active_mac = active_mac;
    const TimePoint from = timers.now();
    timers.run_for(10ms);
    ASSERT_GE(requests.size(), 9u);
    EXPECT_LE(requests.size(), 11u);
    EXPECT_EQ(requests.front().to, active_mac);
    EXPECT_EQ(requests.front().control.state, BfdState::down);  // no answer yet
    EXPECT_EQ(requests.front().control.my_discriminator, xvip_bfd_request_discriminator(51, 100));
    EXPECT_EQ(requests.front().control.desired_min_tx_us, 1000u);
    EXPECT_EQ(prepared.size(), requests.size());
    EXPECT_EQ(prepared.back().role, XdpRole::active);
    EXPECT_EQ(prepared.back().deadline, requests.back().at + 3s);  // the lease it would write now
    // Answered Up: the next requests say Up, to the instance's discriminator.
    status.last_answer = timers.now();
    status.answer_state = 3;
    timers.run_for(1ms);
    EXPECT_EQ(requests.back().control.state, BfdState::up);
    EXPECT_EQ(requests.back().control.your_discriminator, xvip_bfd_discriminator(51));
    (void)from;
}

TEST_F(FastFailoverInstance, ALateRequestStaysUpWhileTheArmingHoldsThenStartsOver) {
    VrrpInstance& i = make(true);
    i.start(false);
    status.active_mac = active_mac;
    status.last_answer = timers.now();
    status.answer_state = 3;
    // The loop ran late: 20 ms since the last answer, far past the 3 ms detection time but within
    // the data plane's arming (2 x 3 ms + 50 ms). Saying Down would disarm the detector.
    timers.run_for(20ms);
    EXPECT_EQ(requests.back().control.state, BfdState::up);
    // Unanswered past the arming time: the handshake starts over.
    timers.run_for(40ms);
    EXPECT_EQ(requests.back().control.state, BfdState::down);
    EXPECT_EQ(requests.back().control.your_discriminator, 0u);
}

TEST_F(FastFailoverInstance, ItsMetricsCarryTheSessionAndTheDetectorsMargin) {
    VrrpInstance& i = make(true);
    i.start(false);
    status.active_mac = active_mac;
    status.armed = true;
    status.answers = 7;
    status.largest_gap = 32ms;
    status.most_unanswered = 2;
    timers.run_for(5ms);
    const auto m = i.metrics(timers.now());
    ASSERT_TRUE(m.fast_failover);
    EXPECT_TRUE(m.fast_failover->armed);
    EXPECT_EQ(m.fast_failover->detection_time, 3ms);
    EXPECT_EQ(m.fast_failover->requests, requests.size());
    EXPECT_EQ(m.fast_failover->answers, 7u);
    EXPECT_EQ(m.fast_failover->largest_gap, 32ms);
    EXPECT_EQ(m.fast_failover->most_unanswered, 2u);
    EXPECT_EQ(m.fast_failover->takeovers, 0u);
}

TEST_F(FastFailoverInstance, ARequestThatLeavesAnIntervalLateIsCountedWithItsDelay) {
    VrrpInstance& i = make(true);
    i.start(false);
    status.active_mac = active_mac;
    timers.run_for(5ms);  // the request due at +5 ms left; the next is due at +6 ms
    timers.stall(1500us);
    timers.run_for(1ms);  // it leaves at +6.5 ms, half an interval late: not counted; +7 ms on time
    EXPECT_EQ(i.metrics(timers.now()).fast_failover->late_requests, 0u);
    timers.stall(4500us);  // the next one leaves more than 3 ms late
    timers.run_for(500us);
    ASSERT_GE(requests.size(), 2u);
    const Duration late = requests.back().at - (requests[requests.size() - 2].at + 1ms);
    EXPECT_GE(late, 3ms);
    const auto m = i.metrics(timers.now());
    ASSERT_TRUE(m.fast_failover);
    EXPECT_EQ(m.fast_failover->late_requests, 1u);
    EXPECT_EQ(m.fast_failover->most_late, late);
    const auto status_json = i.status(timers.now())["fast_failover"];
    EXPECT_EQ(status_json["late_requests"], 1);
    const double late_ms = std::chrono::duration<double, std::milli>(late).count();
    EXPECT_DOUBLE_EQ(status_json["most_late_request_ms"].get<double>(), late_ms);
    timers.run_for(10ms);  // on time again
    EXPECT_EQ(i.metrics(timers.now()).fast_failover->late_requests, 1u);
}

TEST_F(FastFailoverInstance, OffItConfiguresNothingAndSendsNothing) {
    VrrpInstance& i = make(false);
    i.start(false);
    status.active_mac = active_mac;
    timers.run_for(10ms);
    EXPECT_TRUE(requests.empty());
    EXPECT_FALSE(i.metrics(timers.now()).fast_failover);
    ASSERT_FALSE(settings.empty());
    EXPECT_EQ(settings.back().interval, Duration{0});  // a previous configuration is turned off
}

TEST_F(FastFailoverInstance, TheDataPlanesTakeoverMakesItMasterOnTheKernelsWord) {
    VrrpInstance& i = taken_over_by_the_data_plane();
    EXPECT_EQ(i.state(), State::master);
    EXPECT_EQ(adverts.size(), 1u);
    EXPECT_EQ(word.role, XdpRole::active);
    EXPECT_EQ(word.deadline, timers.now() + 3s) << "the renewal went through: the kernel's word was accepted";
    EXPECT_EQ(i.status(timers.now())["fast_failover"]["takeovers"], 1);
    // Requests go on for the revert window, then stop and the takeover is cleared.
    const auto sent = requests.size();
    timers.run_for(10ms);
    EXPECT_GT(requests.size(), sent);
    timers.run_for(4s);
    EXPECT_EQ(cleared, 1);
    const auto after = requests.size();
    timers.run_for(10ms);
    EXPECT_EQ(requests.size(), after);
}

TEST_F(FastFailoverInstance, AStaleTakeoverEventChangesNothing) {
    VrrpInstance& i = make(true);
    i.start(false);
    i.data_plane_fast_takeover();  // the word is standby: not the detector's doing
    EXPECT_EQ(i.state(), State::backup);
}

TEST_F(FastFailoverInstance, AVrrpTakeoverSaysWhyTheDetectorDidNot) {
    VrrpInstance& i = make(true);
    i.start(false);
    status.active_mac = active_mac;
    status.answer_state = static_cast<std::uint8_t>(BfdState::admin_down);  // another was designated
    status.last_answer = timers.now();
    status.answers = 1;
    timers.run_for(4s);  // no advert: Master_Down_Interval ends
    ASSERT_EQ(i.state(), State::master);
    const std::string cause = i.status(timers.now())["last_transition"]["cause"];
    EXPECT_NE(cause.find("Master_Down_Interval; fast failover did not take over: not armed, latest answer "),
              std::string::npos)
        << cause;
    EXPECT_NE(cause.find(" ms ago, admin_down ("), std::string::npos) << cause;
    EXPECT_NE(cause.find(" requests, 1 answers)"), std::string::npos) << cause;
}

TEST_F(FastFailoverInstance, ARevertMakesItBackupAgainAndItKeepsAsking) {
    VrrpInstance& i = taken_over_by_the_data_plane();
    word = StateWord::standby();  // the program's revert
    i.data_plane_fast_reverted();
    EXPECT_EQ(i.state(), State::backup);
    EXPECT_EQ(word.role, XdpRole::standby);
    const auto sent = requests.size();
    timers.run_for(5ms);
    EXPECT_GT(requests.size(), sent);
    EXPECT_EQ(i.status(timers.now())["fast_failover"]["reverts"], 1);
}

}  // namespace
}  // namespace xvip
