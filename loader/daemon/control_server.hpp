// xvipd's control socket: a Unix stream socket served from the event loop. Each request is one
// line of JSON (`{"command": "status"}`), each answer one line of JSON from the daemon's handler.
// A malformed or oversized request gets `{"error": "..."}` and the connection stays usable.
// Root only: the socket file is 0600 in a directory created 0700, and a peer whose uid is neither
// root nor the daemon's is refused. Nothing a client does can hold up the loop: accept, read and
// write are non-blocking with a buffer per connection, requests and pending answers are bounded,
// connections are counted and idle ones closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/log_sink.hpp"

namespace xvip {

inline constexpr const char* default_control_socket = "/run/xvip/xvipd.sock";

struct ControlServerSettings {
    std::string path = default_control_socket;
    std::size_t max_request_bytes = 64 * 1024;
    std::size_t max_connections = 16;
    std::size_t max_pending_answer_bytes = 4 * 1024 * 1024;  // a client not reading its answers is paused
    Duration idle_timeout = std::chrono::seconds(30);
};

// Called with a parsed JSON object; its answer is sent back. An exception becomes {"error"}.
using ControlHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

// What the server does with the bytes of one connection, apart from the socket (so that a fuzz
// target reaches the same code): cuts them into lines, answers each request through the handler
// and appends one answer line per request to `answers`. A blank line gets no answer; a line over
// `max_request_bytes` gets one error and is skipped up to its newline, however it arrives.
class ControlRequestReader {
public:
    explicit ControlRequestReader(std::size_t max_request_bytes) : max_request_bytes_(max_request_bytes) {}

    void feed(std::string_view bytes, const ControlHandler& handler, std::string& answers);

private:
    void answer_line(std::string_view line, const ControlHandler& handler, std::string& answers) const;

    std::size_t max_request_bytes_;
    std::string input_;
    bool discarding_ = false;  // skipping the rest of an oversized request
};

class ControlServer {
public:
    using Handler = ControlHandler;

    // Creates the directory (0700) if missing, replaces a stale socket, binds (0600) and listens.
    // Throws std::runtime_error naming the path when another xvipd answers on it or the socket
    // cannot be made: a start-up error.
    ControlServer(EventLoop& loop, ControlServerSettings settings, Handler handler, LogSink log = {});
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;
    // Closes every connection and removes the socket file.
    ~ControlServer();

    const std::string& path() const { return settings_.path; }
    std::size_t connections() const { return connections_.size(); }

private:
    struct Connection {
        UniqueFd fd;
        ControlRequestReader requests;
        std::string output;
        bool reading = true;         // watched for input
        bool want_writable = false;  // registered in writable_
        std::optional<EventLoop::TimerId> idle_timer;
    };

    void accept_all();
    // accept failed for want of descriptors or memory: stop watching the listener for a while
    // (it stays readable, and the loop would spin), then try again.
    void pause_accepting(int error_number);
    void on_readable(std::uint64_t id);
    void on_writable_ready();
    void on_idle(std::uint64_t id);
    // False when the connection was closed.
    bool flush(std::uint64_t id);
    void arm_idle(std::uint64_t id, Connection& connection);
    void close_connection(std::uint64_t id);

    EventLoop& loop_;
    ControlServerSettings settings_;
    Handler handler_;
    LogSink log_;
    UniqueFd listener_;
    UniqueFd writable_;  // an epoll set of connections with pending output, watched by the loop
    std::optional<EventLoop::TimerId> resume_accepting_;  // set while accepting is paused
    bool accept_starved_ = false;                         // logged; cleared by the next accept
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Connection> connections_;
};

}  // namespace xvip
