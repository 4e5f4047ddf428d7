// One test per validation rule, each asserting the message, the line it points at and the fix.
// Most use the TOML reader (compact); the wording of fixes follows the file's format, which the
// keepalived cases check.
#include "config/validate.hpp"

#include <gtest/gtest.h>

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

using test::rendered;

std::vector<std::string> diagnostics_of(const std::string& text) {
    return rendered(read_toml_config(text, "v.toml").diagnostics);
}

// A valid instance; `extra` lines are appended inside it and may override its keys.
std::string instance(const std::string& name, int vrid, const std::string& vips, const std::string& extra = "") {
    return "[[instance]]\nname = \"" + name + "\"\ninterface = \"eth0\"\nvrid = " + std::to_string(vrid) +
           "\nvips = [" + vips + "]\n" + extra;
}

TEST(Validate, AValidConfigHasNoDiagnostics) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"")), std::vector<std::string>{});
}

TEST(Validate, VridRange) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 256, "\"10.0.0.1\"")),
        std::vector<std::string>{"v.toml:4:8: error: instance a: VRID 256 is out of range (fix: set vrid to 1-255)"});
    InMemoryIncludeResolver none;
    const auto keepalived = read_keepalived_conf(
        "vrrp_instance a {\n interface eth0\n virtual_router_id 0\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n", "k.conf",
        none);
    EXPECT_EQ(rendered(keepalived.diagnostics),
              std::vector<std::string>{
                  "k.conf:3:2: error: instance a: VRID 0 is out of range (fix: set virtual_router_id to 1-255)"});
}

TEST(Validate, PriorityRange) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "priority = 0\n")),
              std::vector<std::string>{"v.toml:6:12: error: instance a: priority 0 is out of range (fix: set priority "
                                       "to 1-254 (255 only on the address owner))"});
}

TEST(Validate, IntervalRangeDependsOnTheVersion) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "version = 2\nadvert_interval = \"1500ms\"\n")),
        std::vector<std::string>{
            "v.toml:7:19: error: instance a: VRRPv2 advert interval 1.5 s is not a whole number of seconds from 1 to "
            "255 (fix: set advert_interval to whole seconds, or use VRRP version 3 for sub-second adverts)"});
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "advert_interval = \"41s\"\n")),
        std::vector<std::string>{"v.toml:6:19: error: instance a: VRRPv3 advert interval 41 s is not a multiple of 10 "
                                 "ms from 10 ms to 40.95 s (fix: set advert_interval in centiseconds, e.g. 0.1 or 1)"});
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "advert_interval = \"15ms\"\n")).size(), 1u);
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "advert_interval = \"40950ms\"\n")).size(), 0u);
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "version = 2\nadvert_interval = \"255s\"\n")).size(), 0u);
}

TEST(Validate, NoVipInTwoInstances) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"") + instance("b", 2, "\"10.0.0.2\", \"10.0.0.1/24\"")),
              std::vector<std::string>{"v.toml:10:21: error: VIP 10.0.0.1 is in instance b and in instance a "
                                       "(v.toml:1) (fix: keep each VIP in one instance)"});
}

TEST(Validate, VridIsUniquePerInterfaceAndFamily) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 7, "\"10.0.0.1\"") + instance("b", 7, "\"10.0.0.2\"")),
        std::vector<std::string>{"v.toml:9:8: error: instance b and instance a (v.toml:1) both use VRID 7 for IPv4 on "
                                 "eth0 (fix: give one of them another vrid (VRIDs are per interface and family))"});
    // The same VRID for IPv6 on the same interface is a separate router.
    EXPECT_EQ(diagnostics_of(instance("a", 7, "\"10.0.0.1\"") + instance("b", 7, "\"fe80::1\", \"2001:db8::1\"")),
              std::vector<std::string>{});
}

TEST(Validate, MixedFamiliesAndIpv6Rules) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\", \"2001:db8::1\"")),
              std::vector<std::string>{
                  "v.toml:5:21: error: instance a mixes IPv4 and IPv6 virtual addresses (2001:db8::1) (fix: put the "
                  "IPv6 addresses in an instance of their own (the same VRID may be reused per family))"});
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"fe80::1\"", "version = 2\nadvert_interval = \"1s\"\n")),
              std::vector<std::string>{"v.toml:6:11: error: instance a: VRRPv2 carries IPv4 only (fix: set version to "
                                       "3 for IPv6 virtual addresses)"});
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"2001:db8::1\"")),
        std::vector<std::string>{"v.toml:5:9: warning: instance a: the first IPv6 virtual address should be link-local "
                                 "(RFC 5798 §5.2.9) (fix: put a link-local address (fe80::/10) first in vips)"});
}

TEST(Validate, SourceAndPeersMatchTheFamily) {
    EXPECT_EQ(diagnostics_of(instance(
                  "a", 1, "\"10.0.0.1\"",
                  "source_address = \"fe80::1\"\nunicast_peers = [\"10.0.0.3\", \"fe80::2\", \"10.0.0.3\"]\n")),
              (std::vector<std::string>{
                  "v.toml:6:18: error: instance a: source address fe80::1 is not of the VIPs' family (IPv4) (fix: use "
                  "a IPv4 address of the interface)",
                  "v.toml:7:30: error: instance a: peer fe80::2 is not of the VIPs' family (IPv4) (fix: list the "
                  "peers' IPv4 addresses)",
                  "v.toml:7:41: error: instance a lists peer 10.0.0.3 twice (fix: remove the second entry)"}));
}

std::string peers(int count) {
    std::string list = "unicast_peers = [";
    for (int i = 0; i < count; ++i) list += std::string(i ? ", " : "") + "\"10.0.1." + std::to_string(i + 1) + "\"";
    return list + "]\n";
}

TEST(Validate, TenRoutersPerVipWarnsAndIsAnErrorInTheCloud) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", peers(9))), std::vector<std::string>{});
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"", peers(10))),
              std::vector<std::string>{
                  "v.toml:6:126: warning: instance a has 10 unicast peers; at most 10 routers may share a VIP (a cloud "
                  "provider limit; an error with the cloud profile) (fix: keep at most 9 peers)"});
    EXPECT_EQ(diagnostics_of("[global]\ncloud = true\n" + instance("a", 1, "\"10.0.0.1\"", peers(10))),
              std::vector<std::string>{"v.toml:8:126: error: instance a has 10 unicast peers; at most 10 routers may "
                                       "share a VIP (fix: keep at most 9 peers)"});
}

TEST(Validate, EightVipsPerHostWarnsAndIsAnErrorInTheCloud) {
    std::string vips;
    for (int i = 1; i <= 9; ++i) vips += std::string(i > 1 ? ", " : "") + "\"10.0.0." + std::to_string(i) + "\"";
    EXPECT_EQ(diagnostics_of(instance("a", 1, vips)),
              std::vector<std::string>{"v.toml:5:105: warning: more than 8 VIPs on this host (a cloud provider limit; "
                                       "an error with the cloud profile) (fix: keep at most 8 VIPs per host)"});
    EXPECT_EQ(diagnostics_of("[global]\ncloud = true\n" + instance("a", 1, vips, "unicast_peers = [\"10.0.1.1\"]\n")),
              std::vector<std::string>{
                  "v.toml:7:105: error: more than 8 VIPs on this host (fix: keep at most 8 VIPs per host)"});
}

TEST(Validate, CloudProfileWarnsAboutMulticast) {
    EXPECT_EQ(diagnostics_of("[global]\ncloud = true\n" + instance("a", 1, "\"10.0.0.1\"")),
              std::vector<std::string>{"v.toml:3:1: warning: instance a uses multicast, which cloud networks usually "
                                       "drop (fix: list the other routers in unicast_peers)"});
}

TEST(Validate, PasswordAuthIsForVersion2AndEightBytes) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "version = 2\nauth_password = \"123456789\"\n")),
        std::vector<std::string>{"v.toml:7:17: error: instance a: authentication password is 9 bytes; VRRPv2 carries 8 "
                                 "(fix: shorten it to its first 8 bytes `12345678` (what keepalived sends))"});
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1\"", "auth_password = \"x\"\n")),
        std::vector<std::string>{"v.toml:6:17: warning: instance a: VRRPv3 has no authentication; the password is not "
                                 "sent (fix: remove auth_password, or use VRRP version 2 if the peers expect it)"});
}

TEST(Validate, MissingVipsAndInterface) {
    EXPECT_EQ(diagnostics_of("[[instance]]\nname = \"a\"\nvrid = 1\n"),
              (std::vector<std::string>{
                  "v.toml:1:1: error: instance a has no interface (fix: set interface (or a default interface in the "
                  "global settings))",
                  "v.toml:1:1: error: instance a has no virtual addresses (fix: list at least one address in vips)"}));
}

TEST(Validate, TrackedScriptsMustExistAndScriptsMakeSense) {
    EXPECT_EQ(
        diagnostics_of("[[script]]\nname = \"s\"\ncommand = \"/bin/true\"\nrise = 0\n" +
                       instance("a", 1, "\"10.0.0.1\"", "track_scripts = [{ name = \"nope\" }]\n")),
        (std::vector<std::string>{"v.toml:4:8: error: script s: rise must be at least 1 (fix: set rise to 1 or more)",
                                  "v.toml:10:18: error: instance a tracks script `nope`, which is not defined (fix: "
                                  "define it (vrrp_script / [[script]]) or remove it from track_scripts)"}));
}

TEST(Validate, SyncGroupMembersExistAndBelongToOneGroup) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1\"") + instance("b", 2, "\"10.0.0.2\"") +
                       "[[sync_group]]\nname = \"g\"\ninstances = [\"a\", \"b\"]\n"
                       "[[sync_group]]\nname = \"h\"\ninstances = [\"b\", \"c\"]\n"),
        (std::vector<std::string>{
            "v.toml:16:13: error: sync group h names instance `c`, which is not defined (fix: define the instance or "
            "remove it from the group)",
            "v.toml:16:13: error: instance b is in sync groups g and h (fix: keep each instance in one sync group)"}));
}

TEST(Validate, DuplicateInstanceNames) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"") + instance("a", 2, "\"10.0.0.2\"")),
              std::vector<std::string>{"v.toml:6:1: error: instance a is defined twice (first at v.toml:1) (fix: give "
                                       "each instance a unique name)"});
}

// unicast_ttl and the peers' TTL ranges, in TOML: 1-255, and a range that admits something.
// The data plane keeps the gateway VRIDs of one interface and family in one word: at most eight.
// The ninth is refused where its `gateway` key is; other families and interfaces count apart.
TEST(Validate, AtMostEightGatewayInstancesPerInterfaceAndFamily) {
    std::string text;
    for (int k = 1; k <= 9; ++k) {
        text += instance("g" + std::to_string(k), k, "\"10.0.0." + std::to_string(k) + "/24\"", "gateway = true\n");
    }
    text += instance("six", 9, "\"fe80::9\", \"2001:db8::9/64\"", "gateway = true\n");
    text +=
        "[[instance]]\nname = \"other\"\ninterface = \"eth1\"\nvrid = 10\nvips = [\"10.0.1.10/24\"]\ngateway = true\n";
    text += instance("plain", 11, "\"10.0.0.11/24\"");
    EXPECT_EQ(diagnostics_of(text),
              (std::vector<std::string>{
                  "v.toml:53:9: warning: more than 8 VIPs on this host (a cloud provider limit; an error with the "
                  "cloud profile) (fix: keep at most 8 VIPs per host)",
                  "v.toml:54:11: error: instance g9: more than 8 IPv4 gateway instances on eth0 (fix: keep at most 8 "
                  "gateway instances per interface and family)"}));
}

TEST(Validate, FastFailoverReadsItsThreeKeys) {
    const ReadResult result = read_toml_config(
        instance("a", 1, "\"10.0.0.1/24\"",
                 "fast_failover = true\nfast_failover_interval = \"2ms\"\nfast_failover_multiplier = 4\n"),
        "v.toml");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(rendered(result.diagnostics));
    const Instance& i = result.config.instances.at(0);
    EXPECT_TRUE(i.fast_failover);
    EXPECT_EQ(i.fast_failover_interval, Milliseconds{2});
    EXPECT_EQ(i.fast_failover_multiplier, 4);
    const Instance off = read_toml_config(instance("a", 1, "\"10.0.0.1/24\""), "v.toml").config.instances.at(0);
    EXPECT_FALSE(off.fast_failover);
    EXPECT_EQ(off.fast_failover_interval, Milliseconds{1});
    EXPECT_EQ(off.fast_failover_multiplier, 3);
}

TEST(Validate, FastFailoverRangesPointAtTheKey) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"",
                                      "fast_failover = true\nfast_failover_interval = \"0ms\"\n"
                                      "fast_failover_multiplier = 1\n")),
              (std::vector<std::string>{
                  "v.toml:7:26: error: instance a: fast_failover_interval 0 ms out of range (xvipd's timers resolve 1 "
                  "ms; beyond 1 s VRRP is as fast) (fix: set fast_failover_interval from 1 ms to 1 s, e.g. \"1ms\")",
                  "v.toml:8:28: error: instance a: fast_failover_multiplier 1 out of range (1 would take over on a "
                  "single lost packet) (fix: set fast_failover_multiplier to 2-255, e.g. 3)"}));
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"", "fast_failover_interval = \"2s\"\n")),
              (std::vector<std::string>{
                  "v.toml:6:26: error: instance a: fast_failover_interval 2000 ms out of range (xvipd's timers resolve "
                  "1 ms; beyond 1 s VRRP is as fast) (fix: set fast_failover_interval from 1 ms to 1 s, e.g. "
                  "\"1ms\")"}));
}

TEST(Validate, FastFailoverIsRefusedWhereItCannotWork) {
    EXPECT_EQ(
        diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"", "fast_failover = true\nunicast_peers = [\"10.0.0.9\"]\n")),
        (std::vector<std::string>{
            "v.toml:6:17: error: instance a: fast failover needs multicast adverts (the data plane learns the "
            "active node's MAC from adverts it can judge, sent with TTL 255 to the group) (fix: remove "
            "fast_failover, or use multicast adverts)"}));
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"", "fast_failover = true\nvirtual_mac = true\n")),
              (std::vector<std::string>{
                  "v.toml:6:17: error: instance a: fast failover cannot be used with virtual_mac (every master sends "
                  "from the same virtual MAC, which names no node to ask) (fix: remove fast_failover or "
                  "virtual_mac)"}));
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1/24\"",
                                      "fast_failover = true\nadvert_interval = \"100ms\"\n"
                                      "fast_failover_interval = \"50ms\"\n")),
              (std::vector<std::string>{
                  "v.toml:6:17: error: instance a: fast failover would detect in 150 ms, no faster than one advert "
                  "interval (100 ms) (fix: shorten fast_failover_interval or fast_failover_multiplier, or remove "
                  "fast_failover)"}));
}

TEST(Validate, UnicastTtlAndPeerTtlRanges) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"",
                                      "unicast_ttl = 64\nunicast_peers = [{ address = \"10.0.0.2\", min_ttl = 250 }, "
                                      "\"10.0.0.3\"]\n")),
              std::vector<std::string>{});
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"",
                                      "unicast_ttl = 256\nunicast_peers = [{ address = \"10.0.0.2\", min_ttl = 0 },\n"
                                      "  { address = \"10.0.0.3\", min_ttl = 9, max_ttl = 8 }, { min_ttl = 1 }, 7]\n")),
              (std::vector<std::string>{
                  "v.toml:8:55: error: a unicast_peers table needs an address (fix: write { address = \"ADDRESS\", "
                  "min_ttl = N, max_ttl = N })",
                  "v.toml:8:72: error: instance.unicast_peers entries must be addresses (fix: write \"ADDRESS\" or { "
                  "address = \"ADDRESS\", min_ttl = N, max_ttl = N })",
                  "v.toml:7:52: error: instance a: peer 10.0.0.2: min_ttl 0 is out of range (fix: write a TTL from 1 "
                  "to 255 (min_ttl 1 admits every advert))",
                  "v.toml:8:50: error: instance a: peer 10.0.0.3: min_ttl 9 > max_ttl 8: every advert from it would be "
                  "discarded (fix: make max_ttl at least min_ttl)",
                  "v.toml:6:15: error: instance a: unicast_ttl 256 is out of range (fix: write a TTL from 1 to 255, or "
                  "remove it for 255)",
              }));
}

// Virtual servers: the fixes name the TOML keys (check_interval on the service, interval on its
// check), and a model built without a reader is checked as one read from a file.
TEST(Validate, VirtualServerTimingNamesTheTomlKeys) {
    EXPECT_EQ(diagnostics_of(instance("a", 1, "\"10.0.0.1\"") +
                             "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\ncheck_interval = \"0ms\"\n"
                             "[[virtual_server.real_server]]\naddress = \"10.0.0.21\"\n"
                             "check = { type = \"tcp\", interval = \"2h\" }\n"),
              (std::vector<std::string>{
                  "v.toml:9:18: error: virtual_server 10.0.0.1:80: check_interval 0 s out of range (fix: set "
                  "check_interval from 0.001 s to 3600 s)",
                  "v.toml:12:36: error: virtual_server 10.0.0.1:80: real server 10.0.0.21: tcp check: interval 7200 s "
                  "out of range (fix: set interval from 0.001 s to 3600 s)",
              }));
}

TEST(Validate, VirtualServerWithoutAnyVipOrRealServer) {
    Config config;
    VirtualServer vs;
    vs.address = *IpAddress::parse("192.0.2.100");
    vs.port = 80;
    vs.origins.block = {"model", 3, 1};
    config.virtual_servers.push_back(vs);
    config.global.lb_flow_table_entries = 512;
    config.global.lb_flow_table_entries_where = {"model", 1, 1};
    EXPECT_EQ(
        rendered(validate(config)),
        (std::vector<std::string>{
            "model:1:1: error: lb_flow_table_entries 512 is out of range (fix: set lb_flow_table_entries from "
            "1024 to 16777216 (default 65536))",
            "model:3:1: error: virtual_server 192.0.2.100:80: 192.0.2.100 is not a VIP of any instance; the VIP is "
            "what the balancer pair owns and moves (no instance has a VIP) (fix: use one of the instances' VIPs, "
            "or add 192.0.2.100 to an instance's vips)",
            "model:3:1: error: virtual_server 192.0.2.100:80 has no real servers (fix: add at least one real "
            "server, or remove the virtual server (keepalived skips it))",
        }));
}

}  // namespace
}  // namespace xvip
