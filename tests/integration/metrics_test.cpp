// xvipd's Prometheus endpoint (--metrics), scraped from inside the node's network namespace with a
// plain socket client: the exposition text is well-formed, agrees with `xvipctl status --json`,
// carries the data plane's verdicts, follows transitions, and the port is given back on every exit
// path (a hitless restart binds it again at once). Bad values and a port in use are refused with
// nothing attached.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/unique_fd.hpp"
#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

void require_root() {
    ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
}

constexpr int metrics_port = 9650;

struct Scrape {
    int status = 0;  // HTTP status; 0 when nothing answered
    std::string content_type;
    std::string body;
    std::string error;
};

// GET /metrics from `host` (127.0.0.1 or ::1) inside netns; every wait bounded at 2 s.
Scrape scrape(const topo::Topology& topo, const std::string& netns, const std::string& host, int port = metrics_port) {
    return topo.run_in(netns, [&] {
        Scrape out;
        const bool v6 = host.find(':') != std::string::npos;
        UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        timeval tv{.tv_sec = 2, .tv_usec = 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        sockaddr_storage address{};
        socklen_t length = 0;
        if (v6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&address);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(static_cast<std::uint16_t>(port));
            ::inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
            length = sizeof(*a);
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&address);
            a->sin_family = AF_INET;
            a->sin_port = htons(static_cast<std::uint16_t>(port));
            ::inet_pton(AF_INET, host.c_str(), &a->sin_addr);
            length = sizeof(*a);
        }
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
            out.error = std::string("connect: ") + std::strerror(errno);
            return out;
        }
        const std::string request = "GET /metrics HTTP/1.1\r\nHost: xvipd\r\nConnection: close\r\n\r\n";
        if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
            out.error = std::string("send: ") + std::strerror(errno);
            return out;
        }
        std::string response;
        char buffer[8192];
        for (;;) {
            const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
            if (n < 0) {
                out.error = std::string("recv: ") + std::strerror(errno);
                return out;
            }
            if (n == 0) break;
            response.append(buffer, static_cast<std::size_t>(n));
        }
        const auto head_end = response.find("\r\n\r\n");
        if (head_end == std::string::npos || response.compare(0, 9, "HTTP/1.1 ") != 0) {
            out.error = "not an HTTP response: " + response.substr(0, 200);
            return out;
        }
        out.status = std::stoi(response.substr(9, 3));
        const std::string head = response.substr(0, head_end);
        std::smatch m;
        if (std::regex_search(head, m, std::regex("\r\nContent-Type: ([^\r]*)", std::regex::icase))) {
            out.content_type = m[1];
        }
        out.body = response.substr(head_end + 4);
        return out;
    });
}

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Exposition {
    std::vector<Sample> samples;
    std::map<std::string, std::string> types;  // family -> counter/gauge

    // The value of the one sample of `name` whose labels include all of `match`.
    std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& match) const {
        std::optional<double> found;
        for (const auto& s : samples) {
            if (s.name != name) continue;
            bool all = true;
            for (const auto& [k, v] : match) all = all && s.labels.count(k) && s.labels.at(k) == v;
            if (!all) continue;
            if (found) ADD_FAILURE() << name << ": more than one sample matches";
            found = s.value;
        }
        return found;
    }
};

// Parses the text format strictly: every line is `# HELP`, `# TYPE` or `name{labels} value`; each
// family has HELP and TYPE before its samples, and its samples are together.
Exposition parse(const std::string& text) {
    Exposition e;
    const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
    const std::regex help_re("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)");
    const std::regex type_re("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped|histogram|summary)");
    const std::regex sample_re(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+))re");
    const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
    std::set<std::string> helped, finished;
    std::string current;
    std::istringstream in(text);
    std::string line;
    EXPECT_TRUE(!text.empty() && text.back() == '\n') << "the text ends with a newline";
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, help_re)) {
            EXPECT_FALSE(helped.count(m[1])) << "HELP twice for " << m[1];
            helped.insert(m[1]);
            if (!current.empty() && current != m[1]) finished.insert(current);
            current = m[1];
        } else if (std::regex_match(line, m, type_re)) {
            EXPECT_EQ(m[1], current) << "TYPE right after its HELP: " << line;
            e.types[m[1]] = m[2];
        } else if (std::regex_match(line, m, sample_re)) {
            Sample s{.name = m[1]};
            EXPECT_EQ(s.name, current) << "a sample outside its family (HELP/TYPE first): " << line;
            EXPECT_FALSE(finished.count(s.name)) << "the samples of a family are together: " << line;
            const std::string labels = m[3];
            for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label_re); it != std::sregex_iterator();
                 ++it) {
                EXPECT_FALSE(s.labels.count((*it)[1])) << "label twice: " << line;
                s.labels[(*it)[1]] = (*it)[2];
            }
            std::size_t used = 0;
            const std::string value = m[4];
            try {
                s.value = std::stod(value, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            EXPECT_EQ(used, value.size()) << "not a number: " << line;
            e.samples.push_back(std::move(s));
        } else {
            ADD_FAILURE() << "neither a comment nor a sample: '" << line << "'";
        }
    }
    for (const auto& [family, type] : e.types) {
        EXPECT_TRUE(std::regex_match(family, std::regex("xvip_[a-z0-9_]+"))) << family;
        if (type == "counter") {
            EXPECT_TRUE(family.ends_with("_total")) << "a counter's name ends in _total: " << family;
        } else {
            EXPECT_FALSE(family.ends_with("_total")) << family;
        }
    }
    EXPECT_EQ(helped.size(), e.types.size()) << "every family has both HELP and TYPE";
    for (const auto& s : e.samples) {
        EXPECT_TRUE(e.types.count(s.name)) << s.name;
        if (e.types[s.name] == "counter") {
            EXPECT_GE(s.value, 0) << s.name;
        }
    }
    return e;
}

std::uint64_t counter(const nlohmann::json& status, const char* name) {
    return status["instances"][0]["counters"][name].get<std::uint64_t>();
}

std::map<std::string, std::string> vi_1(const std::string& family = "ipv4") {
    return {{"instance", "VI_1"}, {"interface", "eth0"}, {"family", family}, {"vrid", "51"}};
}

std::map<std::string, std::string> plus(std::map<std::string, std::string> labels, const std::string& k,
                                        const std::string& v) {
    labels[k] = v;
    return labels;
}

// Scrapes until `done` holds (every 50 ms, at most `timeout`); the last exposition either way.
Exposition scrape_until(XvipdCluster& c, std::size_t node, const std::string& host,
                        const std::function<bool(const Exposition&)>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto s = scrape(c.topology(), c.node(node).netns, host);
        Exposition e;
        if (s.status == 200) {
            e = parse(s.body);
            if (done(e)) return e;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ADD_FAILURE() << "scrape_until: condition not met within " << timeout.count() << " ms; last: " << s.status
                          << " " << s.error;
            return e;
        }
        std::this_thread::sleep_for(50ms);
    }
}

TEST(XvipdMetrics, ServesWellFormedMetricsThatAgreeWithStatus) {
    require_root();
    XvipdCluster c({.nodes = 2}, {{.priority = 150}, {.priority = 100}});
    c.start(0, {"--metrics", std::to_string(metrics_port)});             // 127.0.0.1
    c.start(1, {"--metrics", "[::1]:" + std::to_string(metrics_port)});  // IPv6 loopback
    ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0) << c.log(1);
    std::this_thread::sleep_for(600ms);  // several adverts, more than one snapshot period

    // Node 0: active. The snapshot is at most 250 ms old, between two status reads.
    const auto before = c.status(0);
    const auto s = scrape(c.topology(), c.node(0).netns, "127.0.0.1");
    const auto after = c.status(0);
    ASSERT_EQ(s.status, 200) << s.error << c.log(0);
    EXPECT_EQ(s.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const auto e = parse(s.body);
    std::printf("%zu samples in %zu families from node0, e.g.:\n%s\n", e.samples.size(), e.types.size(),
                s.body.substr(0, 400).c_str());
    ASSERT_FALSE(before.contains("error")) << before.dump();

    EXPECT_EQ(e.value("xvip_build_info", {{"version", before["version"].get<std::string>()}}), 1.0);
    for (const char* state : {"INIT", "BACKUP", "MASTER", "FAULT"}) {
        EXPECT_EQ(e.value("xvip_instance_state", plus(vi_1(), "state", state)),
                  before["instances"][0]["state"] == state ? 1.0 : 0.0)
            << state;
    }
    EXPECT_EQ(e.value("xvip_instance_state", plus(vi_1(), "state", "MASTER")), 1.0);
    EXPECT_EQ(e.value("xvip_instance_dataplane_role", plus(vi_1(), "role", "active")), 1.0);
    EXPECT_EQ(e.value("xvip_instance_priority", vi_1()), before["instances"][0]["priority"].get<double>());
    EXPECT_EQ(e.value("xvip_instance_priority", vi_1()), 150.0);
    EXPECT_EQ(e.value("xvip_instance_transitions_total", vi_1()), after["instances"][0]["transitions"].get<double>());
    const auto sent = e.value("xvip_adverts_sent_total", vi_1());
    ASSERT_TRUE(sent);
    EXPECT_GE(*sent, 5.0) << "adverts every 100 ms for more than 600 ms";
    EXPECT_LE(*sent, static_cast<double>(counter(after, "adverts_sent")));
    EXPECT_GE(*sent + 4, static_cast<double>(counter(before, "adverts_sent"))) << "at most 250 ms (+ margin) behind";
    const auto lease = e.value("xvip_lease_remaining_seconds", vi_1());
    ASSERT_TRUE(lease);
    EXPECT_GT(*lease, 0.0);
    EXPECT_LE(*lease, 0.3) << "3 x 100 ms";
    for (const char* reason : {"truncated", "bad_checksum", "own_advert", "not_a_peer"}) {
        EXPECT_TRUE(e.value("xvip_advert_discards_total", plus(vi_1(), "reason", reason))) << reason;
        EXPECT_TRUE(e.value("xvip_interface_advert_discards_total", {{"interface", "eth0"}, {"reason", reason}}));
    }
    // Every data-plane verdict xvipctl knows is there.
    const auto counters = c.topology().run_checked(
        c.node(0).netns, {XVIPCTL, "counters", "--dev", "eth0", "--pin-root", c.node(0).pin_dir.string(), "--json"});
    const auto verdicts = nlohmann::json::parse(counters.out);
    std::size_t seen = 0;
    std::function<void(const nlohmann::json&)> each_number = [&](const nlohmann::json& j) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it->is_object()) each_number(*it);
            if (it->is_number() && j.is_object()) {
                EXPECT_TRUE(e.value("xvip_dataplane_frames_total", {{"interface", "eth0"}, {"verdict", it.key()}}))
                    << it.key();
                ++seen;
            }
        }
    };
    each_number(verdicts);
    EXPECT_GE(seen, 10u) << counters.out;

    // The client asks for the VIP: the active node's XDP program answers, and the counter shows it.
    c.topology().run(c.client().netns, {"arping", "-c", "2", "-w", "3", "-I", "eth0", c.vip()});
    const auto arp = scrape_until(
        c, 0, "127.0.0.1",
        [](const Exposition& x) {
            return x.value("xvip_dataplane_frames_total", {{"interface", "eth0"}, {"verdict", "arp_reply"}})
                       .value_or(0) >= 1;
        },
        2s);
    EXPECT_GE(arp.value("xvip_dataplane_frames_total", {{"interface", "eth0"}, {"verdict", "arp_reply"}}).value_or(0),
              1.0);

    // Node 1, over IPv6 loopback: backup, hearing node 0's adverts.
    const auto s1 = scrape(c.topology(), c.node(1).netns, "::1");
    const auto status1 = c.status(1);
    ASSERT_EQ(s1.status, 200) << s1.error << c.log(1);
    const auto e1 = parse(s1.body);
    EXPECT_EQ(e1.value("xvip_instance_state", plus(vi_1(), "state", "BACKUP")), 1.0);
    EXPECT_EQ(e1.value("xvip_instance_dataplane_role", plus(vi_1(), "role", "standby")), 1.0);
    EXPECT_EQ(e1.value("xvip_lease_remaining_seconds", vi_1()), 0.0);
    EXPECT_EQ(e1.value("xvip_instance_priority", vi_1()), 100.0);
    const auto received = e1.value("xvip_adverts_received_total", vi_1());
    ASSERT_TRUE(received);
    EXPECT_GE(*received, 5.0);
    EXPECT_LE(*received, static_cast<double>(counter(status1, "adverts_received")));
    // A backup sends nothing (it may have been active for a moment while node 0 was starting).
    EXPECT_EQ(e1.value("xvip_adverts_sent_total", vi_1()), static_cast<double>(counter(status1, "adverts_sent")));
    EXPECT_FALSE(scrape(c.topology(), c.node(1).netns, "127.0.0.1").status) << "bound to ::1 only";

    // A transition shows at once: node 0 hands over (planned stop), node 1 becomes MASTER.
    c.daemon(0)->send_signal(SIGTERM);
    ASSERT_TRUE(c.wait_for_sole_active(1, 3s)) << c.log(1);
    const auto master = scrape_until(
        c, 1, "::1",
        [](const Exposition& x) { return x.value("xvip_instance_state", plus(vi_1(), "state", "MASTER")) == 1.0; }, 1s);
    EXPECT_GE(master.value("xvip_instance_transitions_total", vi_1()).value_or(0), 2.0) << "INIT->BACKUP->MASTER";
    EXPECT_GT(master.value("xvip_instance_last_transition_timestamp_seconds", vi_1()).value_or(0), 1.6e9);
    EXPECT_EQ(c.daemon(0)->wait(10s).code, 0) << c.log(0);
    EXPECT_FALSE(scrape(c.topology(), c.node(0).netns, "127.0.0.1").status) << "the stopped xvipd's port is closed";

    // The hitless restart path gives the port back: the next xvipd binds it again at once.
    EXPECT_EQ(c.stop(1, SIGUSR2).code, 0) << c.log(1);
    EXPECT_FALSE(scrape(c.topology(), c.node(1).netns, "::1").status);
    c.start(1, {"--metrics", "[::1]:" + std::to_string(metrics_port)});
    const auto resumed = scrape_until(
        c, 1, "::1",
        [](const Exposition& x) { return x.value("xvip_instance_state", plus(vi_1(), "state", "MASTER")) == 1.0; }, 2s);
    EXPECT_EQ(resumed.value("xvip_instance_dataplane_role", plus(vi_1(), "role", "active")), 1.0) << c.log(1);

    // A reload keeps serving.
    c.daemon(1)->send_signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(scrape(c.topology(), c.node(1).netns, "::1").status, 200) << c.log(1);
}

std::size_t open_descriptors(pid_t pid) {
    std::size_t n = 0;
    std::error_code ignored;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ignored);
         it != std::filesystem::directory_iterator(); it.increment(ignored)) {
        ++n;
    }
    return n;
}

// Sockets opened by the test, closed however it ends.
struct OpenSockets {
    std::vector<int> fds;
    ~OpenSockets() {
        for (const int fd : fds) ::close(fd);
    }
};

// 1200 idle connections to the metrics port (nothing sent on them), against an xvipd with
// systemd's default soft limit of 1024 descriptors: xvipd's descriptors stay bounded, its control
// socket answers, and a track script of weight 0 (a failure would be FAULT, a failover) keeps
// running and passing, so nothing moves.
// The load balancer's series agree with `xvipctl status --json`: a service in the data plane, a real
// server whose TCP_CHECK is refused (nothing listens on it: down, no new flows, its configured
// weight) and one without a check (up).
TEST(XvipdMetrics, EachVirtualServiceAndRealServerAgreesWithStatus) {
    require_root();
    const std::string checked = topo::address_plan::client_ipv4(1);
    const std::string unchecked = topo::address_plan::client_ipv4(2);
    const std::string trailer = "virtual_server " + topo::address_plan::vip_ipv4(0) +
                                " 80 {\n    lb_algo mh\n    lb_kind DR\n    protocol TCP\n    real_server " + checked +
                                " 80 {\n        weight 2\n        TCP_CHECK {\n            delay_loop 1\n"
                                "            connect_timeout 1\n        }\n    }\n    real_server " +
                                unchecked + " 80 {\n        weight 3\n    }\n}\n";
    XvipdCluster c({.nodes = 1, .clients = 3, .trailer = trailer}, {{.priority = 150}});
    c.start(0, {"--metrics", std::to_string(metrics_port)});
    ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0);
    const std::string service = "tcp " + topo::address_plan::vip_ipv4(0) + ":80";
    const auto at = [&](const std::string& address) {
        return std::map<std::string, std::string>{{"service", service}, {"address", address}};
    };
    const auto e = scrape_until(
        c, 0, "127.0.0.1", [&](const Exposition& x) { return x.value("xvip_lb_real_server_up", at(checked)) == 0.0; },
        10s);
    const auto status = c.status(0);
    ASSERT_EQ(status["virtual_servers"].size(), 1u) << status.dump(2);
    const auto& vs = status["virtual_servers"][0];
    EXPECT_EQ(vs["service"], service);
    EXPECT_EQ(e.value("xvip_lb_service_served", {{"service", service}}), 1.0);
    EXPECT_EQ(e.value("xvip_lb_service_ring", {{"service", service}, {"holds", "real_servers"}}),
              vs["ring"] == "real servers" ? 1.0 : 0.0);
    EXPECT_EQ(e.value("xvip_lb_service_quorum_up", {{"service", service}}), vs["quorum"]["up"] == true ? 1.0 : 0.0);
    EXPECT_EQ(e.value("xvip_lb_service_live_weight", {{"service", service}}),
              vs["quorum"]["live_weight"].get<double>());
    for (const auto& rs : vs["real_servers"]) {
        const std::string address = rs["address"];
        EXPECT_EQ(e.value("xvip_lb_real_server_up", at(address)), rs["health"] == "down" ? 0.0 : 1.0) << address;
        EXPECT_EQ(e.value("xvip_lb_real_server_weight", at(address)), rs["weight"].get<double>()) << address;
        EXPECT_EQ(e.value("xvip_lb_real_server_flows", at(address)), 0.0) << "no client connected: " << address;
    }
    EXPECT_EQ(vs["real_servers"][0]["health"], "down");
    EXPECT_EQ(vs["real_servers"][1]["health"], "unchecked");
    EXPECT_EQ(e.value("xvip_lb_real_server_takes_new_flows", at(checked)), 0.0) << "down: no new flows";
    EXPECT_EQ(e.value("xvip_lb_real_server_weight", at(unchecked)), 3.0);
}

TEST(XvipdMetrics, AFloodOfIdleConnectionsNeitherExhaustsDescriptorsNorMovesTheVip) {
    require_root();
    XvipdCluster c({.nodes = 2},
                   {{.priority = 150, .extra = "    track_script {\n        chk_ok\n    }\n"}, {.priority = 100}});
    const auto dir = c.topology().run_dir() / "scripts";
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    const auto script = dir / "ok.sh";
    std::ofstream(script) << "#!/bin/sh\nexit 0\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    auto conf = c.keepalived_conf(0);
    conf.insert(conf.find("vrrp_instance"),
                "vrrp_script chk_ok {\n    script \"" + script.string() + "\"\n    interval 1\n    weight 0\n}\n");
    c.write_config(0, conf);
    // systemd's DefaultLimitNOFILE=1024:524288, which xvipd's unit keeps.
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    struct RestoreLimit {
        rlimit limit;
        ~RestoreLimit() { ::setrlimit(RLIMIT_NOFILE, &limit); }
    } restore{saved};  // however the test ends
    rlimit systemd_default{std::min<rlim_t>(1024, saved.rlim_max), saved.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &systemd_default), 0);
    c.start(0, {"--metrics", std::to_string(metrics_port)});
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 5s)) << c.log(0) << c.log(1);
    std::this_thread::sleep_for(1500ms);  // the script has run and passed
    const pid_t pid = c.daemon(0)->pid();
    const auto baseline = open_descriptors(pid);
    const auto before = c.status(0);
    ASSERT_EQ(before["instances"][0]["state"], "MASTER") << before.dump(2);

    constexpr int flood = 1200;
    rlimit own = saved;
    own.rlim_cur = std::max<rlim_t>(saved.rlim_cur, std::min<rlim_t>(saved.rlim_max, 4096));
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &own), 0);
    OpenSockets sockets;
    sockets.fds = c.topology().run_in(
        c.node(0).netns,
        [] {
            std::vector<int> fds;
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(metrics_port);
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            // Each connection waits up to 100 ms for its handshake, as long as the server keeps
            // taking them; once 20 in a row wait in vain (its backlog is full), the rest are fired
            // without waiting.
            int unanswered = 0;
            for (int i = 0; i < flood; ++i) {
                const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0) break;
                fds.push_back(fd);
                if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0 || errno != EINPROGRESS ||
                    unanswered >= 20) {
                    continue;
                }
                pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
                unanswered = ::poll(&p, 1, 100) == 1 ? 0 : unanswered + 1;
            }
            return fds;
        },
        30s);
    ASSERT_EQ(sockets.fds.size(), static_cast<std::size_t>(flood));

    // Three script intervals under the flood.
    std::size_t most = 0;
    int answered = 0, asked = 0;
    const auto flooded = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - flooded < 3s) {
        most = std::max(most, open_descriptors(pid));
        const auto status = c.status(0);
        ++asked;
        if (!status.contains("error")) ++answered;
        EXPECT_EQ(c.role(0), "active");
        std::this_thread::sleep_for(200ms);
    }
    std::printf("under the flood: %zu descriptors at most (%zu before), control socket answered %d of %d\n", most,
                baseline, answered, asked);
    // 8 connections held, one more waiting for room, and room for a script being started (3) and
    // the control socket's clients.
    EXPECT_LE(most, baseline + 16) << "the metrics server holds a bounded number of connections";
    EXPECT_EQ(answered, asked) << "the control socket answers under the flood\n" << c.log(0);
    const auto after = c.status(0);
    ASSERT_FALSE(after.contains("error")) << after.dump();
    EXPECT_EQ(after["instances"][0]["transitions"], before["instances"][0]["transitions"])
        << "the track script failed for want of descriptors\n"
        << c.log(0);
    EXPECT_EQ(after["instances"][0]["state"], "MASTER");
    EXPECT_EQ(c.active_nodes(), std::vector<std::size_t>{0});

    for (const int fd : sockets.fds) ::close(fd);
    sockets.fds.clear();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    // The idle connections gone, scrapes are served again.
    Scrape s;
    const auto closed = std::chrono::steady_clock::now();
    while ((s = scrape(c.topology(), c.node(0).netns, "127.0.0.1")).status != 200 &&
           std::chrono::steady_clock::now() - closed < 5s) {
    }
    EXPECT_EQ(s.status, 200) << s.error;
}

TEST(XvipdMetrics, PortInUseIsRefusedWithNothingAttached) {
    require_root();
    XvipdCluster c({.nodes = 1}, {{.priority = 150}});
    // Someone else listens on the port in node 0's namespace.
    UniqueFd holder = c.topology().run_in(c.node(0).netns, [] {
        UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{.sin_family = AF_INET, .sin_port = htons(metrics_port), .sin_addr = {htonl(INADDR_LOOPBACK)}};
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd.get(), 1) != 0) {
            return UniqueFd();
        }
        return fd;
    });
    ASSERT_TRUE(holder.get() >= 0);
    auto& d = c.start(0, {"--metrics", "127.0.0.1:" + std::to_string(metrics_port)});
    const auto exit = d.wait(10s);
    EXPECT_EQ(exit.code, 1) << c.log(0);
    EXPECT_NE(c.log(0).find("metrics: cannot listen on 127.0.0.1:9650"), std::string::npos) << c.log(0);
    EXPECT_FALSE(c.role(0)) << "nothing attached or pinned";
}

TEST(XvipdMetrics, BadValuesAreRefusedBeforeAnything) {
    // No root needed: the command line is refused before the configuration is even read.
    for (const char* bad : {"0", "65536", "localhost:9650", "::1:9650", "[::1]9650", "1.2.3:80", "[10.0.0.1]:80", ""}) {
        const std::string command = std::string(XVIPD) + " --keepalived-conf /nonexistent --metrics '" + bad + "' 2>&1";
        FILE* pipe = ::popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string out;
        char buffer[512];
        while (std::fgets(buffer, sizeof(buffer), pipe)) out += buffer;
        const int status = ::pclose(pipe);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << bad << ": " << out;
        EXPECT_NE(out.find("--metrics '" + std::string(bad) + "'"), std::string::npos) << out;
        EXPECT_EQ(out.find("nonexistent"), std::string::npos) << "refused before the configuration is read: " << out;
    }
}

}  // namespace
}  // namespace xvip::test
