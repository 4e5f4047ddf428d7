// keepalived.conf files shaped like real deployments, read with the exact diagnostics asserted.
#include "config/keepalived_conf.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace xvip {
namespace {

using test::data_path;
using test::ip;
using test::rendered;

const std::string ignored_fix = " (fix: remove it to silence this warning)";

ReadResult read_text(const std::string& text) {
    InMemoryIncludeResolver none;
    return read_keepalived_conf(text, "k.conf", none);
}

TEST(KeepalivedConf, LvsDirectorReadsBothPartsAndSaysItDoesNotForwardYet) {
    const ReadResult result = read_keepalived_conf_file(data_path("lvs_dr.conf"));
    const std::string f = "lvs_dr.conf:";
    EXPECT_EQ(rendered(result.diagnostics, data_path("")),
              (std::vector<std::string>{
                  f + "3:4: warning: `notification_email` is ignored: xvip sends no e-mail; use a notify script" +
                      ignored_fix,
                  f + "6:4: warning: `notification_email_from` is ignored: xvip sends no e-mail; use a notify script" +
                      ignored_fix,
                  f + "7:4: warning: `smtp_server` is ignored: xvip sends no e-mail; use a notify script" + ignored_fix,
                  f + "8:4: warning: `smtp_connect_timeout` is ignored: xvip sends no e-mail; use a notify script" +
                      ignored_fix,
                  f + "9:4: warning: `router_id` is ignored: xvip does not use a router name" + ignored_fix,
                  f +
                      "13:5: warning: `state` is ignored: xvip starts every instance as backup (RFC 5798 §6.4.1); "
                      "priority 255 still becomes active at once" +
                      ignored_fix,
                  f + "29:13: warning: virtual_server 192.168.200.16:80: `lb_algo rr` maps to xvip's one "
                      "scheduler, weighted consistent hashing (Maglev) of the flow: each flow is hashed to a real "
                      "server instead of connections taking turns: the same shares on average, not a strict "
                      "rotation (fix: nothing to change if the shares are what matters; docs/config.md compares "
                      "the schedulers)",
              }));
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.config.instances.size(), 1u);
    const Instance& i = result.config.instances[0];
    EXPECT_EQ(i.version, VrrpVersion::v2) << "keepalived's default version is 2";
    EXPECT_EQ(i.auth->password, "1111");
    EXPECT_EQ(i.vips.at(0), (VirtualAddress{ip("192.168.200.16"), 32, {}}));
    ASSERT_EQ(result.config.virtual_servers.size(), 1u) << "virtual_server_config_test.cpp checks the rest";
}

TEST(KeepalivedConf, MisspeltKeywordInsideACheckerIsAnError) {
    const ReadResult result = read_text(
        "virtual_server 10.0.0.1 80 {\n"
        "  real_server 10.0.0.2 80 {\n"
        "    TCP_CHECK {\n"
        "      conect_timeout 3\n"
        "    }\n"
        "  }\n"
        "}\n");
    EXPECT_FALSE(result.ok());
    const auto lines = rendered(result.diagnostics);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(
        lines[0],
        "k.conf:4:7: error: unknown keyword `conect_timeout` in TCP_CHECK (fix: did you mean `connect_timeout`?)");
}

TEST(KeepalivedConf, SyncGroupScriptsTrackingAndUnicastMapToTheModel) {
    const ReadResult result = read_keepalived_conf_file(data_path("sync_group.conf"));
    EXPECT_TRUE(result.diagnostics.empty()) << ::testing::PrintToString(rendered(result.diagnostics));
    const Config& c = result.config;
    EXPECT_EQ(c.dialect, ConfigDialect::keepalived);
    EXPECT_EQ(c.global.script_user, "keepalived_script");
    EXPECT_EQ(c.global.notify_fifo, "/run/keepalived/notify.fifo");

    ASSERT_EQ(c.scripts.size(), 2u);
    const TrackScript& haproxy = c.scripts[0];
    EXPECT_EQ(haproxy.name, "chk_haproxy");
    EXPECT_EQ(haproxy.command, "/usr/bin/killall -0 haproxy");
    EXPECT_EQ(haproxy.interval, Milliseconds{2000});
    EXPECT_EQ(haproxy.timeout, Milliseconds{1000});
    EXPECT_EQ(haproxy.rise, 2);
    EXPECT_EQ(haproxy.fall, 3);
    EXPECT_EQ(haproxy.weight, -20);
    EXPECT_FALSE(haproxy.weight_reversed);
    EXPECT_EQ(c.scripts[1].weight, 10);
    EXPECT_TRUE(c.scripts[1].weight_reversed);
    EXPECT_FALSE(c.scripts[1].timeout);

    ASSERT_EQ(c.sync_groups.size(), 1u);
    const SyncGroup& g = c.sync_groups[0];
    EXPECT_EQ(g.name, "VG_1");
    EXPECT_EQ(g.instances, (std::vector<std::string>{"VI_WEB", "VI_DB"}));
    EXPECT_EQ(g.notify.active, "/etc/keepalived/notify.sh MASTER");
    EXPECT_EQ(g.notify.backup, "/etc/keepalived/notify.sh BACKUP");
    EXPECT_EQ(g.notify.fault, "/etc/keepalived/notify.sh FAULT");

    ASSERT_EQ(c.instances.size(), 2u);
    const Instance& web = c.instances[0];
    EXPECT_EQ(web.name, "VI_WEB");
    EXPECT_EQ(web.version, VrrpVersion::v3);
    EXPECT_EQ(web.advert_interval, Milliseconds{500});
    EXPECT_FALSE(web.preempt);
    EXPECT_EQ(web.preempt_delay, Milliseconds{30000});
    EXPECT_EQ(web.source_address, ip("10.0.0.11"));
    EXPECT_EQ(web.unicast_peers, (std::vector<UnicastPeer>{{ip("10.0.0.12"), {}}, {ip("10.0.0.13"), {}}}));
    EXPECT_EQ(web.vips, (std::vector<VirtualAddress>{{ip("10.0.0.100"), 24, {}}}));
    EXPECT_EQ(web.tracked_interfaces,
              (std::vector<TrackedInterface>{{"eth0", 0, false, {}}, {"eth1", -30, false, {}}}));
    EXPECT_EQ(web.tracked_scripts,
              (std::vector<ScriptReference>{{"chk_haproxy", std::nullopt, false, {}}, {"chk_db", 5, false, {}}}));
    EXPECT_EQ(web.notify.any, "/etc/keepalived/notify_all.sh");
    EXPECT_EQ(web.notify.stop, "/etc/keepalived/notify.sh STOP");
    // Global garp defaults, with the instance's own repeat on top.
    EXPECT_EQ(
        web.garp,
        (GarpSettings{.repeat = 1, .second_burst_delay = Milliseconds{1000}, .refresh_period = Milliseconds{60000}}));
    const Instance& db = c.instances[1];
    EXPECT_EQ(db.garp.repeat, 3);
    EXPECT_TRUE(db.preempt);
    EXPECT_EQ(db.advert_interval, Milliseconds{1000});
}

TEST(KeepalivedConf, IncludesWithGlobsAreRelativeToTheIncludingFile) {
    const ReadResult result = read_keepalived_conf_file(data_path("include/main.conf"));
    EXPECT_EQ(
        rendered(result.diagnostics, data_path("")),
        (std::vector<std::string>{
            // Syntax (includes) is read before keywords mean anything, so its diagnostics come first.
            "include/main.conf:3:9: warning: include pattern `missing/*.conf` matches no file (fix: check the path; it "
            "is relative to " +
                std::string("include/main.conf)"),
            "include/conf.d/10-global.conf:2:5: warning: `router_id` is ignored: xvip does not use a router name" +
                ignored_fix,
        }));
    ASSERT_EQ(result.config.scripts.size(), 1u);
    EXPECT_EQ(result.config.scripts[0].name, "chk_nginx");
    ASSERT_EQ(result.config.instances.size(), 1u);
    EXPECT_EQ(result.config.instances[0].version, VrrpVersion::v3) << "vrrp_version came from an included file";
}

TEST(KeepalivedConf, IncludeCycleIsAnErrorNamingTheChain) {
    const ReadResult result = read_keepalived_conf_file(data_path("cycle/a.conf"));
    EXPECT_FALSE(result.ok());
    const auto lines = rendered(result.diagnostics, data_path(""));
    ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
    EXPECT_EQ(lines[0],
              "cycle/b.conf:4:9: error: include cycle: cycle/a.conf -> cycle/b.conf -> cycle/a.conf "
              "(fix: remove the include of cycle/a.conf from cycle/b.conf)");
    EXPECT_EQ(lines[1],
              "cycle/b.conf:2:5: warning: `router_id` is ignored: xvip does not use a router name" + ignored_fix)
        << "b.conf is still read once";
}

TEST(KeepalivedConf, UnknownKeywordNamesFileLineAndSuggestion) {
    const ReadResult result = read_text(
        "vrrp_instance V {\n"
        "  interface eth0\n"
        "  virtual_router_id 7\n"
        "  priorty 100\n"
        "  frobnicate\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n"
        "}\n"
        "vrrp_instnce W {\n}\n");
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "k.conf:4:3: error: unknown keyword `priorty` in vrrp_instance (fix: did you mean `priority`?)",
            "k.conf:5:3: error: unknown keyword `frobnicate` in vrrp_instance (fix: remove it; "
            "docs/keepalived-keywords.md lists every keyword xvip reads)",
            "k.conf:10:1: error: unknown keyword `vrrp_instnce` in top level (fix: did you mean `vrrp_instance`?)",
        }));
}

// keepalived has no gateway keyword: xvip's option is TOML only, and the error says where it is.
TEST(KeepalivedConf, GatewayIsTomlOnlyAndTheErrorSaysSo) {
    const ReadResult result = read_text(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  gateway\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
    EXPECT_EQ(rendered(result.diagnostics),
              (std::vector<std::string>{
                  "k.conf:4:3: error: unknown keyword `gateway` in vrrp_instance (fix: gateway is xvip's own option, "
                  "set in xvip.toml only: convert with `xvipctl import-keepalived` and set `gateway = true` in the "
                  "instance (docs/config.md))"}));
}

// Nor has it a fast failover keyword.
TEST(KeepalivedConf, FastFailoverIsTomlOnlyAndTheErrorSaysSo) {
    const ReadResult result = read_text(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  fast_failover\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
    EXPECT_EQ(rendered(result.diagnostics),
              (std::vector<std::string>{
                  "k.conf:4:3: error: unknown keyword `fast_failover` in vrrp_instance (fix: fast failover is xvip's "
                  "own option, set in xvip.toml only: convert with `xvipctl import-keepalived` and set "
                  "`fast_failover = true` in the instance (docs/config.md))"}));
}

TEST(KeepalivedConf, RefusedKeywordsAreErrorsWithTheirFix) {
    const ReadResult result = read_text(
        "global_defs {\n  startup_script /bin/true\n}\n"
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n"
        "  track_process {\n    nginx\n  }\n"
        "  authentication {\n    auth_type AH\n    auth_pass x\n  }\n"
        "  virtual_ipaddress_excluded {\n    10.0.0.9\n  }\n"
        "}\n");
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "k.conf:2:3: error: `startup_script` is not supported by xvip (fix: run it from the xvipd systemd unit "
            "(ExecStartPre=))",
            "k.conf:10:3: error: `track_process` is not supported by xvip (fix: xvip cannot track files or processes "
            "yet; "
            "use a vrrp_script that tests the same condition (for a process: `pidof NAME`))",
            "k.conf:14:15: error: IPsec AH authentication is not supported (RFC 3768 §5.3.6.2; keepalived dropped it "
            "too) (fix: remove the authentication block, or use `auth_type PASS` if the peers send a password)",
            "k.conf:17:3: error: `virtual_ipaddress_excluded` is not supported by xvip (fix: move these addresses into "
            "the virtual_ipaddress block of an instance of their address family)",
        }));
}

TEST(KeepalivedConf, ValueErrorsNameTheValue) {
    const ReadResult result = read_text(
        "global_defs {\n  vrrp_version 4\n  vrrp_mcast_group4 224.0.0.19\n}\n"
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id seven\n  advert_int 1s\n"
        "  virtual_ipaddress {\n    10.0.0.1/24 dev eth1 label eth0:1\n    not-an-address\n  }\n"
        "  track_interface {\n    eth1 weight\n  }\n"
        "}\n");
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "k.conf:2:16: error: VRRP version must be 2 or 3, got 4 (fix: write `vrrp_version 3` (or 2 for old peers))",
            "k.conf:3:21: error: xvip sends multicast adverts to 224.0.0.18 only (fix: remove `vrrp_mcast_group4`; "
            "every router of the VRID must use the standard group)",
            "k.conf:7:21: error: `virtual_router_id` must be an integer, got `seven` (fix: write a whole number)",
            "k.conf:8:14: error: `advert_int` must be a number of seconds, got `1s` (fix: write seconds with at most 3 "
            "decimals, e.g. `1` or `0.5`)",
            "k.conf:10:21: error: VIP 10.0.0.1/24 is on eth1 but the instance runs on eth0 (fix: remove `dev eth1`, or "
            "move the VIP to an instance on eth1)",
            "k.conf:10:26: warning: address options `label eth0:1` are ignored: xvip holds IPv4 VIPs on lo as /32 "
            "(fix: write the address alone)",
            "k.conf:11:5: error: `not-an-address` is not an IP address (fix: write ADDRESS or ADDRESS/PREFIX-LENGTH, "
            "e.g. 10.0.0.100/24)",
            "k.conf:14:10: error: expected `weight N [reverse]` after `eth1` (fix: write `eth1 weight -20`, or the "
            "name alone)",
        }));
}

// keepalived 2.2's unicast options (vrrp_parser.c, vrrp_data.c alloc_vrrp_unicast_peer): the TTL
// sent to peers, and per peer the TTL range its adverts must arrive with. check_unicast_src is
// what xvip always does, so it is read without a warning.
TEST(KeepalivedConf, UnicastTtlAndPeerTtlRangesMapToTheModel) {
    const ReadResult result = read_text(
        "global_defs {\n  vrrp_check_unicast_src\n}\n"
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  unicast_ttl 64\n  check_unicast_src\n"
        "  unicast_peer {\n    10.0.0.2 min_ttl 250 max_ttl 255\n    10.0.0.3\n    10.0.0.4 max_ttl 254\n  }\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
    EXPECT_EQ(rendered(result.diagnostics), std::vector<std::string>{});
    ASSERT_EQ(result.config.instances.size(), 1u);
    const Instance& v = result.config.instances[0];
    EXPECT_EQ(v.unicast_ttl, 64);
    EXPECT_EQ(v.advert_ttl(), 64);
    ASSERT_EQ(v.unicast_peers.size(), 3u);
    EXPECT_EQ(v.unicast_peers[0].min_ttl, 250);
    EXPECT_EQ(v.unicast_peers[0].max_ttl, 255);
    EXPECT_FALSE(v.unicast_peers[1].has_ttl_range());
    EXPECT_EQ(v.unicast_peers[2].min_ttl, std::nullopt);
    EXPECT_EQ(v.unicast_peers[2].max_ttl, 254);
}

TEST(KeepalivedConf, AdvertTtlIs255UnlessAUnicastInstanceSetsIt) {
    const ReadResult unicast = read_text(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n"
        "  unicast_peer {\n    fd00::2\n  }\n  virtual_ipaddress {\n    fd00::100\n  }\n}\n");
    ASSERT_EQ(unicast.config.instances.size(), 1u);
    EXPECT_EQ(unicast.config.instances[0].advert_ttl(), 255) << "IPv6 too: not keepalived's kernel default";
    const ReadResult multicast = read_text(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  unicast_ttl 64\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
    EXPECT_EQ(rendered(multicast.diagnostics),
              std::vector<std::string>{"k.conf:4:15: warning: instance V: unicast_ttl has no effect without unicast "
                                       "peers: multicast adverts carry TTL 255 (fix: remove it, or list the peers in "
                                       "unicast_peer)"});
    ASSERT_EQ(multicast.config.instances.size(), 1u);
    EXPECT_EQ(multicast.config.instances[0].advert_ttl(), 255);
}

TEST(KeepalivedConf, BadTtlValuesPointAtTheValue) {
    const ReadResult result = read_text(
        "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  unicast_ttl 0\n"
        "  unicast_peer {\n    10.0.0.2 min_ttl 200 max_ttl 100\n    10.0.0.3 min_ttl 256\n"
        "    10.0.0.4 hops 3\n    10.0.0.5 max_ttl\n    10.0.0.6 min_ttl x\n  }\n"
        "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
    EXPECT_EQ(rendered(result.diagnostics),
              (std::vector<std::string>{
                  "k.conf:8:14: error: unknown unicast_peer option `hops` (fix: write `ADDRESS`, optionally followed "
                  "by `min_ttl N` and `max_ttl N`)",
                  "k.conf:9:14: error: `max_ttl` needs a value (fix: write `max_ttl N` with N from 1 to 255)",
                  "k.conf:10:22: error: `min_ttl` must be an integer, got `x` (fix: write a whole number)",
                  "k.conf:6:34: error: instance V: peer 10.0.0.2: min_ttl 200 > max_ttl 100: every advert from it "
                  "would be discarded (fix: make max_ttl at least min_ttl)",
                  "k.conf:7:22: error: instance V: peer 10.0.0.3: min_ttl 256 is out of range (fix: write a TTL from 1 "
                  "to 255 (min_ttl 1 admits every advert))",
                  "k.conf:4:15: error: instance V: unicast_ttl 0 is out of range (fix: write a TTL from 1 to 255, or "
                  "remove it for 255)",
              }));
}

TEST(KeepalivedConf, ReaderNeverThrowsOnGarbage) {
    for (const std::string& text :
         {std::string("{{{{"), std::string("}}}"), std::string("\"\n\"{"), std::string("vrrp_instance {\n}\n"),
          std::string(1, '\0'), std::string("include\n"), std::string("vrrp_instance a b c { virtual_ipaddress x }")}) {
        EXPECT_NO_THROW(read_text(text));
    }
}

}  // namespace
}  // namespace xvip
