// Tracking, which turns tracked scripts and interfaces into an instance's priority and FAULT, run
// on a real event loop with real scripts, the instance's adverts recorded (no kernel needed: the
// instance's interface is lo, which is up).
#include "xvipd/tracking.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "../daemon/daemon_test_support.hpp"
#include "codec/advert_codec.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

const IpAddress self = *IpAddress::parse("10.0.0.1");

struct Fixture {
    test::TempDir dir;
    EventLoop loop;
    ChildProcesses children{loop, 50ms};
    Config config;
    StateWord word;
    std::vector<std::uint8_t> priorities_sent;
    std::unique_ptr<VrrpInstance> instance;

    // One instance on lo tracking `chk` (weight 0) that succeeds unless `fail` exists.
    Fixture() {
        const auto script = test::write_script(dir / "check.sh", "[ ! -e " + (dir / "fail") + " ]");
        config.scripts.push_back(TrackScript{.name = "chk", .command = script, .interval = Milliseconds(50)});
        Instance c;
        c.name = "vi_51";
        c.interface = "lo";
        c.vrid = 51;
        c.priority = 150;
        c.advert_interval = 1000ms;
        c.vips.push_back(VirtualAddress{.address = *IpAddress::parse("10.0.0.100")});
        c.garp.second_burst_delay = 0ms;
        c.tracked_scripts.push_back(ScriptReference{.name = "chk"});
        config.instances.push_back(c);
        instance = std::make_unique<VrrpInstance>(
            c, VrrpInstance::Wiring{
                   .timers = loop,
                   .write_state = [this](StateWord w) { word = w; },
                   .read_state = [this] { return word; },
                   .mac = MacAddress{0x02, 0, 0, 0, 0, 1},
                   .source = self,
                   .send_advert = [this](std::span<const std::uint8_t> m, const IpAddress& s,
                                         const IpAddress& d) -> SendResult {
                       const auto decoded = decode_advert(m, IpEnvelope{AddressFamily::ipv4, s, d});
                       if (decoded.has_value()) priorities_sent.push_back(decoded->advert.priority);
                       return {};
                   },
                   .send_frame = [](std::span<const std::uint8_t>) { return true; },
                   .drain_socket = [] {},
                   .on_transition = nullptr,
                   .route_local_traffic = nullptr,
               });
    }
    std::unique_ptr<Tracking> track(bool adopted, const CarriedScripts& carried = {}) {
        const auto scripts = Tracking::prepare(config, {.enforce_security = true, .daemon_uid = ::geteuid()});
        return std::make_unique<Tracking>(loop, children, config, scripts,
                                          std::vector<TrackedInstance>{{instance.get(), adopted}}, carried);
    }
    bool priority_zero_sent() const {
        return std::find(priorities_sent.begin(), priorities_sent.end(), 0) != priorities_sent.end();
    }
};

// A restart or reload resumes an active instance from the data plane it adopted; a weight-0 script
// has no result yet. The instance keeps its role until the result, which decides.
TEST(Tracking, AnAdoptedActiveInstanceKeepsItsRoleUntilTheFirstResult) {
    Fixture f;
    f.instance->start(true);
    ASSERT_EQ(f.instance->state(), State::master);
    auto tracking = f.track(true);
    tracking->start();
    EXPECT_EQ(f.instance->state(), State::master) << "no FAULT while the script has not run";
    ASSERT_TRUE(test::run_until(f.loop, [&] { return tracking->status()[0]["runs"].get<int>() >= 2; }));
    EXPECT_EQ(f.instance->state(), State::master);
    EXPECT_FALSE(f.priority_zero_sent());
    EXPECT_EQ(tracking->status()[0]["state"], "healthy");

    // It still decides: failing, the instance goes to FAULT.
    std::ofstream(f.dir / "fail") << "";
    ASSERT_TRUE(test::run_until(f.loop, [&] { return f.instance->state() == State::fault; }));
    EXPECT_TRUE(f.priority_zero_sent());
}

// A fresh start has nothing to keep: the instance waits out of the election for the first result,
// as keepalived keeps it in INIT.
TEST(Tracking, AFreshInstanceWaitsForTheFirstResult) {
    Fixture f;
    f.instance->start(false);
    auto tracking = f.track(false);
    tracking->start();
    EXPECT_EQ(f.instance->state(), State::fault) << "waiting for the script";
    ASSERT_TRUE(test::run_until(f.loop, [&] { return f.instance->state() == State::backup; }));
}

// A reload carries the verdict of a script whose name and command are unchanged; another command
// under the same name starts unknown.
TEST(Tracking, AReloadCarriesTheVerdictOfAnUnchangedScript) {
    Fixture f;
    f.instance->start(false);
    std::ofstream(f.dir / "fail") << "";
    auto first = f.track(false);
    first->start();
    ASSERT_TRUE(test::run_until(f.loop, [&] { return first->status()[0]["state"] == "failing"; }));
    const auto carried = first->carried_scripts();
    first.reset();

    auto same = f.track(true, carried);
    EXPECT_EQ(same->status()[0]["state"], "failing") << "before it has run again";
    same.reset();

    f.config.scripts[0].command += " changed";
    auto changed = f.track(true, carried);
    EXPECT_EQ(changed->status()[0]["state"], "unknown");
}

}  // namespace
}  // namespace xvip
