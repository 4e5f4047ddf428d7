#include "config/toml_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/keepalived_conf.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

using test::fixture_file;
using test::ip;
using test::rendered;

ReadResult read(const std::string& text) {
    return read_toml_config(text, "x.toml");
}

TEST(TomlConfig, TheDocumentedExampleReadsCleanly) {
    const ReadResult result = read_toml_config_file(std::string(XVIP_DOCS_DIR) + "/xvip.example.toml");
    EXPECT_TRUE(result.diagnostics.empty()) << ::testing::PrintToString(rendered(result.diagnostics));
    const Config& c = result.config;
    EXPECT_TRUE(c.global.cloud);
    EXPECT_EQ(c.global.log_level, LogLevel::info);
    ASSERT_EQ(c.instances.size(), 2u);
    const Instance& web = c.instances[0];
    EXPECT_EQ(web.name, "web");
    EXPECT_EQ(web.vrid, 51);
    EXPECT_EQ(web.advert_interval, Milliseconds{100});
    EXPECT_EQ(web.unicast_peers.size(), 2u);
    EXPECT_EQ(web.garp.repeat, 3) << "from [defaults.garp]";
    EXPECT_EQ(web.garp.refresh_period, Milliseconds{60000}) << "from the instance's own garp table";
    EXPECT_EQ(web.tracked_scripts.at(0).weight, -30);
    ASSERT_EQ(c.sync_groups.size(), 1u);
    EXPECT_EQ(c.sync_groups[0].instances, (std::vector<std::string>{"web", "db"}));
}

TEST(TomlConfig, EquivalentOfTheV3UnicastFixture) {
    const ReadResult toml = read(R"(
[defaults.garp]
repeat = 2
second_burst_delay = "0s"

[[instance]]
name = "VI_1"
interface = "va"
vrid = 51
priority = 150
advert_interval = "100ms"
vips = ["10.88.0.50/24", "10.88.0.51/24"]
source_address = "10.88.0.11"
unicast_peers = ["10.88.0.12"]
)");
    ASSERT_TRUE(toml.diagnostics.empty()) << ::testing::PrintToString(rendered(toml.diagnostics));
    const ReadResult keepalived = read_keepalived_conf_file(fixture_file("v3-ucast.conf"));
    const Instance& a = toml.config.instances.at(0);
    const Instance& b = keepalived.config.instances.at(0);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.interface, b.interface);
    EXPECT_EQ(a.vrid, b.vrid);
    EXPECT_EQ(a.priority, b.priority);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.advert_interval, b.advert_interval);
    EXPECT_EQ(a.vips, b.vips);
    EXPECT_EQ(a.source_address, b.source_address);
    EXPECT_EQ(a.unicast_peers, b.unicast_peers);
    EXPECT_EQ(a.garp, b.garp);
    EXPECT_EQ(a.preempt, b.preempt);
}

TEST(TomlConfig, UnknownKeysAreErrorsWithLineColumnAndSuggestion) {
    const ReadResult result = read(R"([global]
clod = true
[[instance]]
name = "a"
interface = "eth0"
vrid = 1
vips = ["10.0.0.1"]
priorty = 100
[instance.notify]
master = "/bin/true"
)");
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "x.toml:2:1: error: unknown key `global.clod` (fix: did you mean `cloud`?)",
            "x.toml:10:1: error: unknown key `instance.notify.master` (fix: remove it; docs/config.md lists every key)",
            "x.toml:8:1: error: unknown key `instance.priorty` (fix: did you mean `priority`?)",
        }));
}

TEST(TomlConfig, WrongTypesAndValuesNameTheKey) {
    const ReadResult result = read(R"([[instance]]
name = "a"
interface = "eth0"
vrid = "one"
advert_interval = 1
vips = ["10.0.0.1", "nope", 3]
preempt = "yes"
)");
    EXPECT_EQ(
        rendered(result.diagnostics),
        (std::vector<std::string>{
            "x.toml:4:8: error: instance.vrid must be an integer (fix: write instance.vrid as an integer)",
            "x.toml:5:19: error: instance.advert_interval must be a duration string such as \"1s\" or \"100ms\" (fix: "
            "write instance.advert_interval as a duration string such as \"1s\" or \"100ms\")",
            "x.toml:6:21: error: \"nope\" is not an IP address (fix: write \"ADDRESS\" or \"ADDRESS/PREFIX-LENGTH\", "
            "e.g. \"10.0.0.100/24\")",
            "x.toml:6:29: error: instance.vips entries must be strings (fix: quote each entry)",
            "x.toml:7:11: error: instance.preempt must be true or false (fix: write instance.preempt as true or false)",
        }));
}

TEST(TomlConfig, GatewayIsAnInstanceBooleanOffByDefault) {
    const std::string base = "[[instance]]\nname = \"a\"\ninterface = \"eth0\"\nvrid = 1\nvips = [\"10.0.0.1\"]\n";
    const ReadResult off = read(base);
    ASSERT_TRUE(off.ok());
    EXPECT_FALSE(off.config.instances.at(0).gateway);
    const ReadResult on = read(base + "gateway = true\n");
    ASSERT_TRUE(on.ok()) << ::testing::PrintToString(rendered(on.diagnostics));
    EXPECT_TRUE(on.config.instances.at(0).gateway);
    EXPECT_EQ(rendered(read(base + "gateway = \"yes\"\n").diagnostics),
              std::vector<std::string>{
                  "x.toml:6:11: error: instance.gateway must be true or false (fix: write instance.gateway as true or "
                  "false)"});
    EXPECT_EQ(
        rendered(read(base + "gatway = true\n").diagnostics),
        std::vector<std::string>{"x.toml:6:1: error: unknown key `instance.gatway` (fix: did you mean `gateway`?)"});
}

TEST(TomlConfig, DurationsNeedAUnitAndWholeMilliseconds) {
    const std::string base = "[[instance]]\nname = \"a\"\ninterface = \"eth0\"\nvrid = 1\nvips = [\"10.0.0.1\"]\n";
    EXPECT_EQ(read(base + "preempt_delay = \"2m\"\n").config.instances.at(0).preempt_delay, Milliseconds{120000});
    EXPECT_EQ(rendered(read(base + "preempt_delay = \"1500us\"\n").diagnostics),
              std::vector<std::string>{
                  "x.toml:6:17: error: instance.preempt_delay = \"1500us\" is not a duration in whole milliseconds "
                  "(fix: write a number with a unit, e.g. \"1s\", \"0.1s\" or \"100ms\")"});
    EXPECT_FALSE(read(base + "preempt_delay = \"5\"\n").ok());
}

TEST(TomlConfig, SyntaxErrorsAreReportedNotThrown) {
    const ReadResult result = read("[global\ncloud = true\n");
    ASSERT_EQ(result.diagnostics.size(), 1u);
    EXPECT_EQ(result.diagnostics[0].file, "x.toml");
    EXPECT_EQ(result.diagnostics[0].line, 1u);
    EXPECT_TRUE(result.diagnostics[0].message.starts_with("TOML syntax: ")) << result.diagnostics[0].message;
    EXPECT_FALSE(result.ok());
}

TEST(TomlConfig, ControlCharactersAreRefusedBeforeTheParserSeesThem) {
    // Found by the fuzzer: toml++ 3.3 asserts on a NUL inside a table header.
    const ReadResult result = read(std::string("[global]\n[\0x]\n", 14));
    EXPECT_EQ(
        rendered(result.diagnostics),
        std::vector<std::string>{
            "x.toml:2:2: error: TOML syntax: control character in the file (fix: fix the TOML syntax at this place)"});
    EXPECT_EQ(rendered(read("[global]\n[=[instance]]\n").diagnostics),
              std::vector<std::string>{"x.toml:2:2: error: TOML syntax: a table header must start with a key (fix: fix "
                                       "the TOML syntax at this place)"});
    EXPECT_EQ(rendered(read("a = 1 \xc3\xa9\n").diagnostics),
              std::vector<std::string>{"x.toml:1:7: error: TOML syntax: a non-ASCII character outside a string or "
                                       "comment (fix: fix the TOML syntax at this place)"});
    EXPECT_EQ(rendered(read("a = [}]\n").diagnostics),
              std::vector<std::string>{"x.toml:1:6: error: TOML syntax: `}` closes nothing that is open (fix: fix the "
                                       "TOML syntax at this place)"});
    EXPECT_EQ(rendered(read("name = 80::\"\xc4\xa8\"\n").diagnostics),
              std::vector<std::string>{"x.toml:1:12: error: TOML syntax: a quote in the middle of a bare word (fix: "
                                       "fix the TOML syntax at this place)"});
    EXPECT_EQ(rendered(read("[\"\"\"[x\n").diagnostics),
              std::vector<std::string>{"x.toml:1:2: error: TOML syntax: a multi-line string where a key is expected "
                                       "(fix: fix the TOML syntax at this place)"});
    EXPECT_TRUE(read("[global]\npin_dir = '''\n/x'''\n").ok());
    EXPECT_EQ(read("[global]\nlog_level = [\n  '''x''',\n  \"\"\"y\"\"\"]\n").diagnostics.size(), 1u)
        << "a type error, not a syntax error";
    EXPECT_EQ(rendered(read("r = [1_r@['x']]\n").diagnostics),
              std::vector<std::string>{"x.toml:1:10: error: TOML syntax: `[` in the middle of a bare word (fix: fix "
                                       "the TOML syntax at this place)"});
    // Non-ASCII text in comments and strings is fine.
    EXPECT_TRUE(read("# caf\xc3\xa9\n[global]\npin_dir = \"/caf\xc3\xa9\"\n").ok());
    // Brackets inside values and strings are not headers.
    EXPECT_TRUE(read("[global]\npin_dir = \"\"\"\n[=x\"\"\"\n").ok());
}

TEST(TomlConfig, InstanceFallsBackToTheDefaultInterface) {
    const ReadResult result = read(R"([global]
default_interface = "ens5"
[[instance]]
name = "a"
vrid = 1
vips = ["10.0.0.1"]
)");
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(result.config.instances.at(0).interface, "ens5");
    EXPECT_EQ(result.config.instances.at(0).version, VrrpVersion::v3) << "the native format defaults to v3";
}

}  // namespace
}  // namespace xvip
