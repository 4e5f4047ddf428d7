// keepalived's bfd_instance / track_bfd and their TOML equivalents ([[bfd]], track_bfds): what
// maps, with keepalived's units and defaults, and what is refused (multihop, another TTL, IPv6),
// each with the line and column it came from.
#include <gtest/gtest.h>

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"
#include "config/toml_writer.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::ip;
using test::keepalived;
using test::rendered;
using test::toml;

const std::string instance_head =
    "vrrp_instance VI_1 {\n"
    "  interface eth0\n"
    "  virtual_router_id 51\n"
    "  priority 100\n"
    "  virtual_ipaddress {\n"
    "    10.0.0.100/24\n"
    "  }\n";

TEST(BfdConfig, KeepalivedBfdInstanceAndTrackBfdMap) {
    const ReadResult result = keepalived(
        "bfd_instance gw {\n"
        "  neighbor_ip 10.0.0.1\n"
        "  source_ip 10.0.0.2\n"
        "  min_rx 3.312\n"
        "  min_tx 20\n"
        "  idle_tx 2000\n"
        "  multiplier 3\n"
        "  passive\n"
        "  ttl 255\n"
        "  max_hops 0\n"
        "  weight -30\n"
        "  vrrp\n"
        "}\n"
        "bfd_instance other {\n"
        "  neighbour_ip 10.0.0.3\n"
        "}\n" +
        instance_head +
        "  track_bfd {\n"
        "    gw\n"
        "    other weight 10 reverse\n"
        "  }\n"
        "}\n");
    EXPECT_TRUE(result.diagnostics.empty()) << ::testing::PrintToString(rendered(result.diagnostics));
    ASSERT_EQ(result.config.bfds.size(), 2u);
    const BfdInstance& gw = result.config.bfds[0];
    EXPECT_EQ(gw.name, "gw");
    EXPECT_EQ(gw.neighbor, ip("10.0.0.1"));
    EXPECT_EQ(gw.source, ip("10.0.0.2"));
    EXPECT_EQ(gw.min_rx, 3312us) << "milliseconds to the microsecond";
    EXPECT_EQ(gw.min_tx, 20ms);
    EXPECT_EQ(gw.idle_tx, 2s);
    EXPECT_EQ(gw.multiplier, 3);
    EXPECT_TRUE(gw.passive);
    EXPECT_EQ(gw.weight, -30);
    const BfdInstance& other = result.config.bfds[1];
    EXPECT_EQ(other.min_rx, 10ms) << "keepalived's defaults";
    EXPECT_EQ(other.min_tx, 10ms);
    EXPECT_EQ(other.idle_tx, 1s);
    EXPECT_EQ(other.multiplier, 5);
    EXPECT_FALSE(other.passive);
    const auto& uses = result.config.instances.at(0).tracked_bfds;
    ASSERT_EQ(uses.size(), 2u);
    EXPECT_EQ(uses[0], (BfdReference{"gw", std::nullopt, false, {}}));
    EXPECT_EQ(uses[1], (BfdReference{"other", 10, true, {}}));
}

TEST(BfdConfig, KeepalivedRefusesWhatIsNotSingleHopIpv4) {
    const ReadResult result = keepalived(
        "bfd_instance far {\n"
        "  neighbor_ip 10.0.0.1\n"
        "  multihop\n"
        "  ttl 64\n"
        "  max_hops 3\n"
        "  hoplimit 64\n"
        "}\n"
        "bfd_instance six {\n"
        "  neighbor_ip 2001:db8::1\n"
        "  idle_tx 500\n"
        "  multiplier 0\n"
        "  min_rx abc\n"
        "}\n"
        "bfd_instance same {\n"
        "  neighbor_ip 10.0.0.1\n"
        "}\n"
        "bfd_instance nobody {\n"
        "}\n" +
        instance_head +
        "  track_bfd {\n"
        "    missing weight 300\n"
        "  }\n"
        "}\n"
        "vrrp_sync_group G {\n"
        "  group {\n"
        "    VI_1\n"
        "  }\n"
        "  track_bfd {\n"
        "    far\n"
        "  }\n"
        "}\n");
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "k.conf:3:3: error: `multihop` is not supported by xvip (fix: xvip runs single-hop BFD only (RFC 5881): "
            "remove it, or run the multihop session elsewhere)",
            "k.conf:6:3: warning: `hoplimit` is ignored: xvip's BFD runs over IPv4 only (fix: remove it to silence "
            "this warning)",
            "k.conf:12:10: error: `min_rx` must be a number of milliseconds, got `abc` (fix: write milliseconds with "
            "at most 3 decimals, e.g. `10` or `0.5`)",
            "k.conf:34:3: error: `track_bfd` is not supported by xvip (fix: xvip tracks BFD sessions per instance: "
            "move track_bfd into each vrrp_instance of the group)",
            "k.conf:4:3: error: BFD session far: xvip runs single-hop BFD only, whose packets leave with TTL 255 "
            "(RFC 5881 §5) (fix: remove ttl)",
            "k.conf:5:3: error: BFD session far: xvip runs single-hop BFD only, which takes packets with TTL 255 "
            "alone (RFC 5881 §5) (fix: remove max_hops)",
            "k.conf:9:3: error: BFD session six: xvip runs BFD over IPv4 only (fix: use the neighbour's IPv4 "
            "address)",
            "k.conf:10:3: error: BFD session six: idle_tx out of range (RFC 5880 §6.8.3: at least 1 s while the "
            "session is not up) (fix: set idle_tx from 1000 ms to 60 s)",
            "k.conf:11:3: error: BFD session six: multiplier must be 1-255 (fix: set multiplier, e.g. 3)",
            "k.conf:17:1: error: BFD session nobody has no neighbour (fix: set neighbor_ip to its address)",
            "k.conf:15:3: error: BFD sessions far and same both run to 10.0.0.1; a neighbour has one single-hop "
            "session (fix: track the same session from every instance instead)",
            "k.conf:27:5: error: instance VI_1 tracks BFD session `missing`, which is not defined (fix: define "
            "it (bfd_instance / [[bfd]]) or remove it from track_bfd)",
            "k.conf:27:5: error: instance VI_1: weight 300 out of range (fix: use a weight from -253 to 253)",
            "k.conf:31:3: warning: sync group G has 1 member(s); a sync group keeps two or more instances together "
            "(fix: list two or more instances in group, or remove the group)",
        }));
}

const std::string toml_instance =
    "[[instance]]\n"
    "name = \"vi\"\n"
    "interface = \"eth0\"\n"
    "vrid = 51\n"
    "vips = [\"10.0.0.100/24\"]\n";

TEST(BfdConfig, TomlBfdAndTrackBfdsMapAndWriteBack) {
    const ReadResult result = toml(
        "[[bfd]]\n"
        "name = \"gw\"\n"
        "neighbor = \"10.0.0.1\"\n"
        "source = \"10.0.0.2\"\n"
        "min_rx = \"2500us\"\n"
        "min_tx = \"20ms\"\n"
        "multiplier = 3\n"
        "weight = -20\n" +
        toml_instance + "track_bfds = [{ name = \"gw\" }, { name = \"gw\", weight = 5, weight_reversed = true }]\n");
    EXPECT_TRUE(result.diagnostics.empty()) << ::testing::PrintToString(rendered(result.diagnostics));
    ASSERT_EQ(result.config.bfds.size(), 1u);
    const BfdInstance& gw = result.config.bfds[0];
    EXPECT_EQ(gw.min_rx, 2500us);
    EXPECT_EQ(gw.min_tx, 20ms);
    EXPECT_EQ(gw.idle_tx, 1s);
    EXPECT_EQ(gw.multiplier, 3);
    EXPECT_EQ(gw.weight, -20);
    const auto& uses = result.config.instances.at(0).tracked_bfds;
    ASSERT_EQ(uses.size(), 2u);
    EXPECT_EQ(uses[1], (BfdReference{"gw", 5, true, {}}));

    const ReadResult again = toml(write_toml(result.config));
    EXPECT_TRUE(again.diagnostics.empty()) << ::testing::PrintToString(rendered(again.diagnostics));
    ASSERT_EQ(again.config.bfds.size(), 1u);
    EXPECT_TRUE(again.config.bfds[0].same_session(gw));
    EXPECT_EQ(again.config.bfds[0].weight, -20);
    EXPECT_EQ(again.config.instances.at(0).tracked_bfds, uses);
}

TEST(BfdConfig, TomlDiagnosticsNameTheKey) {
    const ReadResult result = toml(
        "[[bfd]]\n"
        "name = \"gw\"\n"
        "neighbor = \"10.0.0.1\"\n"
        "min_rx = \"1.5us\"\n"
        "min_tx = \"500us\"\n"
        "mutliplier = 3\n" +
        toml_instance + "track_bfds = [{ name = \"gateway\" }]\n");
    EXPECT_EQ(rendered(result.diagnostics),
              (std::vector<std::string>{
                  "x.toml:4:10: error: bfd.min_rx = \"1.5us\" is not a duration in whole microseconds (fix: write a "
                  "number with a unit, e.g. \"10ms\" or \"2.5ms\")",
                  "x.toml:6:1: error: unknown key `bfd.mutliplier` (fix: did you mean `multiplier`?)",
                  "x.toml:5:10: error: BFD session gw: min_tx out of range (xvipd's timers resolve 1 ms) (fix: set "
                  "min_tx from 1 ms to 60 s)",
                  "x.toml:12:15: error: instance vi tracks BFD session `gateway`, which is not defined (fix: "
                  "define it (bfd_instance / [[bfd]]) or remove it from track_bfds)",
              }));
}

}  // namespace
}  // namespace xvip
