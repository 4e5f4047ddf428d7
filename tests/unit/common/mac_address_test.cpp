#include "common/mac_address.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

TEST(MacAddress, FormatsAndParsesBack) {
    const MacAddress mac{0x02, 0x00, 0x5e, 0x00, 0x01, 0xab};
    EXPECT_EQ(format_mac(mac), "02:00:5e:00:01:ab");
    EXPECT_EQ(parse_mac("02:00:5e:00:01:ab"), mac);
    EXPECT_EQ(parse_mac("02:00:5E:00:01:AB"), mac);
}

TEST(MacAddress, RefusesOtherForms) {
    for (const char* bad : {"", "02:00:5e:00:01", "02-00-5e-00-01-ab", "02:00:5e:00:01:abc", "0g:00:5e:00:01:ab",
                            "02:00:5e:00:01:a", "020:0:5e:00:01:ab"}) {
        EXPECT_FALSE(parse_mac(bad)) << bad;
    }
}

}  // namespace
}  // namespace xvip
