#include "daemon/effective_priority.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace xvip {
namespace {

struct Row {
    std::string rule;
    int base;
    std::vector<TrackedState> tracked;
    EffectivePriority expected;
};

TEST(EffectivePriority, FollowsKeepalivedRules) {
    const std::vector<Row> table = {
        {"nothing tracked", 100, {}, {100, false, false}},
        {"positive weight, up: added", 100, {{10, false, true}}, {110, false, false}},
        {"positive weight, down: nothing", 100, {{10, false, false}}, {100, false, false}},
        {"negative weight, down: subtracted", 100, {{-20, false, false}}, {80, false, false}},
        {"negative weight, up: nothing", 100, {{-20, false, true}}, {100, false, false}},
        {"reversed positive, up: subtracted", 100, {{10, true, true}}, {90, false, false}},
        {"reversed positive, down: nothing", 100, {{10, true, false}}, {100, false, false}},
        {"reversed negative, down: added", 100, {{-20, true, false}}, {120, false, false}},
        {"reversed negative, up: nothing", 100, {{-20, true, true}}, {100, false, false}},
        {"weight 0, down: fault", 100, {{0, false, false}}, {100, true, false}},
        {"weight 0, up: fine", 100, {{0, false, true}}, {100, false, false}},
        {"weight 0 reversed, up: fault", 100, {{0, true, true}}, {100, true, false}},
        {"weight 0 reversed, down: fine", 100, {{0, true, false}}, {100, false, false}},
        {"no result yet, weighted: nothing", 100, {{10, false, std::nullopt}}, {100, false, false}},
        {"no result yet, weight 0: waiting", 100, {{0, false, std::nullopt}}, {100, false, true}},
        {"no result yet, weight 0, the role kept (adopted): neither waiting nor fault",
         100,
         {{0, false, std::nullopt, true}},
         {100, false, false}},
        {"no result yet, the role kept, another still waiting",
         100,
         {{0, false, std::nullopt, true}, {0, false, std::nullopt}},
         {100, false, true}},
        {"several add up", 100, {{10, false, true}, {-30, false, false}, {5, false, true}}, {85, false, false}},
        {"clamped at 254", 250, {{10, false, true}}, {254, false, false}},
        {"clamped at 1", 10, {{-50, false, false}}, {1, false, false}},
        {"owner keeps 255", 255, {{-50, false, false}}, {255, false, false}},
        {"owner still faults", 255, {{0, false, false}}, {255, true, false}},
        {"fault wins over waiting", 100, {{0, false, false}, {0, false, std::nullopt}}, {100, true, false}},
    };
    for (const Row& row : table) {
        EXPECT_EQ(effective_priority(row.base, row.tracked), row.expected) << row.rule;
    }
}

}  // namespace
}  // namespace xvip
