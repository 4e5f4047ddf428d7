// xvipd end to end, in network namespaces: elections, failover, planned handover, leases,
// restarts. Who is active is read from the pinned state maps, never from `ip addr`.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "common/duration.hpp"
#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

void require_root() { ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root"; }

// v3 at 100 ms: Master_Down_Interval of the priority-100 backup = 300 ms + (156/256) × 100 ms.
constexpr auto backup_master_down = 300ms + std::chrono::microseconds(60938);

TEST(Xvipd, ElectsTheHigherPriorityNodeAndServesTheVip) {
    require_root();
    XvipdCluster c({.nodes = 2}, {{.priority = 150}, {.priority = 100}});
    c.start(0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0) << c.log(1);
    const auto ping = c.topology().run(c.client().netns, {"ping", "-c", "3", "-i", "0.2", "-W", "1", c.vip()});
    EXPECT_TRUE(ping.success()) << ping.out;
}

TEST(Xvipd, FailoverWhenTheActiveHostDies) {
    require_root();
    XvipdCluster c({.nodes = 2}, {{.priority = 150}, {.priority = 100}});
    c.start(0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0);
    const auto result = c.probe_while(2500ms, [&] {
        std::this_thread::sleep_for(500ms);
        // The host dies: its daemon and its link, at once.
        c.daemon(0)->send_signal(SIGKILL);
        c.topology().run_checked(c.node(0).netns, {"ip", "link", "set", "eth0", "down"});
        std::this_thread::sleep_for(1500ms);
    });
    EXPECT_TRUE(c.wait_for_sole_active(1, 2s));
    std::printf("failover: %s (Master_Down_Interval %s)\n", result.summary().c_str(),
                format_duration(backup_master_down).c_str());
    EXPECT_GT(result.replies.size(), 0u);
    EXPECT_LT(result.longest_gap(), backup_master_down + 5ms) << result.summary();
    EXPECT_GT(result.replies.back().received, result.duration - 50ms) << "pings resumed on node1";
}

TEST(Xvipd, PlannedStopLosesNoProbe) {
    require_root();
    for (const bool empty_neighbour_cache : {false, true}) {
        SCOPED_TRACE(empty_neighbour_cache ? "neighbour cache flushed at the stop" : "warm neighbour cache");
        XvipdCluster c({.nodes = 2}, {{.priority = 150}, {.priority = 100}});
        c.start(0);
        c.start(1);
        ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0);
        const auto result = c.probe_while(3000ms, [&] {
            std::this_thread::sleep_for(500ms);
            if (empty_neighbour_cache) {
                c.topology().run_checked(c.client().netns, {"ip", "neigh", "flush", "dev", "eth0"});
            }
            c.daemon(0)->send_signal(SIGTERM);
            std::this_thread::sleep_for(2400ms);
        });
        std::printf("planned stop: %s\n", result.summary().c_str());
        EXPECT_EQ(result.lost(), 0u) << result.summary();
        const auto exit = c.daemon(0)->wait(10s);
        EXPECT_EQ(exit.code, 0) << c.log(0);
        EXPECT_TRUE(c.wait_for_sole_active(1, 2s));
        EXPECT_FALSE(c.role(0)) << "the stopped node detached and unpinned everything";
    }
}

}  // namespace
}  // namespace xvip::test
