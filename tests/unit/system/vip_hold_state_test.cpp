#include "system/vip_hold_state.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "system/vip_holder.hpp"

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

VipHoldState sample() {
    return {.ifname = "eth0",
            .netns = {.device = 4, .inode = 4026532281},
            .original_sysctls = {{"net/ipv4/conf/all/arp_ignore", "0"}, {"net/ipv4/conf/eth0.100/arp_announce", "1"}},
            .added_addresses = {{.address = ip("192.0.2.100"), .prefix_length = 32, .ifname = "lo"},
                                {.address = ip("2001:db8:1::100"), .prefix_length = 128, .ifname = "eth0"}}};
}

class StateDirectory : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/xvip-state-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST(VipHoldStateText, RoundTrips) {
    const std::string text = format_vip_hold_state(sample());
    std::string error;
    const auto parsed = parse_vip_hold_state(text, error);
    ASSERT_TRUE(parsed) << error << "\n" << text;
    EXPECT_EQ(*parsed, sample());
}

TEST(VipHoldStateText, RefusesWhatXvipdDidNotWrite) {
    std::string error;
    for (const char* text : {"", "[]", "{}", "not json", R"({"format": 2})",
                             R"({"format":1,"interface":"eth0","netns":{"device":1,"inode":2},"sysctls":{},
                                 "addresses":[{"address":"192.0.2.300","prefix_length":32,"interface":"lo"}]})",
                             R"({"format":1,"interface":"eth0","netns":{"device":1,"inode":2},"sysctls":{},
                                 "addresses":[{"address":"192.0.2.1","prefix_length":33,"interface":"lo"}]})",
                             R"({"format":1,"interface":"eth0","netns":{"device":1,"inode":2},"sysctls":{"a":1},
                                 "addresses":[]})"}) {
        error.clear();
        EXPECT_FALSE(parse_vip_hold_state(text, error)) << text;
        EXPECT_FALSE(error.empty()) << text;
    }
}

TEST_F(StateDirectory, SavesAtomicallyLoadsAndRemoves) {
    const auto file = dir / "run" / "eth0.state";
    EXPECT_FALSE(load_vip_hold_state(file)) << "no file, no state";
    save_vip_hold_state(file, sample());  // creates the directory
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp")) << "the temporary is renamed";
    EXPECT_EQ(load_vip_hold_state(file), sample());

    VipHoldState changed = sample();
    changed.added_addresses.pop_back();
    save_vip_hold_state(file, changed);
    EXPECT_EQ(load_vip_hold_state(file), changed) << "a second save replaces the first";

    remove_vip_hold_state(file);
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_NO_THROW(remove_vip_hold_state(file)) << "removing a missing file is not an error";
}

TEST_F(StateDirectory, AGarbledFileIsAnErrorNamingIt) {
    const auto file = dir / "eth0.state";
    std::ofstream(file) << "{\"format\": 1, \"interf";
    try {
        (void)load_vip_hold_state(file);
        FAIL() << "a garbled state file must not load";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
}

TEST(VipSysctls, ArpSettingsForIpv4NdiscForIpv6) {
    using Sysctls = std::vector<std::pair<std::string, std::string>>;
    const Sysctls ipv4{{"net/ipv4/conf/all/arp_ignore", "1"},
                       {"net/ipv4/conf/eth0/arp_ignore", "1"},
                       {"net/ipv4/conf/all/arp_announce", "2"},
                       {"net/ipv4/conf/eth0/arp_announce", "2"},
                       {"net/ipv4/conf/eth0/arp_notify", "0"}};
    const Sysctls ipv6{{"net/ipv6/conf/eth0/ndisc_notify", "0"}};
    EXPECT_EQ(vip_sysctls("eth0", {ip("192.0.2.100")}), ipv4);
    EXPECT_EQ(vip_sysctls("eth0", {ip("2001:db8:1::100")}), ipv6);
    Sysctls both = ipv4;
    both.insert(both.end(), ipv6.begin(), ipv6.end());
    EXPECT_EQ(vip_sysctls("eth0", {ip("2001:db8:1::100"), ip("192.0.2.100")}), both);
    EXPECT_TRUE(vip_sysctls("eth0", {}).empty());
}

}  // namespace
}  // namespace xvip
