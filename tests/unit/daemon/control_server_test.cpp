#include "daemon/control_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "daemon/control_client.hpp"
#include "daemon_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using test::TempDir;

ControlServer::Handler status_handler() {
    return [](const json& request) -> json {
        if (request.value("command", "") == "status") return json{{"instances", json::array({"VI_1"})}};
        if (request.value("command", "") == "boom") throw std::runtime_error("exploded");
        return json{{"error", "unknown command"}};
    };
}

// A raw, non-blocking client, so that the test drives the loop itself.
class RawClient {
public:
    explicit RawClient(const std::string& path)
        : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        connected_ = ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }
    bool connected() const { return connected_; }
    void send(const std::string& text) {
        std::size_t sent = 0;
        while (sent < text.size()) {
            const ssize_t n = ::send(fd_.get(), text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
    }
    // Reads what has arrived; true once `lines` complete lines are buffered.
    bool has_lines(std::size_t lines) {
        char buffer[4096];
        ssize_t n;
        while ((n = ::recv(fd_.get(), buffer, sizeof buffer, 0)) > 0)
            received_.append(buffer, static_cast<std::size_t>(n));
        if (n == 0) closed_ = true;
        return static_cast<std::size_t>(std::count(received_.begin(), received_.end(), '\n')) >= lines;
    }
    json line(std::size_t index) const {
        std::size_t start = 0;
        for (std::size_t i = 0; i < index; ++i) start = received_.find('\n', start) + 1;
        return json::parse(received_.substr(start, received_.find('\n', start) - start));
    }
    bool closed() const { return closed_; }

private:
    UniqueFd fd_;
    bool connected_ = false;
    bool closed_ = false;
    std::string received_;
};

TEST(ControlServer, AnswersAStatusRequestFromTheBlockingClient) {
    TempDir dir;
    const auto path = dir / "run/xvipd.sock";
    EventLoop loop;
    ControlServer server(loop, {.path = path}, status_handler());
    std::atomic<bool> done{false};
    json answer;
    std::string failure;
    std::thread client([&] {
        try {
            answer = control_request(path, json{{"command", "status"}}, 2000ms);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        done = true;
    });
    const bool finished = test::run_until(loop, [&] { return done.load(); });
    client.join();
    ASSERT_TRUE(finished);
    EXPECT_EQ(failure, "");
    EXPECT_EQ(answer, (json{{"instances", json::array({"VI_1"})}}));
}

TEST(ControlServer, SocketIsRootOnly) {
    TempDir dir;
    const auto run_dir = dir / "run";
    const auto path = run_dir + "/xvipd.sock";
    EventLoop loop;
    ControlServer server(loop, {.path = path}, status_handler());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(run_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(ControlServer, MalformedAndOversizedRequestsGetAnErrorAndTheConnectionStaysUsable) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    EventLoop loop;
    ControlServer server(loop, {.path = path, .max_request_bytes = 1024}, status_handler());
    RawClient client(path);
    ASSERT_TRUE(client.connected());
    client.send("{\"command\": \n");
    client.send("[1, 2]\n");
    client.send("{\"command\": \"boom\"}\n");
    client.send("{\"command\": \"" + std::string(5000, 'x') + "\"}\n");
    client.send("{\"command\": \"status\"}\n");
    ASSERT_TRUE(test::run_until(loop, [&] { return client.has_lines(5); }));
    EXPECT_NE(client.line(0).value("error", "").find("malformed JSON"), std::string::npos) << client.line(0);
    EXPECT_NE(client.line(1).value("error", "").find("JSON object"), std::string::npos) << client.line(1);
    EXPECT_EQ(client.line(2).value("error", ""), "request failed: exploded");
    EXPECT_EQ(client.line(3).value("error", ""), "request larger than 1024 bytes");
    EXPECT_EQ(client.line(4), (json{{"instances", json::array({"VI_1"})}}));
    EXPECT_FALSE(client.closed());
}

TEST(ControlServer, ASilentClientDoesNotStopAnotherBeingServed) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    EventLoop loop;
    ControlServer server(loop, {.path = path}, status_handler());
    RawClient silent(path);
    RawClient partial(path);  // half a request, never finished
    ASSERT_TRUE(silent.connected());
    ASSERT_TRUE(partial.connected());
    partial.send("{\"command\": \"sta");
    RawClient active(path);
    active.send("{\"command\": \"status\"}\n");
    ASSERT_TRUE(test::run_until(
        loop, [&] { return active.has_lines(1); }, 1000ms));
    EXPECT_EQ(active.line(0), (json{{"instances", json::array({"VI_1"})}}));
    EXPECT_EQ(server.connections(), 3u);
}

TEST(ControlServer, LimitsConnectionsAndClosesIdleOnes) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    EventLoop loop;
    ControlServer server(loop, {.path = path, .max_connections = 1, .idle_timeout = 50ms}, status_handler());
    RawClient first(path);
    ASSERT_TRUE(test::run_until(loop, [&] { return server.connections() == 1; }));
    RawClient second(path);
    ASSERT_TRUE(test::run_until(loop, [&] { return second.has_lines(1); }));
    EXPECT_NE(second.line(0).value("error", "").find("too many connections"), std::string::npos);
    ASSERT_TRUE(test::run_until(
        loop, [&] { return server.connections() == 0; }, 1000ms))
        << "idle: closed";
    EXPECT_TRUE(test::run_until(
        loop,
        [&] {
            first.has_lines(1);
            return first.closed();
        },
        1000ms));
}

// Out of descriptors, accept fails with EMFILE while the connection waits in the backlog, so the
// listener stays readable: the server must pause accepting (log once) rather than spin the loop,
// and serve the waiting client once descriptors are back.
TEST(ControlServer, OutOfDescriptorsItPausesAcceptingInsteadOfSpinning) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    EventLoop loop;
    std::vector<std::string> log;
    ControlServer server(loop, {.path = path}, status_handler(),
                         [&](std::string_view line) { log.emplace_back(line); });
    RawClient waiting(path);
    ASSERT_TRUE(waiting.connected());
    waiting.send("{\"command\": \"status\"}\n");
    {
        test::DescriptorExhaustion exhaustion;
        EXPECT_FALSE(test::run_until(
            loop, [] { return false; }, 300ms));
    }
    const auto accept_lines = std::count_if(
        log.begin(), log.end(), [](const std::string& line) { return line.find("accept") != std::string::npos; });
    EXPECT_EQ(accept_lines, 1) << "logged once, not once per turn of a spinning loop (" << log.size() << " lines)";
    ASSERT_TRUE(test::run_until(
        loop, [&] { return waiting.has_lines(1); }, 1000ms))
        << "served once descriptors are back";
    EXPECT_EQ(waiting.line(0), (json{{"instances", json::array({"VI_1"})}}));
}

TEST(ControlServer, ReplacesAStaleSocketButNotALiveOne) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    EventLoop loop;
    {
        ControlServer first(loop, {.path = path}, status_handler());
        EXPECT_THROW(ControlServer(loop, {.path = path}, status_handler()), std::runtime_error);
    }
    EXPECT_FALSE(test::exists(path)) << "removed on destruction";
    {
        // Leave a stale socket behind: bound, then closed without unlinking.
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    }
    ASSERT_TRUE(test::exists(path));
    ControlServer second(loop, {.path = path}, status_handler());
    RawClient client(path);
    EXPECT_TRUE(client.connected());
}

TEST(ControlClient, SaysWhenTheDaemonIsNotRunning) {
    TempDir dir;
    try {
        control_request(dir / "xvipd.sock", json{{"command", "status"}}, 100ms);
        FAIL() << "no daemon, yet an answer";
    } catch (const ControlError& error) {
        EXPECT_NE(std::string(error.what()).find("xvipd is not running"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find(dir / "xvipd.sock"), std::string::npos);
    }
}

TEST(ControlClient, GivesUpAfterItsTimeout) {
    TempDir dir;
    const auto path = dir / "xvipd.sock";
    // A socket that accepts (backlog) but never answers: no loop runs.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(fd.get(), 4), 0);
    const auto t0 = Clock::now();
    EXPECT_THROW(control_request(path, json{{"command", "status"}}, 50ms), ControlError);
    EXPECT_LT(Clock::now() - t0, 1s);
}

}  // namespace
}  // namespace xvip
