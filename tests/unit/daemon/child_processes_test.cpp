#include "daemon/child_processes.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

struct Outcome {
    std::optional<ChildExit> exit;
};

ChildProcesses::OnExit record(Outcome& outcome) {
    return [&outcome](const ChildExit& exit) { outcome.exit = exit; };
}

TEST(ChildProcesses, ReportsExitStatusZeroAndNonZero) {
    TempDir dir;
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    const auto ok = test::write_script(dir / "ok.sh", "exit 0");
    const auto bad = test::write_script(dir / "bad.sh", "exit 3");
    Outcome first, second;
    ASSERT_TRUE(children.start({ok}, {.timeout = 2s}, record(first)));
    ASSERT_TRUE(children.start({bad}, {.timeout = 2s}, record(second)));
    EXPECT_EQ(children.running(), 2u);
    ASSERT_TRUE(test::run_until(loop, [&] { return first.exit && second.exit; }));
    EXPECT_TRUE(first.exit->succeeded());
    EXPECT_EQ(second.exit->kind, ChildExit::Kind::exited);
    EXPECT_EQ(second.exit->code, 3);
    EXPECT_FALSE(second.exit->succeeded());
    EXPECT_EQ(children.running(), 0u);
    EXPECT_TRUE(test::no_children_left()) << "every child is reaped";
}

TEST(ChildProcesses, PassesArgumentsWithoutAShell) {
    TempDir dir;
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    const auto out = dir / "args";
    const auto script = test::write_script(dir / "args.sh", "printf '%s|' \"$@\" > " + out);
    Outcome outcome;
    ASSERT_TRUE(children.start({script, "a b", "$HOME", "*"}, {.timeout = 2s}, record(outcome)));
    ASSERT_TRUE(test::run_until(loop, [&] { return outcome.exit.has_value(); }));
    EXPECT_EQ(test::read_file(out), "a b|$HOME|*|");
}

TEST(ChildProcesses, KillsAHangingChildAtItsTimeoutAndReapsIt) {
    TempDir dir;
    EventLoop loop;
    // The loop blocks SIGTERM for itself; the child must still die of it.
    loop.on_signal(SIGTERM, [] {});
    ChildProcesses children(loop, 1s);
    const auto script = test::write_script(dir / "hang.sh", "exec sleep 30");
    Outcome outcome;
    const auto t0 = Clock::now();
    ASSERT_TRUE(children.start({script}, {.timeout = 50ms}, record(outcome)));
    ASSERT_TRUE(test::run_until(loop, [&] { return outcome.exit.has_value(); }));
    const auto took = Clock::now() - t0;
    EXPECT_EQ(outcome.exit->kind, ChildExit::Kind::timed_out);
    EXPECT_EQ(outcome.exit->code, SIGTERM);
    EXPECT_GE(took, 50ms);
    EXPECT_LT(took, 900ms) << "SIGTERM ended it, not the SIGKILL a grace period later";
    EXPECT_TRUE(test::no_children_left());
}

TEST(ChildProcesses, SigkillsAChildThatIgnoresSigtermAndItsHelpers) {
    TempDir dir;
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    const auto helper_pid = dir / "helper.pid";
    const auto script = test::write_script(
        dir / "stubborn.sh", "trap '' TERM\nsleep 30 &\necho $! > " + helper_pid + "\nwhile :; do sleep 0.01; done");
    Outcome outcome;
    ASSERT_TRUE(children.start({script}, {.timeout = 50ms}, record(outcome)));
    ASSERT_TRUE(test::run_until(loop, [&] { return outcome.exit.has_value(); }));
    EXPECT_EQ(outcome.exit->kind, ChildExit::Kind::timed_out);
    EXPECT_EQ(outcome.exit->code, SIGKILL);
    EXPECT_TRUE(test::no_children_left());
    // The background helper was in the script's process group: it is gone too (or a zombie of
    // whoever inherited it, which no longer runs).
    const std::string pid = test::read_file(helper_pid);
    ASSERT_FALSE(pid.empty());
    // SIGKILL is delivered asynchronously: on a loaded machine the helper may still be runnable
    // for a moment, so give it a bounded while to die.
    const std::string stat_path = "/proc/" + pid.substr(0, pid.find('\n')) + "/stat";
    std::string stat;
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        stat = test::read_file(stat_path);
        gone = stat.empty() || stat.find(") Z") != std::string::npos;
        if (!gone) std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(gone) << "still alive 2 s after SIGKILL: " << stat;
}

TEST(ChildProcesses, AProgramThatCannotRunIsAnErrorAndLeavesNothing) {
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    auto started = children.start({"/nonexistent/xvip-hook"}, {.timeout = 1s}, [](const ChildExit&) {});
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find("/nonexistent/xvip-hook"), std::string::npos);
    EXPECT_NE(started.error().message.find("No such file"), std::string::npos);
    EXPECT_EQ(children.running(), 0u);
    EXPECT_TRUE(test::no_children_left());
}

// A program the kernel refuses to exec (here: executable, but neither ELF nor a script) is only
// found out by the child, after start() returned: it ends as not started, with the reason.
TEST(ChildProcesses, AProgramTheChildCannotExecEndsAsNotStarted) {
    TempDir dir;
    const std::string program = dir / "not-a-program";
    std::ofstream(program) << std::string(64, '\x01');
    ASSERT_EQ(::chmod(program.c_str(), 0700), 0);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    Outcome outcome;
    ASSERT_TRUE(children.start({program}, {.timeout = 2s}, record(outcome)));
    ASSERT_TRUE(test::run_until(loop, [&] { return outcome.exit.has_value(); }));
    EXPECT_EQ(outcome.exit->kind, ChildExit::Kind::not_started) << describe(*outcome.exit);
    EXPECT_FALSE(outcome.exit->succeeded());
    EXPECT_FALSE(outcome.exit->not_started.no_resources);
    EXPECT_NE(outcome.exit->not_started.message.find("Exec format error"), std::string::npos)
        << outcome.exit->not_started.message;
    EXPECT_NE(describe(*outcome.exit).find(program), std::string::npos) << describe(*outcome.exit);
    EXPECT_EQ(children.running(), 0u);
    EXPECT_TRUE(test::no_children_left());
}

TEST(ChildProcesses, DestructionKillsAndReapsWhatIsStillRunning) {
    TempDir dir;
    const auto script = test::write_script(dir / "hang.sh", "exec sleep 30");
    bool called = false;
    {
        EventLoop loop;
        ChildProcesses children(loop, 50ms);
        ASSERT_TRUE(children.start({script}, {.timeout = 10s}, [&](const ChildExit&) { called = true; }));
    }
    EXPECT_FALSE(called);
    EXPECT_TRUE(test::no_children_left());
}

TEST(ChildProcesses, AbandonedChildIsKilledAndReapedWithoutItsCallback) {
    TempDir dir;
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    const auto script = test::write_script(dir / "hang.sh", "exec sleep 30");
    bool called = false;
    auto id = children.start({script}, {.timeout = 10s}, [&](const ChildExit&) { called = true; });
    ASSERT_TRUE(id);
    children.abandon(id.value());
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    EXPECT_FALSE(called);
    EXPECT_TRUE(test::no_children_left());
}

TEST(ChildProcesses, RunsAsTheGivenUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to change user";
    auto nobody = resolve_run_as("nobody");
    ASSERT_TRUE(nobody) << nobody.error().message;
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);  // nobody must reach the script
    const auto script = test::write_script(dir / "whoami.sh",
                                           "[ \"$(id -u)\" = " + std::to_string(nobody->uid) +
                                               " ] && [ \"$(id -g)\" = " + std::to_string(nobody->gid) + " ]",
                                           0755);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    Outcome as_nobody, as_us;
    ASSERT_TRUE(children.start({script}, {.timeout = 2s, .run_as = nobody.value()}, record(as_nobody)));
    ASSERT_TRUE(children.start({script}, {.timeout = 2s}, record(as_us)));
    ASSERT_TRUE(test::run_until(loop, [&] { return as_nobody.exit && as_us.exit; }));
    EXPECT_TRUE(as_nobody.exit->succeeded()) << describe(*as_nobody.exit);
    EXPECT_FALSE(as_us.exit->succeeded()) << "the check can fail";
}

// A script sees a fixed environment, not the daemon's: nothing systemd, a shell or a test harness
// exported reaches it (here a variable set in this process just before the spawn).
TEST(ChildProcesses, AChildGetsOnlyTheFixedEnvironment) {
    TempDir dir;
    const std::string out = dir / "env.out";
    const auto script = test::write_script(dir / "env.sh", "exec /usr/bin/env > " + out);
    ASSERT_EQ(::setenv("XVIP_TEST_LEAK", "secret", 1), 0);
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    Outcome outcome;
    const auto started = children.start({script}, {.timeout = 2s}, record(outcome));
    ::unsetenv("XVIP_TEST_LEAK");
    ASSERT_TRUE(started) << started.error().message;
    ASSERT_TRUE(test::run_until(loop, [&] { return outcome.exit.has_value(); }));
    ASSERT_TRUE(outcome.exit->succeeded()) << describe(*outcome.exit);
    std::vector<std::string> seen;
    std::istringstream lines(test::read_file(out));
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("PWD=", 0) == 0) continue;  // /bin/sh (dash) sets PWD itself
        seen.push_back(line);
    }
    EXPECT_EQ(seen, std::vector<std::string>{std::string("PATH=") + script_search_path});
}

TEST(ChildProcesses, DescribesHowAChildEnded) {
    EXPECT_EQ(describe({ChildExit::Kind::exited, 2}), "exited with status 2");
    EXPECT_EQ(describe({ChildExit::Kind::killed, 9}).rfind("killed by signal 9", 0), 0u);
    EXPECT_EQ(describe({ChildExit::Kind::timed_out, 15}).rfind("timed out (ended by signal 15", 0), 0u);
}

}  // namespace
}  // namespace xvip
