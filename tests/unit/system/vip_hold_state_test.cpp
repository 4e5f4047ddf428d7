#include "system/vip_hold_state.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "system/private_directory.hpp"
#include "system/vip_holder.hpp"

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

VipHoldState sample() {
    return {.ifname = "eth0.100",
            .netns = {.device = 4, .inode = 4026532281},
            .original_sysctls = {{"net/ipv4/conf/all/arp_ignore", "0"},
                                 {"net/ipv4/conf/eth0.100/arp_announce", "1"},
                                 {"net/ipv6/conf/eth0.100/ndisc_notify", "-1"}},
            .added_addresses = {{.address = ip("192.0.2.100"), .prefix_length = 32, .ifname = "lo"},
                                {.address = ip("fe80::1:51"), .prefix_length = 128, .ifname = "eth0.100"}}};
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

// release() writes the recorded sysctls back and removes the recorded addresses: a state file
// that names anything else (written by hand or by an attacker) is refused before it is acted on.
TEST(VipHoldStateText, RefusesSysctlsAndAddressesXvipdDoesNotSet) {
    const auto file = [](const std::string& interface, const std::string& sysctls, const std::string& on) {
        return R"({"format":1,"interface":")" + interface + R"(","netns":{"device":1,"inode":2},"sysctls":{)" +
               sysctls + R"(},"addresses":[{"address":"192.0.2.1","prefix_length":32,"interface":")" + on + R"("}]})";
    };
    std::string error;
    ASSERT_TRUE(parse_vip_hold_state(file("eth0", R"("net/ipv4/conf/eth0/arp_ignore":"0")", "lo"), error)) << error;
    for (const auto& text : {
             file("eth0", R"("net/ipv4/ip_forward":"1")", "lo"),
             file("eth0", R"("net/ipv4/conf/eth1/arp_ignore":"0")", "lo"),
             file("eth0", R"("net/ipv4/conf/eth0/../../../../../etc/passwd":"0")", "lo"),
             file("eth0", R"("net/ipv4/conf/eth0/arp_ignore":"0\n1")", "lo"),
             file("eth0", R"("net/ipv4/conf/eth0/arp_ignore":"")", "lo"),
             file("eth0", R"("net/ipv4/conf/eth0/arp_ignore":"12345678901")", "lo"),
             file("../x", R"()", "lo"),
             file("", R"()", "lo"),
             file("a-name-too-long-for-linux", R"()", "lo"),
             file("eth0", R"()", "eth1"),
         }) {
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

TEST_F(StateDirectory, IsCreatedPrivateAndNarrowedWhenWider) {
    const auto fresh = dir / "a" / "run";
    ensure_private_directory(fresh);
    EXPECT_EQ(std::filesystem::status(fresh).permissions(), std::filesystem::perms::owner_all);

    const auto wide = dir / "wide";
    std::filesystem::create_directory(wide);
    std::filesystem::permissions(wide, std::filesystem::perms::all);
    ensure_private_directory(wide);
    EXPECT_EQ(std::filesystem::status(wide).permissions(), std::filesystem::perms::owner_all)
        << "a directory others may write to is narrowed";

    save_vip_hold_state(dir / "b" / "eth0.state", sample());
    EXPECT_EQ(std::filesystem::status(dir / "b").permissions(), std::filesystem::perms::owner_all);
    EXPECT_EQ(std::filesystem::status(dir / "b" / "eth0.state").permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(StateDirectory, ALinkOrAFileInItsPlaceIsRefusedAndNamed) {
    std::filesystem::create_directory(dir / "elsewhere");
    std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "link");
    std::ofstream(dir / "file") << "x";
    for (const auto& path : {dir / "link", dir / "file"}) {
        try {
            ensure_private_directory(path);
            FAIL() << path << " must be refused";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("fix:"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(save_vip_hold_state(dir / "link" / "eth0.state", sample()), std::runtime_error);
    EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere" / "eth0.state")) << "nothing written through the link";
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
