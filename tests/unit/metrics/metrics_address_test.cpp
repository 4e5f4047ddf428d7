// --metrics ADDRESS:PORT: numeric addresses only, IPv6 in brackets, loopback by default.
#include "xvipd/metrics_address.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

TEST(MetricsAddress, APortAloneListensOnLoopback) {
    std::string error;
    const auto a = parse_metrics_address("9650", error);
    ASSERT_TRUE(a) << error;
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9650);
    EXPECT_EQ(a->to_string(), "127.0.0.1:9650");
}

TEST(MetricsAddress, NumericAddressesOfBothFamilies) {
    std::string error;
    for (const auto& [text, host, shown] :
         {std::tuple{"0.0.0.0:9650", "0.0.0.0", "0.0.0.0:9650"}, std::tuple{"[::1]:9650", "::1", "[::1]:9650"},
          std::tuple{"[::]:1", "::", "[::]:1"}}) {
        const auto a = parse_metrics_address(text, error);
        ASSERT_TRUE(a) << text << ": " << error;
        EXPECT_EQ(a->host, host);
        EXPECT_EQ(a->to_string(), shown);
    }
}

TEST(MetricsAddress, RefusalsSayWhy) {
    for (const auto& [text, says] :
         {std::pair{"localhost:9650", "not resolved"}, std::pair{"::1:9650", "brackets"},
          std::pair{"[192.0.2.1]:9650", "not an IPv6 address"}, std::pair{"[::1]9650", "brackets"},
          std::pair{"0", "1 to 65535"}, std::pair{"65536", "1 to 65535"}, std::pair{"127.0.0.1:", "1 to 65535"},
          std::pair{"9650x", "1 to 65535"}}) {
        std::string error;
        EXPECT_FALSE(parse_metrics_address(text, error)) << text;
        EXPECT_NE(error.find(says), std::string::npos) << text << ": " << error;
        EXPECT_NE(error.find(text), std::string::npos) << "names what was given: " << error;
    }
}

}  // namespace
}  // namespace xvip
