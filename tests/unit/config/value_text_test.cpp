#include "config/value_text.hpp"

#include <gtest/gtest.h>

#include "config/spelling.hpp"

namespace xvip {
namespace {

TEST(ValueText, SecondsHaveMillisecondResolution) {
    EXPECT_EQ(parse_seconds("1"), Milliseconds{1000});
    EXPECT_EQ(parse_seconds("0.1"), Milliseconds{100});
    EXPECT_EQ(parse_seconds("2.505"), Milliseconds{2505});
    EXPECT_EQ(parse_seconds("0.1000"), Milliseconds{100});
    EXPECT_EQ(parse_seconds(".5"), Milliseconds{500});
    EXPECT_FALSE(parse_seconds("0.0001"));
    EXPECT_FALSE(parse_seconds("-1"));
    EXPECT_FALSE(parse_seconds("1."));
    EXPECT_FALSE(parse_seconds("1s"));
    EXPECT_FALSE(parse_seconds(""));
    EXPECT_FALSE(parse_seconds("99999999999999999999"));
}

TEST(ValueText, AddressesTakeTheirFamilysFullLengthByDefault) {
    const auto v4 = parse_address_with_prefix("10.0.0.1");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->prefix_length, 32);
    const auto v6 = parse_address_with_prefix("2001:db8::1/64");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->prefix_length, 64);
    EXPECT_EQ(parse_address_with_prefix("fe80::1")->prefix_length, 128);
    EXPECT_FALSE(parse_address_with_prefix("10.0.0.1/33"));
    EXPECT_FALSE(parse_address_with_prefix("10.0.0.1/-1"));
    EXPECT_FALSE(parse_address_with_prefix("10.0.0.1/"));
    EXPECT_FALSE(parse_address_with_prefix("eth0"));
}

TEST(Spelling, SuggestsOnlyCloseWords) {
    const std::vector<std::string_view> words{"priority", "preempt", "interface"};
    EXPECT_EQ(did_you_mean("priorty", words), "did you mean `priority`?");
    EXPECT_EQ(did_you_mean("interfce", words), "did you mean `interface`?");
    EXPECT_EQ(did_you_mean("zzz", words), "");
}

}  // namespace
}  // namespace xvip
