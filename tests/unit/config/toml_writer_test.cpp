// What `xvipctl import-keepalived` prints: every keepalived.conf the project reads, written as
// TOML and read back with the TOML reader, gives the same settings.
#include "config/toml_writer.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

void expect_same_settings(const Config& a, const Config& b) {
    EXPECT_EQ(a.global.cloud, b.global.cloud);
    EXPECT_EQ(a.global.log_level, b.global.log_level);
    EXPECT_EQ(a.global.pin_dir, b.global.pin_dir);
    EXPECT_EQ(a.global.v3_ipv4_checksum, b.global.v3_ipv4_checksum);
    EXPECT_EQ(a.global.notify_fifo, b.global.notify_fifo);
    EXPECT_EQ(a.global.script_user, b.global.script_user);
    ASSERT_EQ(a.scripts.size(), b.scripts.size());
    for (std::size_t k = 0; k < a.scripts.size(); ++k) {
        const auto &x = a.scripts[k], &y = b.scripts[k];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.command, y.command);
        EXPECT_EQ(x.interval, y.interval);
        EXPECT_EQ(x.timeout, y.timeout);
        EXPECT_EQ(x.rise, y.rise);
        EXPECT_EQ(x.fall, y.fall);
        EXPECT_EQ(x.weight, y.weight);
        EXPECT_EQ(x.weight_reversed, y.weight_reversed);
        EXPECT_EQ(x.user, y.user);
        EXPECT_EQ(x.initially_failed, y.initially_failed);
    }
    ASSERT_EQ(a.instances.size(), b.instances.size());
    for (std::size_t k = 0; k < a.instances.size(); ++k) {
        const auto &x = a.instances[k], &y = b.instances[k];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.interface, y.interface);
        EXPECT_EQ(x.vrid, y.vrid);
        EXPECT_EQ(x.priority, y.priority);
        EXPECT_EQ(x.version, y.version);
        EXPECT_EQ(x.advert_interval, y.advert_interval);
        EXPECT_EQ(x.vips, y.vips);
        EXPECT_EQ(x.preempt, y.preempt);
        EXPECT_EQ(x.preempt_delay, y.preempt_delay);
        EXPECT_EQ(x.source_address, y.source_address);
        EXPECT_EQ(x.unicast_peers, y.unicast_peers);
        EXPECT_EQ(x.unicast_ttl, y.unicast_ttl);
        EXPECT_EQ(x.auth.has_value(), y.auth.has_value());
        if (x.auth && y.auth) {
            EXPECT_EQ(x.auth->password, y.auth->password);
        }
        EXPECT_EQ(x.v3_ipv4_checksum, y.v3_ipv4_checksum);
        EXPECT_EQ(x.use_virtual_mac, y.use_virtual_mac);
        EXPECT_EQ(x.garp, y.garp);
        EXPECT_EQ(x.drain_deadline, y.drain_deadline);
        EXPECT_EQ(x.local_traffic_follows_active, y.local_traffic_follows_active);
        EXPECT_EQ(x.gateway, y.gateway);
        EXPECT_EQ(x.tracked_interfaces, y.tracked_interfaces);
        EXPECT_EQ(x.tracked_scripts, y.tracked_scripts);
        EXPECT_EQ(x.notify, y.notify);
    }
    ASSERT_EQ(a.sync_groups.size(), b.sync_groups.size());
    for (std::size_t k = 0; k < a.sync_groups.size(); ++k) {
        EXPECT_EQ(a.sync_groups[k].name, b.sync_groups[k].name);
        EXPECT_EQ(a.sync_groups[k].instances, b.sync_groups[k].instances);
        EXPECT_EQ(a.sync_groups[k].notify, b.sync_groups[k].notify);
    }
    EXPECT_EQ(a.global.lb_flow_table_entries, b.global.lb_flow_table_entries);
    ASSERT_EQ(a.virtual_servers.size(), b.virtual_servers.size());
    for (std::size_t k = 0; k < a.virtual_servers.size(); ++k) {
        SCOPED_TRACE(a.virtual_servers[k].endpoint());
        EXPECT_TRUE(a.virtual_servers[k].same_service(b.virtual_servers[k]));
    }
}

class TomlWriterRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(TomlWriterRoundTrip, KeepalivedConfReadsBackTheSameFromTheWrittenToml) {
    const auto imported = read_keepalived_conf_file(GetParam());
    ASSERT_TRUE(imported.ok()) << GetParam();
    ASSERT_FALSE(imported.config.instances.empty());
    const std::string text = write_toml(imported.config);
    const auto reread = read_toml_config(text, "imported.toml");
    for (const auto& d : reread.diagnostics) ADD_FAILURE() << to_string(d) << "\n" << text;
    expect_same_settings(imported.config, reread.config);
}

INSTANTIATE_TEST_SUITE_P(Files, TomlWriterRoundTrip,
                         ::testing::Values(test::fixture_file("v2-mcast-noauth.conf"),
                                           test::fixture_file("v2-mcast-pass.conf"),
                                           test::fixture_file("v2-ucast.conf"), test::fixture_file("v3-mcast.conf"),
                                           test::fixture_file("v3-ucast.conf"), test::fixture_file("v3-ipv6.conf"),
                                           test::fixture_file("v3-four-vips.conf"), test::fixture_file("v3-owner.conf"),
                                           test::fixture_file("v3-vrid255.conf"),
                                           test::fixture_file("v3-garp-refresh.conf"), test::data_path("lvs_dr.conf"),
                                           test::data_path("sync_group.conf")),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string name = std::filesystem::path(p.param).stem().string();
                             for (auto& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });

TEST(TomlWriter, UnicastTtlAndPeerRangesSurviveTheRoundTrip) {
    InMemoryIncludeResolver none;
    const auto imported = read_keepalived_conf(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  unicast_ttl 64\n"
        "  unicast_peer {\n    10.0.0.2 min_ttl 250 max_ttl 255\n    10.0.0.3\n    10.0.0.4 max_ttl 254\n  }\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n",
        "k.conf", none);
    ASSERT_TRUE(imported.ok());
    const std::string text = write_toml(imported.config);
    EXPECT_NE(text.find("unicast_peers = [{ address = \"10.0.0.2\", min_ttl = 250, max_ttl = 255 }, \"10.0.0.3\", "
                        "{ address = \"10.0.0.4\", max_ttl = 254 }]\nunicast_ttl = 64\n"),
              std::string::npos)
        << text;
    const auto reread = read_toml_config(text, "imported.toml");
    for (const auto& d : reread.diagnostics) ADD_FAILURE() << to_string(d) << "\n" << text;
    expect_same_settings(imported.config, reread.config);
}

TEST(TomlWriter, QuotesWhatNeedsQuoting) {
    Config config;
    Instance i;
    i.name = "web \"blue\"";
    i.interface = "eth0";
    i.vrid = 51;
    i.vips.push_back({*IpAddress::parse("10.0.0.100"), 24, {}});
    i.notify.active = "/etc/xvip/notify.sh \\\\ active\ttab";
    config.instances.push_back(i);
    const auto reread = read_toml_config(write_toml(config), "quoted.toml");
    ASSERT_EQ(reread.config.instances.size(), 1u) << write_toml(config);
    EXPECT_EQ(reread.config.instances[0].name, i.name);
    EXPECT_EQ(reread.config.instances[0].notify.active, i.notify.active);
}

}  // namespace
}  // namespace xvip
