// Which kernel neighbour states give the neighbour watch a MAC to forward to, and their names as
// its status shows them.
#include <gtest/gtest.h>
#include <linux/neighbour.h>

#include "system/rtnetlink_messages.hpp"

namespace xvip {
namespace {

const MacAddress backend{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};

TEST(UsableMac, EveryStateHoldingAMacGivesIt) {
    for (const int state : {NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_PERMANENT, NUD_NOARP}) {
        EXPECT_EQ(usable_mac(static_cast<std::uint16_t>(state), backend), backend) << state;
    }
}

TEST(UsableMac, UnresolvedFailedOrAbsentGiveNone) {
    for (const int state : {NUD_NONE, NUD_INCOMPLETE, NUD_FAILED}) {
        EXPECT_EQ(usable_mac(static_cast<std::uint16_t>(state), backend), std::nullopt) << state;
    }
    EXPECT_EQ(usable_mac(NUD_REACHABLE, std::nullopt), std::nullopt) << "a state without an address";
}

TEST(NeighbourStateName, AsIpNeighPrintsThem) {
    EXPECT_EQ(neighbour_state_name(NUD_NONE), "NONE");
    EXPECT_EQ(neighbour_state_name(NUD_INCOMPLETE), "INCOMPLETE");
    EXPECT_EQ(neighbour_state_name(NUD_REACHABLE), "REACHABLE");
    EXPECT_EQ(neighbour_state_name(NUD_STALE), "STALE");
    EXPECT_EQ(neighbour_state_name(NUD_DELAY), "DELAY");
    EXPECT_EQ(neighbour_state_name(NUD_PROBE), "PROBE");
    EXPECT_EQ(neighbour_state_name(NUD_FAILED), "FAILED");
    EXPECT_EQ(neighbour_state_name(NUD_NOARP), "NOARP");
    EXPECT_EQ(neighbour_state_name(NUD_PERMANENT), "PERMANENT");
    EXPECT_EQ(neighbour_state_name(NUD_NOARP | NUD_PERMANENT), "NOARP PERMANENT");
    EXPECT_EQ(neighbour_state_name(0x100), "0x100");
}

}  // namespace
}  // namespace xvip
