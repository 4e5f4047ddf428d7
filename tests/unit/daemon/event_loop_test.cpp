#include "daemon/event_loop.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, RunsTimersInDeadlineOrderAndSkipsCancelledOnes) {
    EventLoop loop;
    std::vector<std::string> ran;
    const auto t0 = Clock::now();
    loop.schedule(t0 + 30ms, [&] {
        ran.push_back("third");
        loop.stop();
    });
    loop.schedule(t0 + 10ms, [&] { ran.push_back("first"); });
    const auto cancelled = loop.schedule(t0 + 15ms, [&] { ran.push_back("cancelled"); });
    loop.schedule(t0 + 20ms, [&] { ran.push_back("second"); });
    loop.cancel(cancelled);
    loop.run();
    EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "third"}));
    EXPECT_GE(Clock::now() - t0, 30ms) << "no timer fires early";
}

// What keeps the loop from its timers is said: a callback that ran too long, and the timer it
// made late; a prompt loop says nothing.
TEST(EventLoop, ReportsALongCallbackAndTheTimerItMadeLate) {
    EventLoop loop;
    std::vector<std::string> stalls;
    loop.report_stalls(40ms, [&](const std::string& what) { stalls.push_back(what); });
    const auto t0 = Clock::now();
    loop.schedule(t0 + 5ms, [] { std::this_thread::sleep_for(60ms); });
    loop.schedule(t0 + 10ms, [&] { loop.stop(); });
    loop.run();
    ASSERT_EQ(stalls.size(), 2u);
    EXPECT_EQ(stalls[0].rfind("a timer ran for ", 0), 0u) << stalls[0];
    EXPECT_EQ(stalls[1].rfind("a timer ran ", 0), 0u) << stalls[1];
    EXPECT_NE(stalls[1].find("ms after its deadline"), std::string::npos) << stalls[1];

    stalls.clear();
    loop.schedule(Clock::now() + 5ms, [&] { loop.stop(); });
    loop.run();
    EXPECT_TRUE(stalls.empty()) << stalls.front();
}

TEST(EventLoop, TimersScheduledFromCallbacksAndInThePastRun) {
    EventLoop loop;
    int count = 0;
    std::function<void()> again = [&] {
        if (++count == 3) {
            loop.stop();
            return;
        }
        loop.schedule(Clock::now() - 1s, again);  // already due
    };
    loop.schedule(Clock::now(), again);
    loop.run();
    EXPECT_EQ(count, 3);
}

TEST(EventLoop, DeliversReadableFileDescriptors) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    EventLoop loop;
    std::string got;
    loop.watch(read_end.get(), [&] {
        char buf[16];
        const auto n = read(read_end.get(), buf, sizeof buf);
        got.append(buf, static_cast<std::size_t>(n));
        loop.unwatch(read_end.get());
        loop.stop();
    });
    loop.schedule(Clock::now() + 5ms, [&] { ASSERT_EQ(write(write_end.get(), "advert", 6), 6); });
    loop.schedule(Clock::now() + 2s, [&] { loop.stop(); });  // bound: never hang
    loop.run();
    EXPECT_EQ(got, "advert");
}

// A pipe that is full is not writable; once the other end reads, it is, and the loop says so.
TEST(EventLoop, DeliversWritableFileDescriptorsWhenThereIsRoom) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_NONBLOCK), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    const std::string chunk(4096, 'x');
    while (write(write_end.get(), chunk.data(), chunk.size()) > 0) {
    }
    ASSERT_EQ(errno, EAGAIN);
    EventLoop loop;
    bool drained = false;
    bool writable_after_drain = false;
    loop.watch_writable(write_end.get(), [&] {
        writable_after_drain = drained;
        loop.unwatch(write_end.get());
        loop.stop();
    });
    loop.schedule(Clock::now() + 20ms, [&] {
        char buf[4096];
        while (read(read_end.get(), buf, sizeof buf) > 0) {
        }
        drained = true;
    });
    loop.schedule(Clock::now() + 2s, [&] { loop.stop(); });  // bound: never hang
    loop.run();
    EXPECT_TRUE(writable_after_drain) << "called before there was room, or never";
}

TEST(EventLoop, DeliversSignalsAsEvents) {
    EventLoop loop;
    int hups = 0;
    loop.on_signal(SIGHUP, [&] {
        ++hups;
        loop.stop();
    });
    loop.schedule(Clock::now() + 5ms, [] { kill(getpid(), SIGHUP); });
    loop.schedule(Clock::now() + 2s, [&] { loop.stop(); });
    loop.run();
    EXPECT_EQ(hups, 1);
}

}  // namespace
}  // namespace xvip
