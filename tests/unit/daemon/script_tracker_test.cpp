#include "daemon/script_tracker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "daemon_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

Script script_at(const std::string& path) {
    auto prepared = prepare_script(path, std::nullopt, {.enforce_security = true, .daemon_uid = ::geteuid()});
    EXPECT_TRUE(prepared) << (prepared ? "" : prepared.error().message);
    return prepared ? prepared.value() : Script{};
}

// Healthy while the flag file exists.
struct FlagScript {
    TempDir dir;
    std::string flag = dir / "healthy";
    std::string path = test::write_script(dir / "check.sh", "[ -e " + flag + " ]");

    void set(bool healthy) {
        if (healthy) {
            std::ofstream(flag) << "";
        } else {
            ::unlink(flag.c_str());
        }
    }
};

TEST(ScriptTracker, ReportsRiseAndFallOfARealScript) {
    FlagScript check;
    check.set(true);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    std::vector<bool> changes;
    ScriptTracker tracker(loop, children,
                          {.name = "chk", .script = script_at(check.path), .interval = 20ms, .rise = 2, .fall = 3},
                          [&](bool healthy) { changes.push_back(healthy); });
    tracker.start();
    ASSERT_TRUE(test::run_until(loop, [&] { return changes.size() == 1; }));
    EXPECT_EQ(changes, std::vector<bool>{true}) << "the first success decides";
    EXPECT_EQ(tracker.healthy(), true);

    check.set(false);
    const auto runs_before = tracker.runs();
    ASSERT_TRUE(test::run_until(loop, [&] { return changes.size() == 2; }));
    EXPECT_EQ(changes.back(), false);
    EXPECT_GE(tracker.runs() - runs_before, 3u) << "fall 3: three failures in a row";

    check.set(true);
    const auto runs_down = tracker.runs();
    ASSERT_TRUE(test::run_until(loop, [&] { return changes.size() == 3; }));
    EXPECT_EQ(changes.back(), true);
    EXPECT_GE(tracker.runs() - runs_down, 2u) << "rise 2";
}

// A script that cannot be started (no descriptor, no memory, no process left) has not run, so it
// has not failed: the tracker keeps its last verdict, and nothing moves the VIP for the daemon's
// own trouble. It says so and counts it.
TEST(ScriptTracker, AScriptThatCouldNotBeStartedIsNoFailedCheck) {
    FlagScript check;
    check.set(true);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    std::vector<bool> changes;
    std::vector<std::string> log;
    ScriptTracker tracker(
        loop, children, {.name = "chk", .script = script_at(check.path), .interval = 20ms, .rise = 1, .fall = 1},
        [&](bool healthy) { changes.push_back(healthy); }, [&](std::string_view line) { log.emplace_back(line); });
    tracker.start();
    ASSERT_TRUE(test::run_until(loop, [&] { return changes.size() == 1; }));
    ASSERT_EQ(changes, std::vector<bool>{true});

    test::DescriptorExhaustion exhaustion;
    const auto runs_before = tracker.runs();
    ASSERT_TRUE(test::run_until(loop, [&] { return tracker.runs() >= runs_before + 3; }));
    exhaustion.release();
    EXPECT_EQ(changes, std::vector<bool>{true}) << "fall 1: a spawn failure was taken for a failed check";
    EXPECT_EQ(tracker.healthy(), true);
    EXPECT_GE(tracker.spawn_failures(), 3u);
    const auto said = std::count_if(log.begin(), log.end(), [](const std::string& line) {
        return line.find("could not be started") != std::string::npos;
    });
    EXPECT_EQ(said, 1) << "logged once while it lasts";

    // The host recovers: the script runs again, and its result counts as before.
    const auto runs_after = tracker.runs();
    ASSERT_TRUE(test::run_until(loop, [&] { return tracker.runs() >= runs_after + 2 && children.running() == 0; }));
    EXPECT_EQ(changes, std::vector<bool>{true});
    check.set(false);
    ASSERT_TRUE(test::run_until(loop, [&] { return changes.size() == 2; }));
    EXPECT_EQ(changes.back(), false);
}

TEST(ScriptTracker, ATimeoutIsAFailure) {
    TempDir dir;
    const auto hang = test::write_script(dir / "hang.sh", "exec sleep 30");
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    std::vector<bool> changes;
    ScriptTracker tracker(loop, children,
                          {.name = "slow", .script = script_at(hang), .interval = 200ms, .timeout = 30ms},
                          [&](bool healthy) { changes.push_back(healthy); });
    const auto t0 = Clock::now();
    tracker.start();
    ASSERT_TRUE(test::run_until(loop, [&] { return !changes.empty(); }));
    EXPECT_EQ(changes, std::vector<bool>{false});
    EXPECT_LT(Clock::now() - t0, 190ms) << "decided by the timeout, not the next interval";
    EXPECT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
}

TEST(ScriptTracker, InitFailStartsUnhealthyAndNeedsRiseSuccesses) {
    FlagScript check;
    check.set(true);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    std::vector<bool> changes;
    ScriptTracker tracker(
        loop, children,
        {.name = "chk", .script = script_at(check.path), .interval = 10ms, .rise = 3, .initially_failed = true},
        [&](bool healthy) { changes.push_back(healthy); });
    EXPECT_EQ(tracker.healthy(), false);
    tracker.start();
    ASSERT_TRUE(test::run_until(loop, [&] { return !changes.empty(); }));
    EXPECT_EQ(changes, std::vector<bool>{true});
    EXPECT_GE(tracker.runs(), 3u);
}

// Reload: a carried verdict holds from the start and a result that agrees with it reports nothing.
TEST(ScriptTracker, ACarriedVerdictHoldsUntilAResultChangesIt) {
    FlagScript check;
    check.set(true);
    RiseFall before(1, 1, false);
    ASSERT_EQ(before.record(true), std::optional<bool>(true));
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    std::vector<bool> changes;
    // A generous timeout: a run cut short by a loaded machine would count as a failure.
    ScriptTracker tracker(loop, children,
                          {.name = "chk", .script = script_at(check.path), .interval = 10ms, .timeout = 2s},
                          [&](bool healthy) { changes.push_back(healthy); });
    tracker.carry(before);
    EXPECT_EQ(tracker.healthy(), true) << "before its first run";
    tracker.start();
    ASSERT_TRUE(test::run_until(loop, [&] { return tracker.runs() >= 3; }));
    EXPECT_TRUE(changes.empty()) << "still healthy: nothing to report";
    check.set(false);
    ASSERT_TRUE(test::run_until(loop, [&] { return !changes.empty(); }));
    EXPECT_EQ(changes, std::vector<bool>{false});
}

TEST(ScriptTracker, DestroyingTheTrackerKillsItsRun) {
    TempDir dir;
    const auto hang = test::write_script(dir / "hang.sh", "exec sleep 30");
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    {
        ScriptTracker tracker(loop, children, {.name = "slow", .script = script_at(hang), .interval = 10s}, {});
        tracker.start();
        ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 1; }));
    }
    EXPECT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    EXPECT_TRUE(test::no_children_left());
}

}  // namespace
}  // namespace xvip
