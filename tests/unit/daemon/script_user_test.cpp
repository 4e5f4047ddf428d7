#include <gtest/gtest.h>

#include <string>

#include "daemon/script.hpp"

namespace xvip {
namespace {

// keepalived's rule for the user a script runs as: the script's `user`, else `script_user`, else
// the default user (keepalived_script) if it exists, else the daemon's own user. "nobody" stands
// in for a default user that exists; "xvip-no-such-user" for one that does not.
TEST(ScriptUser, TheScriptsOwnUserComesFirst) {
    auto chosen = script_run_as("root", "nobody", "nobody");
    ASSERT_TRUE(chosen) << chosen.error().message;
    ASSERT_TRUE(chosen->has_value());
    EXPECT_EQ((*chosen)->user, "root");
}

TEST(ScriptUser, ScriptUserComesNext) {
    auto chosen = script_run_as("", "root", "nobody");
    ASSERT_TRUE(chosen) << chosen.error().message;
    ASSERT_TRUE(chosen->has_value());
    EXPECT_EQ((*chosen)->user, "root");
}

TEST(ScriptUser, WithNeitherTheDefaultUserIsUsedWhenItExists) {
    auto chosen = script_run_as("", "", "nobody");
    ASSERT_TRUE(chosen) << chosen.error().message;
    ASSERT_TRUE(chosen->has_value()) << "ran as the daemon's own user although the default user exists";
    EXPECT_EQ((*chosen)->user, "nobody");
}

TEST(ScriptUser, WithNeitherAndNoDefaultUserTheDaemonsOwnUser) {
    auto chosen = script_run_as("", "", "xvip-no-such-user");
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_FALSE(chosen->has_value());
}

TEST(ScriptUser, ANamedUserThatDoesNotExistIsAnError) {
    EXPECT_FALSE(script_run_as("xvip-no-such-user", "", "nobody"));
    EXPECT_FALSE(script_run_as("", "xvip-no-such-user", "nobody"));
}

TEST(ScriptUser, TheDefaultIsKeepalivedsName) {
    EXPECT_STREQ(default_script_user, "keepalived_script");
}

}  // namespace
}  // namespace xvip
