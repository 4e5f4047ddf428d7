#include "daemon/real_server_checks.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "daemon_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

IpAddress loopback(int last = 1) {
    return IpAddress::v4({127, 0, 0, static_cast<std::uint8_t>(last)});
}

std::size_t open_descriptors() {
    std::size_t count = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (::readdir(dir) != nullptr) ++count;
        ::closedir(dir);
    }
    return count;
}

std::uint16_t bound_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

UniqueFd loopback_socket() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    return fd;
}

// A port on 127.0.0.1 that is bound but not listening: every connect to it is refused.
struct RefusingPort {
    UniqueFd fd = loopback_socket();
    std::uint16_t port = bound_port(fd.get());
};

// A server on 127.0.0.1, run by the test's own loop. Each connection is answered, once its request
// has arrived, with the next of `responses` (the last one repeated), then closed; without responses
// (TCP) it waits for the client to close; with `answer` off it holds the connection in silence.
// Counts the connections it accepted and how their clients closed them.
class TestServer {
public:
    explicit TestServer(EventLoop& loop, std::vector<std::string> responses = {})
        : loop_(loop), responses_(std::move(responses)) {
        EXPECT_EQ(::listen(listener_.get(), 64), 0);
        loop_.watch(listener_.get(), [this] { accept_one(); });
    }
    ~TestServer() {
        for (auto& connection : connections_) {
            if (connection->fd) loop_.unwatch(connection->fd.get());
        }
        if (listener_) loop_.unwatch(listener_.get());
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::uint16_t port() const { return port_; }
    int accepted() const { return accepted_; }
    int closed_by_fin() const { return closed_by_fin_; }
    int closed_by_reset() const { return closed_by_reset_; }
    bool answer = true;
    // Stops listening: from now on connects are refused.
    void close_listener() {
        loop_.unwatch(listener_.get());
        listener_.reset();
    }

private:
    struct Connection {
        UniqueFd fd;
        std::string request;
        std::string reply;
        std::size_t sent = 0;
    };

    void accept_one() {
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) return;
        ++accepted_;
        auto connection = std::make_unique<Connection>();
        connection->fd = std::move(fd);
        if (!responses_.empty()) {
            connection->reply =
                responses_[std::min<std::size_t>(static_cast<std::size_t>(accepted_ - 1), responses_.size() - 1)];
        }
        Connection* c = connection.get();
        connections_.push_back(std::move(connection));
        if (!answer) return;
        loop_.watch(c->fd.get(), [this, c] { read_request(*c); });
    }

    void read_request(Connection& c) {
        char buffer[4096];
        const auto n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
        if (n == 0) ++closed_by_fin_;
        if (n < 0 && errno == ECONNRESET) ++closed_by_reset_;
        if (n <= 0) return finish(c);
        if (responses_.empty()) return;
        c.request.append(buffer, static_cast<std::size_t>(n));
        if (c.request.find("\r\n\r\n") == std::string::npos) return;
        loop_.unwatch(c.fd.get());
        start_reply(c);
    }

    void start_reply(Connection& c) {
        loop_.watch_writable(c.fd.get(), [this, &c] { write_reply(c); });
    }

    void write_reply(Connection& c) {
        while (c.sent < c.reply.size()) {
            const auto n = ::send(c.fd.get(), c.reply.data() + c.sent, c.reply.size() - c.sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN) return;
            if (n <= 0) break;  // the client went away
            c.sent += static_cast<std::size_t>(n);
        }
        loop_.unwatch(c.fd.get());
        finish(c);
    }

    void finish(Connection& c) {
        if (c.fd) loop_.unwatch(c.fd.get());
        c.fd.reset();
    }

    EventLoop& loop_;
    std::vector<std::string> responses_;
    UniqueFd listener_ = loopback_socket();
    std::uint16_t port_ = bound_port(listener_.get());
    int accepted_ = 0;
    int closed_by_fin_ = 0;
    int closed_by_reset_ = 0;
    std::vector<std::unique_ptr<Connection>> connections_;
};

std::string http_response(const std::string& status, const std::string& body, bool with_length = true) {
    return "HTTP/1.1 " + status + "\r\n" +
           (with_length ? "Content-Length: " + std::to_string(body.size()) + "\r\n" : std::string()) +
           "Connection: close\r\n\r\n" + body;
}

// Fast timing, so that every test ends well within a second or two.
CheckTiming fast(int retry = 0, int rise = 1) {
    return {.interval = 30ms, .connect_timeout = 100ms, .retry = retry, .delay_before_retry = 20ms, .rise = rise};
}

HealthCheck tcp_check(std::uint16_t port, CheckTiming timing = fast()) {
    HealthCheck check;
    check.type = CheckType::tcp;
    check.timing = timing;
    check.connect_ip = loopback();
    check.connect_port = port;
    return check;
}

HealthCheck http_check(std::uint16_t port, std::vector<HttpUrl> urls, CheckTiming timing = fast()) {
    HealthCheck check = tcp_check(port, timing);
    check.type = CheckType::http;
    check.urls = std::move(urls);
    return check;
}

HttpUrl url(std::string path, std::string digest = {}, std::vector<StatusCodeRange> codes = {}) {
    HttpUrl u;
    u.path = std::move(path);
    u.digest = std::move(digest);
    u.status_codes = std::move(codes);
    return u;
}

std::string own_user() {
    const passwd* pw = ::getpwuid(::geteuid());
    return pw != nullptr ? pw->pw_name : "";
}

HealthCheck script_check(const std::string& command, CheckTiming timing = fast(), bool dynamic = false) {
    HealthCheck check;
    check.type = CheckType::script;
    check.timing = timing;
    check.command = command;
    check.dynamic = dynamic;
    check.user = own_user();
    return check;
}

// One TCP service on 127.0.0.1:80 with one real server per check, at 127.0.0.1, .2, ...: the
// address names the server (the key), connect_port says where its check goes.
VirtualServer service(std::vector<HealthCheck> checks) {
    VirtualServer vs;
    vs.address = loopback();
    vs.port = 80;
    int last = 1;
    for (auto& check : checks) {
        RealServer rs;
        rs.address = loopback(last++);
        rs.check = std::move(check);
        vs.real_servers.push_back(std::move(rs));
    }
    return vs;
}

lb::RealServerKey key_of(int last = 1) {
    return {{loopback(), ServiceProtocol::tcp, 80}, loopback(last)};
}

ScriptPolicy policy() {
    return {.enforce_security = true, .daemon_uid = ::geteuid()};
}

PreparedCheckScripts prepared(const std::vector<VirtualServer>& servers) {
    auto scripts = RealServerChecks::prepare(servers, "", policy());
    EXPECT_TRUE(scripts) << (scripts ? "" : scripts.error().message);
    return scripts ? scripts.value() : PreparedCheckScripts{};
}

// The checks, their loop and what they reported.
struct Harness {
    EventLoop loop;
    ChildProcesses children{loop, 50ms};
    std::vector<std::pair<lb::RealServerKey, lb::RealServerHealth>> changes;
    std::vector<std::string> log;
    RealServerChecks checks{loop, children,
                            [this](const auto& key, const auto& health) { changes.emplace_back(key, health); },
                            [this](std::string_view line) { log.emplace_back(line); }};

    void configure(const std::vector<VirtualServer>& servers) { checks.configure(servers, prepared(servers)); }
    std::size_t changes_of(const lb::RealServerKey& key) const {
        return static_cast<std::size_t>(
            std::count_if(changes.begin(), changes.end(), [&](const auto& change) { return change.first == key; }));
    }
    std::optional<lb::RealServerHealth> last_of(const lb::RealServerKey& key) const {
        for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
            if (it->first == key) return it->second;
        }
        return std::nullopt;
    }
    bool wait_for_changes(const lb::RealServerKey& key, std::size_t count, std::chrono::milliseconds limit = 3000ms) {
        return test::run_until(
            loop, [&] { return changes_of(key) >= count; }, limit);
    }
    bool logged(const std::string& text) const {
        return std::any_of(log.begin(), log.end(),
                           [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }
    const nlohmann::json& status_of(int last = 1) {
        status_ = checks.status();
        for (const auto& entry : status_) {
            if (entry["address"] == loopback(last).to_string()) return entry;
        }
        static const nlohmann::json none;
        return none;
    }

private:
    nlohmann::json status_;
};

TEST(RealServerChecks, ATcpCheckThatConnectsIsUp) {
    Harness h;
    TestServer server(h.loop);
    h.configure({service({tcp_check(server.port())})});
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_TRUE(h.last_of(key_of())->up);
    EXPECT_EQ(h.checks.health().at(key_of()).up, true);
    EXPECT_GE(server.accepted(), 1);
    ASSERT_TRUE(test::run_until(h.loop, [&] { return server.closed_by_fin() >= 1; }));
    EXPECT_EQ(server.closed_by_reset(), 0) << "a check's connection ends with a FIN, not a reset";
    EXPECT_TRUE(h.logged("real server 127.0.0.1:80 of tcp 127.0.0.1:80: up (TCP_CHECK)"));
    EXPECT_EQ(h.status_of()["state"], "up");
    EXPECT_EQ(h.status_of()["check"], "TCP_CHECK");
}

TEST(RealServerChecks, ARefusedConnectionIsDownAfterItsRetries) {
    Harness h;
    RefusingPort refusing;
    h.configure({service({tcp_check(refusing.port, fast(/*retry=*/1))})});
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_FALSE(h.last_of(key_of())->up);
    // Refusal is at once: the retry's delay and a little more, never a timeout.
    EXPECT_LT(Clock::now() - t0, 20ms + 100ms);
    EXPECT_TRUE(h.logged(": down (TCP_CHECK: connection refused after 2 tries)"));
    EXPECT_EQ(h.status_of()["last_error"], "connection refused after 2 tries");
}

TEST(RealServerChecks, AServerThatStopsListeningGoesDownWithinIntervalAndTimeouts) {
    Harness h;
    TestServer server(h.loop);
    h.configure({service({tcp_check(server.port(), fast(/*retry=*/1))})});
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    ASSERT_TRUE(h.last_of(key_of())->up);
    server.close_listener();
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 2));
    EXPECT_FALSE(h.last_of(key_of())->up);
    // interval + connect_timeout + delay_before_retry + connect_timeout, with room for a busy host
    EXPECT_LT(Clock::now() - t0, 30ms + 100ms + 20ms + 100ms + 200ms);
}

TEST(RealServerChecks, AServerThatNeverAnswersTimesOut) {
    Harness h;
    TestServer server(h.loop, {http_response("200 OK", "")});
    server.answer = false;
    h.configure({service({http_check(server.port(), {url("/health")})})});
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_FALSE(h.last_of(key_of())->up);
    EXPECT_GE(Clock::now() - t0, 100ms) << "decided before connect_timeout";
    EXPECT_LT(Clock::now() - t0, 100ms + 200ms);
    EXPECT_TRUE(h.logged("down (HTTP_GET: GET /health: no complete response within 100 ms after 1 try)"));
}

TEST(RealServerChecks, EveryRetryIsAnotherConnectionDelayBeforeRetryApart) {
    Harness h;
    TestServer server(h.loop, {http_response("500 Internal Server Error", "")});
    auto timing = fast(/*retry=*/2);
    timing.interval = 1000ms;  // no second attempt while the test looks
    h.configure({service({http_check(server.port(), {url("/health")}, timing)})});
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_FALSE(h.last_of(key_of())->up);
    EXPECT_EQ(server.accepted(), 3) << "one try and two retries, then down";
    EXPECT_GE(Clock::now() - t0, 2 * 20ms);
    EXPECT_TRUE(h.logged("down (HTTP_GET: GET /health: status 500, expected 200-299 after 3 tries)"));
    EXPECT_EQ(h.status_of()["failed_attempts"], 1);
}

TEST(RealServerChecks, ATryThatPassesOnRetryKeepsTheServerUp) {
    Harness h;
    TestServer server(h.loop, {http_response("503 Service Unavailable", ""), http_response("200 OK", "ok")});
    auto timing = fast(/*retry=*/1);
    timing.interval = 1000ms;  // no second attempt while the test looks
    h.configure({service({http_check(server.port(), {url("/health")}, timing)})});
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_TRUE(h.last_of(key_of())->up);
    EXPECT_EQ(server.accepted(), 2);
    EXPECT_EQ(h.status_of()["failed_attempts"], 0);
}

TEST(RealServerChecks, ASeededDownServerNeedsRiseAttemptsInARow) {
    Harness h;
    TestServer server(h.loop);
    h.configure({service({tcp_check(server.port(), fast(/*retry=*/0, /*rise=*/3))})});
    h.checks.seed(key_of(), false);
    EXPECT_EQ(h.checks.health().at(key_of()).up, false) << "seeded before the first result";
    EXPECT_EQ(h.status_of()["state"], "down");
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_TRUE(h.last_of(key_of())->up);
    EXPECT_EQ(h.status_of()["attempts"], 3);
    EXPECT_EQ(server.accepted(), 3);
    EXPECT_GE(Clock::now() - t0, 2 * 30ms) << "three attempts are two intervals apart at least";
}

TEST(RealServerChecks, ASeedNeverOverridesAVerdict) {
    Harness h;
    TestServer server(h.loop);
    h.configure({service({tcp_check(server.port())})});
    h.checks.seed(key_of(9), false);  // no such real server
    EXPECT_TRUE(h.checks.health().empty());
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    h.checks.seed(key_of(), false);
    EXPECT_TRUE(h.checks.health().at(key_of()).up);
}

TEST(RealServerChecks, HttpStatusMustBeInTheUrlsRanges) {
    Harness h;
    TestServer redirecting(h.loop, {http_response("302 Found", "")});
    h.configure({service({http_check(redirecting.port(), {url("/", {}, {{300, 399}})}),
                          http_check(redirecting.port(), {url("/")}),
                          http_check(redirecting.port(), {url("/", {}, {{200, 200}, {302, 302}})})})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 3; }));
    const auto health = h.checks.health();
    EXPECT_TRUE(health.at(key_of(1)).up);
    EXPECT_FALSE(health.at(key_of(2)).up);
    EXPECT_TRUE(health.at(key_of(3)).up);
    EXPECT_TRUE(h.logged("status 302, expected 200-299"));
}

TEST(RealServerChecks, EveryUrlMustPass) {
    Harness h;
    TestServer server(h.loop, {http_response("200 OK", ""), http_response("404 Not Found", "")});
    h.configure({service({http_check(server.port(), {url("/a"), url("/b")})})});
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_FALSE(h.last_of(key_of())->up);
    EXPECT_TRUE(h.logged("GET /b: status 404"));
}

// Reference values: MD5 test vectors (RFC 1321 A.5 for "", the well-known pangram).
constexpr const char* md5_of_nothing = "d41d8cd98f00b204e9800998ecf8427e";
constexpr const char* pangram = "The quick brown fox jumps over the lazy dog";
constexpr const char* md5_of_pangram = "9e107d9d372bb6826bd81d3542a419d6";

TEST(RealServerChecks, TheBodyMustHaveTheDigest) {
    Harness h;
    TestServer with_length(h.loop, {http_response("200 OK", pangram)});
    TestServer until_close(h.loop, {http_response("200 OK", pangram, /*with_length=*/false)});
    TestServer empty(h.loop, {http_response("200 OK", "")});
    std::string upper = md5_of_pangram;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    h.configure({service({http_check(with_length.port(), {url("/", md5_of_pangram)}),
                          http_check(until_close.port(), {url("/", upper)}),
                          http_check(with_length.port(), {url("/", md5_of_nothing)}),
                          http_check(empty.port(), {url("/", md5_of_nothing)})})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 4; }));
    const auto health = h.checks.health();
    EXPECT_TRUE(health.at(key_of(1)).up);
    EXPECT_TRUE(health.at(key_of(2)).up) << "a body ended by the close; the digest in capitals";
    EXPECT_FALSE(health.at(key_of(3)).up);
    EXPECT_TRUE(health.at(key_of(4)).up);
    EXPECT_TRUE(h.logged(std::string("digest ") + md5_of_pangram + ", expected " + md5_of_nothing));
}

TEST(RealServerChecks, AChunkedBodyIsReadButNotDigested) {
    Harness h;
    const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    TestServer server(h.loop, {chunked});
    h.configure(
        {service({http_check(server.port(), {url("/")}), http_check(server.port(), {url("/", md5_of_nothing)})})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 2; }));
    EXPECT_TRUE(h.checks.health().at(key_of(1)).up);
    EXPECT_FALSE(h.checks.health().at(key_of(2)).up);
    EXPECT_TRUE(h.logged("chunked response: the digest needs a body sent whole"));
}

TEST(RealServerChecks, GarbageIsAFailedTryNeverMore) {
    Harness h;
    const std::vector<std::string> garbage{
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        std::string("\0\xff\x16\x03\x01\r\n\r\n", 9),
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200",  // and the close
        "",              // nothing at all
        "HTTP/1.1 200 OK\r\n" + std::string(64 * 1024, 'X'),
    };
    std::vector<std::unique_ptr<TestServer>> servers;
    std::vector<HealthCheck> checks;
    for (const auto& response : garbage) {
        servers.push_back(std::make_unique<TestServer>(h.loop, std::vector<std::string>{response}));
        checks.push_back(http_check(servers.back()->port(), {url("/", md5_of_nothing)}));
    }
    h.configure({service(checks)});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == garbage.size(); }));
    for (const auto& [key, health] : h.checks.health()) EXPECT_FALSE(health.up) << key.address.to_string();
    EXPECT_TRUE(h.logged("not an HTTP/1.x status line"));
    EXPECT_TRUE(h.logged("malformed Content-Length"));
    EXPECT_TRUE(h.logged("two different Content-Length"));
    EXPECT_TRUE(h.logged("connection closed after 5 of 10 body bytes"));
    EXPECT_TRUE(h.logged("connection closed before the end of the response headers"));
    EXPECT_TRUE(h.logged("connection closed without a response"));
    EXPECT_TRUE(h.logged("response headers over 16 KiB"));
}

TEST(RealServerChecks, AHugeResponseIsCutAtTheBound) {
    Harness h;
    const std::string huge(2 * 1024 * 1024, 'x');
    TestServer until_close(h.loop, {http_response("200 OK", huge, /*with_length=*/false)});
    TestServer announced(h.loop, {http_response("200 OK", huge)});
    h.configure({service({http_check(until_close.port(), {url("/", md5_of_nothing)}),
                          http_check(announced.port(), {url("/", md5_of_nothing)})})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 2; }));
    EXPECT_FALSE(h.checks.health().at(key_of(1)).up);
    EXPECT_FALSE(h.checks.health().at(key_of(2)).up);
    EXPECT_TRUE(h.logged("body over 1 MiB"));
    EXPECT_TRUE(h.logged("body of 2097152 bytes, over 1 MiB"));
}

TEST(RealServerChecks, BindToSetsTheSource) {
    Harness h;
    TestServer server(h.loop);
    auto from_loopback = tcp_check(server.port());
    from_loopback.bind_to = loopback(1);
    auto from_elsewhere = tcp_check(server.port());
    from_elsewhere.bind_to = IpAddress::v4({192, 0, 2, 1});  // not on this host: bind() refuses, nothing is sent
    h.configure({service({from_loopback, from_elsewhere})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 2; }));
    EXPECT_TRUE(h.checks.health().at(key_of(1)).up);
    EXPECT_FALSE(h.checks.health().at(key_of(2)).up);
    EXPECT_TRUE(h.logged("cannot bind to 192.0.2.1"));
}

TEST(RealServerChecks, MiscCheckExitCodes) {
    TempDir dir;
    Harness h;
    h.configure({service({script_check(test::write_script(dir / "pass.sh", "exit 0")),
                          script_check(test::write_script(dir / "fail.sh", "exit 1")),
                          script_check(test::write_script(dir / "three.sh", "exit 3"))})});
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.checks.health().size() == 3; }));
    const auto health = h.checks.health();
    EXPECT_TRUE(health.at(key_of(1)).up);
    EXPECT_FALSE(health.at(key_of(2)).up);
    EXPECT_FALSE(health.at(key_of(3)).up) << "without misc_dynamic every non-zero status fails";
    EXPECT_FALSE(health.at(key_of(3)).dynamic_weight);
    EXPECT_TRUE(h.logged("down (MISC_CHECK: exited with status 1 after 1 try)"));
    EXPECT_TRUE(test::run_until(h.loop, [&] { return h.children.running() == 0; }));
}

TEST(RealServerChecks, MiscDynamicSetsTheWeightFromTheExitStatus) {
    TempDir dir;
    const std::string code = dir / "code";
    std::ofstream(code) << "7";
    Harness h;
    h.configure({service({script_check(test::write_script(dir / "dynamic.sh", "exit $(cat " + code + ")"), fast(),
                                       /*dynamic=*/true)})});
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_TRUE(h.last_of(key_of())->up);
    EXPECT_EQ(h.last_of(key_of())->dynamic_weight, 5) << "exit 7: weight 7 - 2";
    EXPECT_TRUE(h.logged(": up, weight 5 (MISC_CHECK)"));

    std::ofstream(code) << "0";
    const auto attempts = h.status_of()["attempts"].get<int>();
    ASSERT_TRUE(test::run_until(h.loop, [&] { return h.status_of()["attempts"].get<int>() >= attempts + 2; }));
    EXPECT_EQ(h.changes_of(key_of()), 1u) << "exit 0: up, weight unchanged";
    EXPECT_EQ(h.checks.health().at(key_of()).dynamic_weight, 5);

    std::ofstream(code) << "1";
    ASSERT_TRUE(h.wait_for_changes(key_of(), 2));
    EXPECT_FALSE(h.last_of(key_of())->up);

    std::ofstream(code) << "2";
    ASSERT_TRUE(h.wait_for_changes(key_of(), 3));
    EXPECT_TRUE(h.last_of(key_of())->up);
    EXPECT_EQ(h.last_of(key_of())->dynamic_weight, 0) << "exit 2: weight 0";
}

TEST(RealServerChecks, AMiscCheckThatOutlivesItsTimeoutFails) {
    TempDir dir;
    Harness h;
    auto slow = script_check(test::write_script(dir / "slow.sh", "exec sleep 30"));
    slow.timeout = 50ms;
    h.configure({service({slow})});
    const auto t0 = Clock::now();
    ASSERT_TRUE(h.wait_for_changes(key_of(), 1));
    EXPECT_FALSE(h.last_of(key_of())->up);
    EXPECT_GE(Clock::now() - t0, 50ms);
    EXPECT_LT(Clock::now() - t0, 500ms) << "decided by the timeout";
    EXPECT_TRUE(h.logged("timed out"));
}

TEST(RealServerChecks, ABadCommandIsRefusedNamingItsPlace) {
    VirtualServer vs = service({script_check("/nonexistent/check.sh")});
    vs.real_servers[0].check->origins.set(Field::check_command, {"lb.conf", 12, 5});
    const auto scripts = RealServerChecks::prepare(std::vector<VirtualServer>{vs}, "", policy());
    ASSERT_FALSE(scripts);
    EXPECT_EQ(scripts.error().message.rfind("lb.conf:12:5: real server 127.0.0.1 of tcp 127.0.0.1:80: MISC_CHECK: ", 0),
              0u)
        << scripts.error().message;

    Harness h;
    EXPECT_THROW(h.checks.configure(std::vector<VirtualServer>{vs}, {}), std::invalid_argument);
    EXPECT_TRUE(h.checks.status().empty()) << "nothing changed";
}

TEST(RealServerChecks, AReloadKeepsUnchangedChecksAndStopsRemovedOnes) {
    TempDir dir;
    const auto descriptors_before = open_descriptors();
    {
        Harness h;
        TestServer server(h.loop);
        TestServer silent(h.loop, {http_response("200 OK", "")});
        silent.answer = false;
        const auto kept = tcp_check(server.port());
        auto hanging = script_check(test::write_script(dir / "hang.sh", "exec sleep 30"));
        hanging.timing.interval = 5000ms;  // its first run lasts as long as the test
        const auto never_answered =
            http_check(silent.port(), {url("/")}, {.interval = 5000ms, .connect_timeout = 5000ms});
        h.configure({service({kept, hanging, never_answered})});
        const auto baseline = open_descriptors();
        ASSERT_TRUE(h.wait_for_changes(key_of(1), 1));
        ASSERT_TRUE(test::run_until(h.loop, [&] { return silent.accepted() == 1 && h.children.running() == 1; }));
        const auto attempts = h.status_of(1)["attempts"].get<int>();

        h.configure({service({kept})});
        EXPECT_EQ(h.checks.health().size(), 1u);
        EXPECT_TRUE(h.checks.health().at(key_of(1)).up) << "the kept check keeps its verdict";
        EXPECT_GE(h.status_of(1)["attempts"].get<int>(), attempts) << "and its counters: it was not restarted";
        ASSERT_TRUE(test::run_until(h.loop, [&] { return h.children.running() == 0; })) << "the command was killed";
        EXPECT_TRUE(test::run_until(h.loop, [&] { return h.status_of(1)["attempts"].get<int>() > attempts; }))
            << "and it runs on";
        EXPECT_EQ(h.changes_of(key_of(1)), 1u) << "no change reported for it";

        // A changed check starts anew from the verdict it had.
        auto slower = kept;
        slower.timing.interval = 40ms;
        h.configure({service({slower})});
        EXPECT_EQ(h.status_of(1)["attempts"], 0);
        EXPECT_TRUE(h.checks.health().at(key_of(1)).up);

        h.configure({});
        EXPECT_TRUE(h.checks.health().empty());
        EXPECT_TRUE(h.checks.status().empty());
        // The TCP server closes its side once it has read the check's FIN.
        EXPECT_TRUE(test::run_until(h.loop, [&] { return open_descriptors() == baseline + 1; }))
            << open_descriptors() << " descriptors open, " << baseline
            << " before the checks ran: only the silent server's side of its connection may remain";
    }
    EXPECT_EQ(open_descriptors(), descriptors_before);
    EXPECT_TRUE(test::no_children_left());
}

TEST(RealServerChecks, DestroyingTheChecksClosesEverything) {
    const auto descriptors_before = open_descriptors();
    {
        EventLoop loop;
        ChildProcesses children(loop, 50ms);
        TestServer silent(loop, {http_response("200 OK", "")});
        silent.answer = false;
        const auto with_server = open_descriptors();
        {
            RealServerChecks checks(loop, children, {}, [](std::string_view) {});
            const std::vector<VirtualServer> servers{
                service({http_check(silent.port(), {url("/")}, {.interval = 5000ms, .connect_timeout = 5000ms})})};
            checks.configure(servers, {});
            ASSERT_TRUE(test::run_until(loop, [&] { return silent.accepted() == 1; }));
        }
        // The server's side of the connection stays with the server; the check's is gone.
        EXPECT_EQ(open_descriptors(), with_server + 1);
    }
    EXPECT_EQ(open_descriptors(), descriptors_before);
}

}  // namespace
}  // namespace xvip
