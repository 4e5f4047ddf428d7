// keepalived's virtual_server blocks (LVS direct routing) and their TOML equivalent
// ([[virtual_server]]): what maps, with xvip's defaults where the file is silent, what is refused
// (each with the line and column it came from and a fix), the scheduler warnings, and the notice
// that nothing is forwarded yet.
#include <gtest/gtest.h>

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"
#include "config/toml_writer.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::data_path;
using test::ip;
using test::keepalived;
using test::rendered;
using test::toml;

// What the reader said about a configuration, rendered.
std::vector<std::string> said(const ReadResult& result) {
    return rendered(result.diagnostics);
}

// Lines 1-8: an instance owning 192.0.2.100 and 192.0.2.101; a virtual server written after it
// starts on line 9.
const std::string instance =
    "vrrp_instance VI_1 {\n"
    "  interface eth0\n"
    "  virtual_router_id 51\n"
    "  virtual_ipaddress {\n"
    "    192.0.2.100\n"
    "    192.0.2.101\n"
    "  }\n"
    "}\n";

// A virtual server of the instance's VIP with what xvip requires, and `body` (lines 12 on).
std::string service(const std::string& body, const std::string& head = "virtual_server 192.0.2.100 80 {\n") {
    return instance + head +
           "  lb_kind DR\n"
           "  protocol TCP\n" +
           body + "}\n";
}

// Without a port: the virtual server's.
const std::string one_real_server =
    "  real_server 192.0.2.21 {\n"
    "    TCP_CHECK {\n"
    "    }\n"
    "  }\n";

TEST(VirtualServerConfig, KeepalivedSampleLvsDrFileReadsIntoTheModel) {
    const ReadResult result = read_keepalived_conf_file(data_path("lvs_dr.conf"));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(rendered(result.diagnostics));
    ASSERT_EQ(result.config.virtual_servers.size(), 1u);
    const VirtualServer& vs = result.config.virtual_servers[0];
    EXPECT_EQ(vs.address, ip("192.168.200.16"));
    EXPECT_EQ(vs.port, 80);
    EXPECT_EQ(vs.protocol, ServiceProtocol::tcp);
    EXPECT_EQ(vs.keepalived_scheduler, IpvsScheduler::rr);
    EXPECT_EQ(vs.persistence_timeout, 50s);
    EXPECT_EQ(vs.persistence_granularity, std::nullopt);
    EXPECT_EQ(vs.check_defaults.interval, 6s);
    EXPECT_EQ(vs.origins.block, (SourceLocation{data_path("lvs_dr.conf"), 27, 16}));
    ASSERT_EQ(vs.real_servers.size(), 2u);

    const RealServer& web = vs.real_servers[0];
    EXPECT_EQ(web.address, ip("192.168.200.2"));
    EXPECT_EQ(web.port, 80);
    EXPECT_EQ(web.weight, 1);
    ASSERT_TRUE(web.check);
    EXPECT_EQ(web.check->type, CheckType::http);
    ASSERT_EQ(web.check->urls.size(), 1u);
    EXPECT_EQ(web.check->urls[0].path, "/testurl/test.jsp");
    EXPECT_EQ(web.check->urls[0].digest, "640205b7b0fc66c1ea91c463fac6334d");
    EXPECT_TRUE(web.check->urls[0].status_codes.empty()) << "keepalived's 200-299";
    EXPECT_EQ(resolve_check_timing(web.check->timing, vs.check_defaults), (ResolvedCheckTiming{6s, 3s, 3, 3s, 1}));

    const RealServer& tcp = vs.real_servers[1];
    EXPECT_EQ(tcp.address, ip("192.168.200.3"));
    ASSERT_TRUE(tcp.check);
    EXPECT_EQ(tcp.check->type, CheckType::tcp);
    EXPECT_EQ(tcp.check->connect_port, 80);
    EXPECT_EQ(resolve_check_timing(tcp.check->timing, vs.check_defaults), (ResolvedCheckTiming{6s, 3s, 1, 100ms, 1}))
        << "retry and delay_before_retry: xvip's defaults, as the file is silent";
}

TEST(VirtualServerConfig, TwoServicesOnTwoVipsAreReadWithoutAWord) {
    const ReadResult result = keepalived(service(one_real_server) +
                                         "virtual_server 192.0.2.101 53 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol UDP\n" +
                                         one_real_server + "}\n");
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(said(result).empty()) << ::testing::PrintToString(said(result));
    ASSERT_EQ(result.config.virtual_servers.size(), 2u);
    EXPECT_EQ(result.config.virtual_servers.at(1).protocol, ServiceProtocol::udp);
}

TEST(VirtualServerConfig, XvipDefaultsApplyWhereTheFileIsSilent) {
    const ReadResult result = keepalived(service(one_real_server));
    EXPECT_TRUE(said(result).empty()) << ::testing::PrintToString(said(result));
    const VirtualServer& vs = result.config.virtual_servers.at(0);
    EXPECT_EQ(vs.keepalived_scheduler, IpvsScheduler::wlc) << "keepalived's default, without a warning";
    EXPECT_EQ(vs.quorum, 1);
    EXPECT_EQ(vs.hysteresis, 0);
    EXPECT_FALSE(vs.inhibit_on_failure);
    EXPECT_FALSE(vs.persistence_timeout);
    const RealServer& rs = vs.real_servers.at(0);
    EXPECT_EQ(rs.weight, 1);
    EXPECT_EQ(rs.inhibit_on_failure, std::nullopt);
    EXPECT_EQ(resolve_check_timing(rs.check->timing, vs.check_defaults),
              (ResolvedCheckTiming{200ms, 200ms, 1, 100ms, 1}))
        << "not keepalived's 60 s / 5 s / 1 / 1 s: a dead server gets no new flow within a second";
    EXPECT_EQ(result.config.global.lb_flow_table_entries, 65536u);
}

TEST(VirtualServerConfig, FractionalSecondsAndEachLevelOfTiming) {
    const ReadResult result =
        keepalived(service("  delay_loop 0.2\n"
                           "  connect_timeout 0.15\n"
                           "  real_server 192.0.2.21 80 {\n"
                           "    delay_before_retry 0.05\n"
                           "    retry 2\n"
                           "    MISC_CHECK {\n"
                           "      misc_path \"/usr/lib/xvip/check-app --port 80\"\n"
                           "      misc_timeout 0.5\n"
                           "      retry 0\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.22 80 {\n"
                           "    HTTP_GET {\n"
                           "      delay_loop 1.5\n"
                           "      url {\n"
                           "        path /health\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_TRUE(said(result).empty()) << ::testing::PrintToString(said(result));
    const VirtualServer& vs = result.config.virtual_servers.at(0);
    EXPECT_EQ(vs.check_defaults.interval, 200ms);
    const HealthCheck& script = *vs.real_servers.at(0).check;
    EXPECT_EQ(script.command, "/usr/lib/xvip/check-app --port 80");
    EXPECT_EQ(script.timeout, 500ms);
    EXPECT_EQ(resolve_check_timing(script.timing, vs.check_defaults), (ResolvedCheckTiming{200ms, 150ms, 0, 50ms, 1}))
        << "the check's retry over the real server's; the real server's delay_before_retry over xvip's";
    const HealthCheck& http = *vs.real_servers.at(1).check;
    EXPECT_EQ(resolve_check_timing(http.timing, vs.check_defaults), (ResolvedCheckTiming{1500ms, 150ms, 1, 100ms, 1}));
}

TEST(VirtualServerConfig, SchedulersAreServedByMaglevWithAWarningWhereBehaviourDiffers) {
    struct Case {
        std::string algo;
        std::string persistence;
        std::string says;
    };
    const std::vector<Case> cases{
        {"rr", "", "instead of connections taking turns: the same shares on average, not a strict rotation"},
        {"wrr", "", "instead of connections taking turns"},
        {"lc", "", "xvip does not count connections, so a real server's share of new flows follows its weight"},
        {"wlc", "", "xvip does not count connections"},
        {"sh", "", "IPVS hashes the client's address alone, xvip the whole 5-tuple"},
        {"sh", "  persistence_timeout 300\n", "to other real servers than IPVS picks"},
        {"sh", "  persistence_granularity 255.255.255.0\n", "to other real servers than IPVS picks"},
        {"mh", "", "IPVS's Maglev table is not xvip's"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.algo + (c.persistence.empty() ? "" : " with persistence"));
        const ReadResult result = keepalived(service("  lb_algo " + c.algo + "\n" + c.persistence + one_real_server));
        ASSERT_TRUE(result.ok());
        const auto lines = said(result);
        ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
        EXPECT_EQ(lines[0].rfind("k.conf:12:11: warning: virtual_server 192.0.2.100:80: `lb_algo " + c.algo + "`", 0),
                  0u)
            << lines[0];
        EXPECT_NE(lines[0].find(c.says), std::string::npos) << lines[0];
        EXPECT_EQ(result.config.virtual_servers.at(0).keepalived_scheduler.has_value(), true);
    }
    // lvs_sched is lb_algo's other name.
    const ReadResult other_name = keepalived(service("  lvs_sched mh\n" + one_real_server));
    EXPECT_EQ(other_name.config.virtual_servers.at(0).keepalived_scheduler, IpvsScheduler::mh);
}

TEST(VirtualServerConfig, OtherIpvsSchedulersAreRefusedNamingTheAcceptedOnes) {
    const ReadResult result = keepalived(service("  lb_algo dh\n" + one_real_server));
    EXPECT_EQ(said(result), (std::vector<std::string>{
                                "k.conf:12:11: error: `lb_algo dh` is not supported: xvip schedules by weighted "
                                "consistent hashing (Maglev) of the flow only (fix: use one of rr, wrr, lc, wlc, sh, "
                                "mh: all map to weighted Maglev (docs/config.md says how each differs))",
                            }));
    for (const char* algo : {"lblc", "lblcr", "sed", "nq", "fo", "ovf", "twos"}) {
        EXPECT_FALSE(keepalived(service(std::string("  lb_algo ") + algo + "\n" + one_real_server)).ok()) << algo;
    }
}

TEST(VirtualServerConfig, ForwardingOtherThanDirectRoutingIsRefused) {
    const ReadResult result = keepalived(instance +
                                         "virtual_server 192.0.2.100 80 {\n"
                                         "  lb_kind NAT\n"
                                         "  protocol TCP\n"
                                         "  sorry_server 192.0.2.30 80\n"
                                         "  sorry_server_lvs_method TUN\n"
                                         "  real_server 192.0.2.21 80 {\n"
                                         "    lvs_method TUN type gue port 6080\n"
                                         "  }\n"
                                         "}\n"
                                         "virtual_server 192.0.2.100 443 {\n"
                                         "  protocol TCP\n" +
                                         one_real_server + "}\n");
    EXPECT_EQ(
        said(result),
        (std::vector<std::string>{
            "k.conf:10:11: error: `lb_kind NAT` is not supported: xvip forwards by rewriting the destination MAC "
            "(direct routing), so it cannot translate addresses (fix: use `lb_kind DR` with the real servers on the "
            "VIP's network and the VIP on their loopback, or keep this service on IPVS)",
            "k.conf:13:27: error: `sorry_server_lvs_method TUN` is not supported: xvip forwards by rewriting the "
            "destination MAC (direct routing), so it cannot tunnel (fix: use `sorry_server_lvs_method DR` with the "
            "real servers on the VIP's network and the VIP on their loopback, or keep this service on IPVS)",
            "k.conf:15:16: error: `lvs_method TUN` is not supported: xvip forwards by rewriting the destination MAC "
            "(direct routing), so it cannot tunnel (fix: use `lvs_method DR` with the real servers on the VIP's "
            "network and the VIP on their loopback, or keep this service on IPVS)",
            "k.conf:18:16: error: virtual_server 192.0.2.100:443 has no lb_kind: keepalived's default is NAT, which "
            "xvip does not do (fix: add `lb_kind DR` once the real servers are set up for direct routing (the VIP on "
            "their loopback, arp_ignore); xvip forwards by direct routing only)",
        }));
}

TEST(VirtualServerConfig, FirewallMarksGroupsAndPortlessServicesAreRefused) {
    const ReadResult result = keepalived(instance +
                                         "virtual_server fwmark 1 {\n"
                                         "  lb_kind DR\n"
                                         "}\n"
                                         "virtual_server group web {\n"
                                         "  lb_kind DR\n"
                                         "}\n"
                                         "virtual_server 192.0.2.100 {\n"
                                         "  lb_kind DR\n"
                                         "}\n");
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:9:16: error: `virtual_server fwmark` is not supported: xvip matches a service by VIP, "
                  "protocol and port, not by firewall mark (fix: write one `virtual_server VIP PORT { ... }` block "
                  "per address and port the mark covers)",
                  "k.conf:12:16: error: `virtual_server group` is not supported: xvip has no virtual_server_group, it "
                  "matches a service by VIP, protocol and port (fix: write one `virtual_server VIP PORT { ... }` "
                  "block per address and port of the group)",
                  "k.conf:15:1: error: `virtual_server` needs an address and a port (xvip matches a service by VIP, "
                  "protocol and port) (fix: write `virtual_server VIP PORT {`)",
              }));
    EXPECT_TRUE(result.config.virtual_servers.empty());
}

TEST(VirtualServerConfig, SctpAndAMissingProtocolAreRefused) {
    const ReadResult result = keepalived(instance +
                                         "virtual_server 192.0.2.100 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol SCTP\n" +
                                         one_real_server +
                                         "}\n"
                                         "virtual_server 192.0.2.100 81 {\n"
                                         "  lb_kind DR\n" +
                                         one_real_server + "}\n");
    EXPECT_EQ(said(result), (std::vector<std::string>{
                                "k.conf:11:12: error: protocol SCTP is not supported: xvip forwards TCP and UDP "
                                "(fix: keep this service on IPVS)",
                                "k.conf:17:16: error: virtual_server 192.0.2.100:81 has no protocol: keepalived then "
                                "runs the service as UDP (and says so), which is rarely what was meant (fix: add "
                                "`protocol TCP` (or `protocol UDP`))",
                            }));
}

class RefusedChecker : public ::testing::TestWithParam<std::string> {};

TEST_P(RefusedChecker, IsAnErrorNamingTheSupportedOnes) {
    const ReadResult result =
        keepalived(service("  real_server 192.0.2.21 80 {\n"
                           "    " +
                           GetParam() +
                           " {\n"
                           "      connect_timeout 3\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:13:5: error: `" + GetParam() +
                      "` is not supported by xvip (fix: xvip checks real servers with TCP_CHECK, HTTP_GET or "
                      "MISC_CHECK only: rewrite the check as one of them (MISC_CHECK runs any program); a dropped "
                      "checker would leave a dead server its traffic)",
              }));
}

INSTANTIATE_TEST_SUITE_P(Checkers, RefusedChecker,
                         ::testing::Values("SSL_GET", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK",
                                           "FILE_CHECK", "BFD_CHECK"));

TEST(VirtualServerConfig, ASecondCheckerIsRefused) {
    const ReadResult result =
        keepalived(service("  real_server 192.0.2.21 80 {\n"
                           "    TCP_CHECK {\n"
                           "    }\n"
                           "    HTTP_GET {\n"
                           "      url {\n"
                           "        path /\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result), (std::vector<std::string>{
                                "k.conf:15:5: error: real_server 192.0.2.21 has a second checker (the first is at "
                                "line 13); xvip runs one check per real server (fix: keep the one that tests what "
                                "clients use, or test everything in one MISC_CHECK script)",
                            }));
    EXPECT_EQ(result.config.virtual_servers.at(0).real_servers.at(0).check->type, CheckType::tcp);
}

TEST(VirtualServerConfig, WhatDirectRoutingCannotDoIsRefused) {
    const ReadResult result = keepalived(instance +
                                         "virtual_server 2001:db8::100 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol TCP\n"
                                         "  real_server 2001:db8::21 80 {\n"
                                         "  }\n"
                                         "}\n"
                                         "virtual_server 192.0.2.100 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol TCP\n"
                                         "  sorry_server 192.0.2.30 8080\n"
                                         "  real_server 192.0.2.21 8080 {\n"
                                         "  }\n"
                                         "  real_server 192.0.2.22 {\n"
                                         "  }\n"
                                         "}\n");
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:9:16: error: virtual_server [2001:db8::100]:80: forwarding is IPv4 only in this version of "
                  "xvip (fix: keep this IPv6 service on IPVS, or serve it on an IPv4 VIP)",
                  "k.conf:9:16: error: virtual_server [2001:db8::100]:80: 2001:db8::100 is not a VIP of any instance; "
                  "the VIP is what the balancer pair owns and moves (the VIPs: 192.0.2.100 (VI_1), 192.0.2.101 (VI_1)) "
                  "(fix: use one of the instances' VIPs, or add 2001:db8::100 to an instance's virtual_ipaddress)",
                  "k.conf:12:15: error: virtual_server [2001:db8::100]:80: real server 2001:db8::21 is not IPv4: "
                  "forwarding is IPv4 only in this version of xvip (fix: use the server's IPv4 address)",
                  "k.conf:18:16: error: virtual_server 192.0.2.100:80: sorry_server 192.0.2.30 listens on port 8080, "
                  "not the virtual server's 80: direct routing changes only the destination MAC, so it cannot "
                  "translate ports (fix: make the server listen on 80 and write that port)",
                  "k.conf:19:15: error: virtual_server 192.0.2.100:80: real server 192.0.2.21 listens on port 8080, "
                  "not the virtual server's 80: direct routing changes only the destination MAC, so it cannot "
                  "translate ports (fix: make the server listen on 80 and write that port)",
              }));
    EXPECT_EQ(result.config.virtual_servers.at(1).real_servers.at(1).port, 80) << "no port: the virtual server's";
}

TEST(VirtualServerConfig, DuplicatesAndAddressesThatAreNoVipAreRefused) {
    const ReadResult result = keepalived(service(one_real_server + one_real_server) +
                                         "virtual_server 192.0.2.100 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol TCP\n" +
                                         one_real_server +
                                         "}\n"
                                         "virtual_server 192.0.2.100 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol UDP\n" +
                                         one_real_server +
                                         "}\n"
                                         "virtual_server 198.51.100.1 80 {\n"
                                         "  lb_kind DR\n"
                                         "  protocol TCP\n" +
                                         one_real_server + "}\n");
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:16:15: error: virtual_server 192.0.2.100:80: real server 192.0.2.21:80 is listed twice "
                  "(first at k.conf:12) (fix: remove the second entry)",
                  "k.conf:21:16: error: virtual_server 192.0.2.100:80 (tcp) is defined twice (first at k.conf:9) "
                  "(fix: merge the two into one, or remove one)",
                  "k.conf:37:16: error: virtual_server 198.51.100.1:80: 198.51.100.1 is not a VIP of any instance; the "
                  "VIP is what the balancer pair owns and moves (the VIPs: 192.0.2.100 (VI_1), 192.0.2.101 (VI_1)) "
                  "(fix: use one of the instances' VIPs, or add 198.51.100.1 to an instance's virtual_ipaddress)",
              }))
        << "the same address and port over UDP is another service";
}

TEST(VirtualServerConfig, HttpCheckDigestStatusCodesAndWeightsAreChecked) {
    const ReadResult result =
        keepalived(service("  real_server 192.0.2.21 80 {\n"
                           "    weight 70000\n"
                           "    HTTP_GET {\n"
                           "      url {\n"
                           "        path /health\n"
                           "        digest 640205b7b0fc66c1ea91c463fac6334\n"
                           "        status_code 200-299 600 302-301\n"
                           "      }\n"
                           "      url {\n"
                           "        path /ready\n"
                           "        status_code 2xx\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.22 80 {\n"
                           "    weight -1\n"
                           "    HTTP_GET {\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:22:21: error: `2xx` is not an HTTP status code or range (fix: write codes and ranges such as "
                  "`200 204 300-399`)",
                  "k.conf:13:5: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: weight 70000 out of "
                  "range (fix: use a weight from 0 to 65535 (relative shares of a 65537-entry table; keepalived "
                  "allows more, beyond any share the table can hold))",
                  "k.conf:17:9: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: http check: digest "
                  "`640205b7b0fc66c1ea91c463fac6334` is not 32 hex digits (fix: write the MD5 of the expected body, "
                  "e.g. from `curl -s URL | md5sum`)",
                  "k.conf:18:9: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: http check: status code "
                  "600 is not a code or rising range within 100-599 (fix: write codes and ranges such as 200 or "
                  "200-299)",
                  "k.conf:18:9: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: http check: status code "
                  "302-301 is not a code or rising range within 100-599 (fix: write codes and ranges such as 200 or "
                  "200-299)",
                  "k.conf:27:5: error: virtual_server 192.0.2.100:80: real server 192.0.2.22: weight -1 out of range "
                  "(fix: use a weight from 0 to 65535 (relative shares of a 65537-entry table; keepalived allows "
                  "more, beyond any share the table can hold))",
                  "k.conf:28:5: error: virtual_server 192.0.2.100:80: real server 192.0.2.22: http check has no URL to "
                  "get (keepalived drops such a check, leaving the server always up) (fix: add `url { path /health "
                  "}`)",
              }));
    const auto& codes = result.config.virtual_servers.at(0).real_servers.at(0).check->urls.at(0).status_codes;
    EXPECT_EQ(codes.front(), (StatusCodeRange{200, 299}));
}

TEST(VirtualServerConfig, UnknownKeywordsInsideCheckersAndUrlsAreErrors) {
    const ReadResult result =
        keepalived(service("  real_server 192.0.2.21 80 {\n"
                           "    HTTP_GET {\n"
                           "      misc_path /bin/true\n"
                           "      url {\n"
                           "        path /\n"
                           "        stauts_code 200\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:14:7: error: unknown keyword `misc_path` in HTTP_GET (fix: remove it; "
                  "docs/keepalived-keywords.md lists every keyword xvip reads)",
                  "k.conf:17:9: error: unknown keyword `stauts_code` in url (fix: did you mean `status_code`?)",
              }));
}

TEST(VirtualServerConfig, RegexUrlChecksAndConnectionThresholdsAreRefused) {
    const ReadResult result =
        keepalived(service("  real_server 192.0.2.21 80 {\n"
                           "    uthreshold 100\n"
                           "    HTTP_GET {\n"
                           "      url {\n"
                           "        path /\n"
                           "        regex ok\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:13:5: error: `uthreshold` is not supported by xvip (fix: remove it: xvip does not count "
                  "connections, so it cannot cap them; shares follow weights)",
                  "k.conf:17:9: error: `regex` is not supported by xvip (fix: xvip's HTTP check compares the status "
                  "code and the digest only; a regex that decides health cannot be dropped: check the body with a "
                  "MISC_CHECK script instead)",
              }));
}

TEST(VirtualServerConfig, PersistenceQuorumSorryServerAndInheritedSettings) {
    const ReadResult result =
        keepalived(service("  persistence_granularity 255.255.255.0\n"
                           "  weight 3\n"
                           "  virtualhost www.example.com\n"
                           "  inhibit_on_failure\n"
                           "  sorry_server 192.0.2.30\n"
                           "  quorum 7\n"
                           "  hysteresis 1\n"
                           "  quorum_up \"/etc/xvip/quorum.sh up\"\n"
                           "  quorum_down /etc/xvip/quorum.sh down\n"
                           "  real_server 192.0.2.21 80 {\n"
                           "    inhibit_on_failure false\n"
                           "    notify_up /etc/xvip/rs.sh up\n"
                           "    notify_down /etc/xvip/rs.sh down\n"
                           "    HTTP_GET {\n"
                           "      url {\n"
                           "        path /\n"
                           "        status_code 200 301-302\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.22 80 {\n"
                           "    weight 0\n"
                           "  }\n"));
    // The weights add up to 3 (3 and 0): keepalived's adjustments, said where they apply.
    const std::string service = "warning: virtual_server 192.0.2.100:80: ";
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:17:3: " + service +
                      "quorum 7 is more than the weights of its real servers add up to (3): the service could never "
                      "have it, so it is lowered to 3, as keepalived does (fix: set quorum to at most 3)",
                  "k.conf:18:3: " + service +
                      "the service can never gain its quorum: that takes live real servers weighing 4 (quorum 3 + "
                      "hysteresis 1), and its real servers weigh 3 in all; it starts without quorum and stays so, its "
                      "sorry server taking every new flow (fix: lower the quorum or the hysteresis, or raise the "
                      "weights)",
              }));
    const VirtualServer& vs = result.config.virtual_servers.at(0);
    EXPECT_EQ(vs.persistence_granularity, 24);
    EXPECT_EQ(vs.persistence_timeout, 360s) << "keepalived: a granularity alone persists for 6 minutes";
    EXPECT_TRUE(vs.inhibit_on_failure);
    EXPECT_EQ(vs.sorry_server, (SorryServer{ip("192.0.2.30"), 80, {}})) << "no port: the virtual server's";
    EXPECT_EQ(vs.quorum, 7);
    EXPECT_EQ(vs.hysteresis, 1);
    EXPECT_EQ(vs.quorum_up, "/etc/xvip/quorum.sh up");
    EXPECT_EQ(vs.quorum_down, "/etc/xvip/quorum.sh down");
    const RealServer& first = vs.real_servers.at(0);
    EXPECT_EQ(first.weight, 3) << "the block's weight, written after it";
    EXPECT_EQ(first.inhibit_on_failure, false);
    EXPECT_EQ(first.notify_up, "/etc/xvip/rs.sh up");
    EXPECT_EQ(first.notify_down, "/etc/xvip/rs.sh down");
    EXPECT_EQ(first.check->virtualhost, "www.example.com");
    EXPECT_EQ(first.check->urls.at(0).status_codes, (std::vector<StatusCodeRange>{{200, 200}, {301, 302}}));
    EXPECT_EQ(vs.real_servers.at(1).weight, 0);
    EXPECT_FALSE(vs.real_servers.at(1).check) << "no checker: always up";
}

TEST(VirtualServerConfig, ANetmaskMustBeContiguousAndTheScriptCheckNeedsACommand) {
    const ReadResult result =
        keepalived(service("  persistence_granularity 255.0.255.0\n"
                           "  real_server 192.0.2.21 80 {\n"
                           "    MISC_CHECK {\n"
                           "      misc_dynamic\n"
                           "      user nobody nogroup\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:12:27: error: netmask 255.0.255.0 is not contiguous (xvip masks the client's address to a "
                  "prefix) (fix: write a netmask of leading ones, e.g. 255.255.255.0)",
                  "k.conf:16:19: warning: the script group is ignored: scripts run with the user's groups (fix: "
                  "write `user nobody`)",
                  "k.conf:14:5: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: script check has no "
                  "command (fix: set misc_path)",
              }));
    const HealthCheck& check = *result.config.virtual_servers.at(0).real_servers.at(0).check;
    EXPECT_TRUE(check.dynamic);
    EXPECT_EQ(check.user, "nobody");
}

TEST(VirtualServerConfig, TimesMustBePositive) {
    const ReadResult result =
        keepalived(service("  delay_loop 0\n"
                           "  real_server 192.0.2.21 80 {\n"
                           "    TCP_CHECK {\n"
                           "      connect_timeout 0\n"
                           "      retry 300\n"
                           "    }\n"
                           "  }\n"));
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "k.conf:12:3: error: virtual_server 192.0.2.100:80: delay_loop 0 s out of range (fix: set "
                  "delay_loop from 0.001 s to 3600 s)",
                  "k.conf:15:7: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: tcp check: "
                  "connect_timeout 0 s out of range (fix: set connect_timeout from 0.001 s to 3600 s)",
                  "k.conf:16:7: error: virtual_server 192.0.2.100:80: real server 192.0.2.21: tcp check: retry 300 "
                  "out of range (fix: set retry from 0 to 255 (further tries before a failure counts))",
              }));
}

TEST(VirtualServerConfig, CountsAreCapped) {
    std::string servers;
    for (int n = 0; n <= static_cast<int>(max_real_servers_per_service); ++n) {
        servers += "  real_server 10." + std::to_string(n / 200) + "." + std::to_string(n % 200) + ".1 80 {\n  }\n";
    }
    const ReadResult many_real = keepalived(service(servers));
    const auto lines = said(many_real);
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
    EXPECT_EQ(lines[0],
              "k.conf:524:15: error: virtual_server 192.0.2.100:80 has more than 256 real servers (fix: keep at most "
              "256 per virtual server)");

    std::string services = instance;
    for (int port = 1; port <= static_cast<int>(max_virtual_servers) + 1; ++port) {
        services += "virtual_server 192.0.2.100 " + std::to_string(port) + " {\n  lb_kind DR\n  protocol TCP\n" +
                    one_real_server + "}\n";
    }
    const ReadResult many_services = keepalived(services);
    EXPECT_EQ(said(many_services), (std::vector<std::string>{
                                       "k.conf:521:16: error: more than 64 virtual servers (fix: keep at most 64 "
                                       "virtual servers per node pair)",
                                   }));
}

// ---- TOML ----

const std::string toml_instance =
    "[[instance]]\n"
    "name = \"VI_1\"\n"
    "interface = \"eth0\"\n"
    "vrid = 51\n"
    "vips = [\"192.0.2.100/24\"]\n";

// The TOML form of PersistenceQuorumSorryServerAndInheritedSettings and more.
const std::string toml_service = toml_instance +
                                 "\n"
                                 "[global]\n"
                                 "lb_flow_table_entries = 262144\n"
                                 "\n"
                                 "[[virtual_server]]\n"
                                 "address = \"192.0.2.100\"\n"
                                 "port = 80\n"
                                 "protocol = \"tcp\"\n"
                                 "scheduler = \"maglev\"\n"
                                 "persistence_timeout = \"360s\"\n"
                                 "persistence_granularity = 24\n"
                                 "check_interval = \"0.5s\"\n"
                                 "connect_timeout = \"150ms\"\n"
                                 "inhibit_on_failure = true\n"
                                 "sorry_server = { address = \"192.0.2.30\" }\n"
                                 "quorum = 2\n"
                                 "hysteresis = 1\n"
                                 "quorum_up = \"/etc/xvip/quorum.sh up\"\n"
                                 "\n"
                                 "[[virtual_server.real_server]]\n"
                                 "address = \"192.0.2.21\"\n"
                                 "weight = 3\n"
                                 "inhibit_on_failure = false\n"
                                 "notify_down = \"/etc/xvip/rs.sh down\"\n"
                                 "check = { type = \"http\", retry = 2, virtualhost = \"www.example.com\", urls = [{ "
                                 "path = \"/\", status_codes = [200, \"301-302\"], digest = "
                                 "\"640205b7b0fc66c1ea91c463fac6334d\" }] }\n"
                                 "\n"
                                 "[[virtual_server.real_server]]\n"
                                 "address = \"192.0.2.22\"\n"
                                 "\n"
                                 "[virtual_server.real_server.check]\n"
                                 "type = \"script\"\n"
                                 "command = \"/usr/lib/xvip/check-app --port 80\"\n"
                                 "timeout = \"1s\"\n"
                                 "dynamic = true\n"
                                 "rise = 2\n";

TEST(VirtualServerConfig, TomlVirtualServerMapsToTheSameModel) {
    const ReadResult result = toml(toml_service);
    EXPECT_TRUE(said(result).empty()) << ::testing::PrintToString(said(result));
    EXPECT_EQ(result.config.global.lb_flow_table_entries, 262144u);
    ASSERT_EQ(result.config.virtual_servers.size(), 1u);
    const VirtualServer& vs = result.config.virtual_servers[0];
    EXPECT_EQ(vs.address, ip("192.0.2.100"));
    EXPECT_EQ(vs.origins.block, (SourceLocation{"x.toml", 11, 11}));
    EXPECT_EQ(vs.keepalived_scheduler, std::nullopt);
    EXPECT_EQ(vs.persistence_timeout, 360s);
    EXPECT_EQ(vs.persistence_granularity, 24);
    EXPECT_EQ(vs.check_defaults.interval, 500ms);
    EXPECT_EQ(vs.sorry_server, (SorryServer{ip("192.0.2.30"), 80, {}}));
    ASSERT_EQ(vs.real_servers.size(), 2u);
    const RealServer& web = vs.real_servers[0];
    EXPECT_EQ(web.port, 80);
    EXPECT_EQ(web.weight, 3);
    EXPECT_EQ(web.inhibit_on_failure, false);
    EXPECT_EQ(web.check->type, CheckType::http);
    EXPECT_EQ(web.check->urls.at(0).status_codes, (std::vector<StatusCodeRange>{{200, 200}, {301, 302}}));
    EXPECT_EQ(resolve_check_timing(web.check->timing, vs.check_defaults),
              (ResolvedCheckTiming{500ms, 150ms, 2, 100ms, 1}));
    const RealServer& app = vs.real_servers[1];
    EXPECT_EQ(app.weight, 1);
    EXPECT_EQ(app.check->type, CheckType::script);
    EXPECT_EQ(app.check->command, "/usr/lib/xvip/check-app --port 80");
    EXPECT_EQ(app.check->timeout, 1s);
    EXPECT_TRUE(app.check->dynamic);
    EXPECT_EQ(app.check->timing.rise, 2);
}

TEST(VirtualServerConfig, TomlUnknownKeysAndValuesAreNamedWithSuggestions) {
    const ReadResult result = toml(toml_instance +
                                   "\n"
                                   "[[virtual_server]]\n"
                                   "address = \"192.0.2.100\"\n"
                                   "port = 80\n"
                                   "protocol = \"sctp\"\n"
                                   "scheduler = \"rr\"\n"
                                   "chek_interval = \"1s\"\n"
                                   "lb_kind = \"DR\"\n"
                                   "\n"
                                   "[[virtual_server.real_server]]\n"
                                   "address = \"192.0.2.21\"\n"
                                   "wieght = 2\n"
                                   "check = { type = \"tcp\", conect_port = 81, command = \"/bin/true\" }\n"
                                   "\n"
                                   "[[virtual_server.real_server]]\n"
                                   "address = \"192.0.2.22\"\n"
                                   "check = { type = \"htp\" }\n"
                                   "\n"
                                   "[[virtual_server.real_server]]\n"
                                   "address = \"192.0.2.23\"\n"
                                   "check = { type = \"http\", urls = [{ path = \"/\", status_code = 200 }] }\n"
                                   "\n"
                                   "[[virtual_server.real_server]]\n"
                                   "address = \"192.0.2.24\"\n"
                                   "check = { type = \"script\" }\n");
    EXPECT_EQ(
        said(result),
        (std::vector<std::string>{
            "x.toml:10:12: error: unknown protocol \"sctp\" (fix: xvip forwards TCP and UDP only: keep SCTP "
            "services on IPVS)",
            "x.toml:11:13: error: unknown scheduler \"rr\" (fix: write scheduler = \"maglev\" (weighted "
            "consistent hashing, xvip's only scheduler), or leave it out)",
            "x.toml:18:43: error: unknown key `virtual_server.real_server.check.command` (fix: remove it; "
            "docs/config.md lists every key)",
            "x.toml:18:25: error: unknown key `virtual_server.real_server.check.conect_port` (fix: did you mean "
            "`connect_port`?)",
            "x.toml:17:1: error: unknown key `virtual_server.real_server.wieght` (fix: did you mean `weight`?)",
            "x.toml:22:18: error: unknown check type \"htp\" (fix: did you mean `http`?)",
            "x.toml:26:48: error: unknown key `virtual_server.real_server.check.urls.status_code` (fix: did you "
            "mean `status_codes`?)",
            "x.toml:30:9: error: virtual_server.real_server.check.command is missing (fix: add command = "
            "\"...\")",
            "x.toml:12:1: error: unknown key `virtual_server.chek_interval` (fix: did you mean "
            "`check_interval`?)",
            "x.toml:13:1: error: unknown key `virtual_server.lb_kind` (fix: remove it; docs/config.md lists every "
            "key)",
        }));
}

TEST(VirtualServerConfig, TomlGranularityAloneMakesTheServicePersistentAsInKeepalived) {
    const ReadResult result = toml(toml_instance +
                                   "[[virtual_server]]\naddress = \"192.0.2.100\"\nport = 80\n"
                                   "persistence_granularity = 16\n"
                                   "[[virtual_server.real_server]]\naddress = \"192.0.2.21\"\n");
    EXPECT_TRUE(said(result).empty()) << ::testing::PrintToString(said(result));
    EXPECT_EQ(result.config.virtual_servers.at(0).persistence_timeout, 360s);
    EXPECT_EQ(result.config.virtual_servers.at(0).persistence_granularity, 16);
}

TEST(VirtualServerConfig, TomlServiceWithoutAPortGetsOneErrorOnly) {
    const ReadResult result = toml(toml_instance + "[[virtual_server]]\naddress = \"192.0.2.100\"\n");
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "x.toml:6:1: error: virtual_server.port is missing (fix: add port = N (xvip matches a "
                  "service by VIP, protocol and port))",
                  "x.toml:7:11: error: virtual_server 192.0.2.100:0 has no real servers (fix: add at least "
                  "one real server, or remove the virtual server (keepalived skips it))",
              }));
}

TEST(VirtualServerConfig, TomlEntriesThatAreNotTablesAreNamedByTheirWholePath) {
    const ReadResult result = toml(toml_instance +
                                   "[[virtual_server]]\naddress = \"192.0.2.100\"\nport = 80\n"
                                   "real_server = [\"192.0.2.21\"]\n");
    EXPECT_EQ(said(result),
              (std::vector<std::string>{
                  "x.toml:9:16: error: virtual_server.real_server entries must be tables (fix: write each one as "
                  "a [[virtual_server.real_server]] table, or as an inline table { ... } in the array)",
                  "x.toml:7:11: error: virtual_server 192.0.2.100:80 has no real servers (fix: add at least "
                  "one real server, or remove the virtual server (keepalived skips it))",
              }));
}

TEST(VirtualServerConfig, TomlFlowTableSizeIsChecked) {
    EXPECT_EQ(rendered(toml("[global]\nlb_flow_table_entries = 1000\n").diagnostics),
              (std::vector<std::string>{
                  "x.toml:2:25: error: lb_flow_table_entries 1000 is out of range (fix: set lb_flow_table_entries "
                  "from 1024 to 16777216 (default 65536))",
              }));
    EXPECT_TRUE(toml("[global]\nlb_flow_table_entries = 16777216\n").ok());
    EXPECT_FALSE(toml("[global]\nlb_flow_table_entries = 16777217\n").ok());
}

TEST(VirtualServerConfig, WriterRoundTripKeepsEverySetting) {
    const ReadResult imported =
        keepalived(service("  lb_algo sh\n"
                           "  persistence_timeout 600\n"
                           "  persistence_granularity 255.255.0.0\n"
                           "  delay_loop 0.3\n"
                           "  retry 2\n"
                           "  inhibit_on_failure\n"
                           "  sorry_server 192.0.2.30 80\n"
                           "  quorum 2\n"
                           "  hysteresis 1\n"
                           "  quorum_up /etc/xvip/q.sh up\n"
                           "  quorum_down /etc/xvip/q.sh down\n"
                           "  real_server 192.0.2.21 80 {\n"
                           "    weight 2\n"
                           "    inhibit_on_failure false\n"
                           "    notify_up /etc/xvip/rs.sh up\n"
                           "    notify_down \"/etc/xvip/rs.sh down\"\n"
                           "    HTTP_GET {\n"
                           "      connect_ip 192.0.2.121\n"
                           "      connect_port 8080\n"
                           "      bindto 192.0.2.2\n"
                           "      virtualhost app.example.com\n"
                           "      url {\n"
                           "        path /health\n"
                           "        digest 640205b7b0fc66c1ea91c463fac6334d\n"
                           "        status_code 200 204 300-399\n"
                           "        virtualhost health.example.com\n"
                           "      }\n"
                           "      url {\n"
                           "        path /ready\n"
                           "      }\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.22 80 {\n"
                           "    connect_timeout 0.25\n"
                           "    TCP_CHECK {\n"
                           "      delay_loop 1\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.23 80 {\n"
                           "    MISC_CHECK {\n"
                           "      misc_path \"/usr/lib/xvip/check \\\"quoted\\\"\"\n"
                           "      misc_timeout 2\n"
                           "      misc_dynamic\n"
                           "      user nobody\n"
                           "    }\n"
                           "  }\n"
                           "  real_server 192.0.2.24 80 {\n"
                           "  }\n"));
    ASSERT_TRUE(imported.ok()) << ::testing::PrintToString(rendered(imported.diagnostics));
    const std::string text = write_toml(imported.config);
    EXPECT_NE(text.find("# keepalived: lb_algo sh, lb_kind DR (xvip's only scheduler and forwarding; docs/config.md)\n"
                        "address = \"192.0.2.100\"\nport = 80\nprotocol = \"tcp\"\nscheduler = \"maglev\"\n"),
              std::string::npos)
        << text;
    const ReadResult reread = toml(text);
    EXPECT_TRUE(said(reread).empty()) << ::testing::PrintToString(said(reread)) << text;
    ASSERT_EQ(reread.config.virtual_servers.size(), 1u) << text;
    const VirtualServer& before = imported.config.virtual_servers[0];
    const VirtualServer& after = reread.config.virtual_servers[0];
    EXPECT_TRUE(before.same_service(after)) << text;
    EXPECT_EQ(after.real_servers.at(1).check->timing.connect_timeout, 250ms) << "the real server's, on its check";
    EXPECT_EQ(after.real_servers.at(2).check->command, "/usr/lib/xvip/check \"quoted\"");
    // same_service can fail: a changed weight is a different service.
    VirtualServer changed = after;
    changed.real_servers.at(0).weight = 5;
    EXPECT_FALSE(before.same_service(changed));
}

}  // namespace
}  // namespace xvip
