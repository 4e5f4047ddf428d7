#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <utility>

#include "system/private_directory.hpp"

namespace xvip {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what, int error_number) {
    throw std::runtime_error("control socket " + path + ": " + what + ": " + std::strerror(error_number));
}

sockaddr_un address_of(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        throw std::runtime_error("control socket " + path + ": path is empty or longer than " +
                                 std::to_string(sizeof address.sun_path - 1) + " bytes");
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

std::string dump_line(const json& value) {
    // Replace, not throw, on invalid UTF-8 coming from the handler (an interface name, say).
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    text += '\n';
    return text;
}

// A connectable socket at `path` means another daemon serves it; a refused one is stale.
void take_over_path(const std::string& path, const sockaddr_un& address) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail(path, "cannot inspect it", errno);
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw std::runtime_error("control socket " + path +
                                 ": exists and is not a socket; fix: remove it or configure another path");
    }
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!probe) fail(path, "socket", errno);
    const int rc = ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (rc == 0 || errno == EAGAIN) {
        throw std::runtime_error("control socket " + path +
                                 ": another xvipd is serving it; fix: stop it first, or configure another path");
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail(path, "cannot remove the stale socket", errno);
}

void append_answer(std::string& answers, const json& response) {
    try {
        answers += dump_line(response);
    } catch (const std::exception& error) {
        answers += dump_line(json{{"error", std::string("cannot encode the answer: ") + error.what()}});
    }
}

std::string too_large(std::size_t max_request_bytes) {
    return "request larger than " + std::to_string(max_request_bytes) + " bytes";
}

}  // namespace

void ControlRequestReader::feed(std::string_view bytes, const ControlHandler& handler, std::string& answers) {
    input_.append(bytes);
    std::size_t start = 0;
    while (true) {
        const std::size_t newline = input_.find('\n', start);
        if (newline == std::string::npos) break;
        const std::string_view line(input_.data() + start, newline - start);
        if (discarding_) {
            discarding_ = false;  // the end of the oversized request: back in step
        } else if (line.size() > max_request_bytes_) {
            append_answer(answers, json{{"error", too_large(max_request_bytes_)}});
        } else {
            answer_line(line, handler, answers);
        }
        start = newline + 1;
    }
    input_.erase(0, start);
    if (input_.size() > max_request_bytes_) {
        if (!discarding_) {
            append_answer(answers, json{{"error", too_large(max_request_bytes_)}});
            discarding_ = true;
        }
        input_.clear();
    }
}

void ControlRequestReader::answer_line(std::string_view line, const ControlHandler& handler,
                                       std::string& answers) const {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    json request;
    try {
        request = json::parse(line);
    } catch (const json::exception& error) {
        append_answer(answers, json{{"error", std::string("malformed JSON: ") + error.what()}});
        return;
    }
    if (!request.is_object()) {
        append_answer(answers, json{{"error", "a request is a JSON object, such as {\"command\": \"status\"}"}});
        return;
    }
    try {
        append_answer(answers, handler(request));
    } catch (const std::exception& error) {
        append_answer(answers, json{{"error", std::string("request failed: ") + error.what()}});
    } catch (...) {
        append_answer(answers, json{{"error", "request failed"}});
    }
}

ControlServer::ControlServer(EventLoop& loop, ControlServerSettings settings, Handler handler, LogSink log)
    : loop_(loop), settings_(std::move(settings)), handler_(std::move(handler)), log_(std::move(log)) {
    const std::string& path = settings_.path;
    const sockaddr_un address = address_of(path);
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        ensure_private_directory(path.substr(0, slash));
    }
    take_over_path(path, address);

    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_) fail(path, "socket", errno);
    // No moment at which the socket is reachable with wider permissions than 0600.
    const mode_t old_umask = ::umask(0177);
    const int bound = ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    const int bind_errno = errno;
    ::umask(old_umask);
    if (bound != 0) fail(path, "bind", bind_errno);
    if (::chmod(path.c_str(), 0600) != 0) fail(path, "chmod 0600", errno);
    if (::listen(listener_.get(), 16) != 0) fail(path, "listen", errno);

    writable_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!writable_) fail(path, "epoll_create1", errno);
    loop_.watch(listener_.get(), [this] { accept_all(); });
    loop_.watch(writable_.get(), [this] { on_writable_ready(); });
}

ControlServer::~ControlServer() {
    if (resume_accepting_) loop_.cancel(*resume_accepting_);
    while (!connections_.empty()) close_connection(connections_.begin()->first);
    loop_.unwatch(listener_.get());
    loop_.unwatch(writable_.get());
    listener_.reset();
    ::unlink(settings_.path.c_str());
}

void ControlServer::accept_all() {
    while (true) {
        UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                pause_accepting(errno);
                return;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log_line(log_, "control socket " + settings_.path + ": accept: " + std::strerror(errno));
            }
            return;
        }
        if (std::exchange(accept_starved_, false)) {
            log_line(log_, "control socket " + settings_.path + ": accepting again");
        }
        std::string refusal;
        ucred peer{};
        socklen_t length = sizeof peer;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
            (peer.uid != 0 && peer.uid != ::geteuid())) {
            refusal = "permission denied: the control socket is for root";
        } else if (connections_.size() >= settings_.max_connections) {
            refusal = "too many connections (" + std::to_string(settings_.max_connections) + "); try again";
        }
        if (!refusal.empty()) {
            const std::string text = dump_line(json{{"error", refusal}});
            (void)!::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        const std::uint64_t id = next_id_++;
        const int raw = fd.get();
        Connection& connection =
            connections_
                .try_emplace(
                    id, Connection{.fd = std::move(fd), .requests = ControlRequestReader(settings_.max_request_bytes)})
                .first->second;
        loop_.watch(raw, [this, id] { on_readable(id); });
        arm_idle(id, connection);
    }
}

void ControlServer::pause_accepting(int error_number) {
    constexpr auto pause = std::chrono::milliseconds(100);
    if (!std::exchange(accept_starved_, true)) {
        log_line(log_, "control socket " + settings_.path + ": accept: " + std::strerror(error_number) +
                           "; retrying every " + std::to_string(pause.count()) +
                           " ms (logged once until a connection is accepted)");
    }
    loop_.unwatch(listener_.get());
    resume_accepting_ = loop_.schedule(loop_.now() + pause, [this] {
        resume_accepting_.reset();
        loop_.watch(listener_.get(), [this] { accept_all(); });
    });
}

void ControlServer::arm_idle(std::uint64_t id, Connection& connection) {
    if (connection.idle_timer) loop_.cancel(*connection.idle_timer);
    connection.idle_timer = loop_.schedule(loop_.now() + settings_.idle_timeout, [this, id] { on_idle(id); });
}

void ControlServer::on_idle(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    it->second.idle_timer.reset();
    close_connection(id);
}

void ControlServer::on_readable(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& connection = it->second;
    std::array<char, 4096> buffer{};
    // Bounded per call, so that one busy client cannot starve the others.
    for (int round = 0; round < 16; ++round) {
        const ssize_t n = ::recv(connection.fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            connection.requests.feed({buffer.data(), static_cast<std::size_t>(n)}, handler_, connection.output);
            if (connection.output.size() > settings_.max_pending_answer_bytes) break;
            continue;
        }
        if (n == 0) {
            close_connection(id);  // the client is gone; answers it did not wait for go with it
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        close_connection(id);
        return;
    }
    arm_idle(id, connection);
    flush(id);
}

bool ControlServer::flush(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return false;
    Connection& connection = it->second;
    while (!connection.output.empty()) {
        const ssize_t n = ::send(connection.fd.get(), connection.output.data(), connection.output.size(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            connection.output.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        close_connection(id);
        return false;
    }
    const bool pending = !connection.output.empty();
    if (pending != connection.want_writable) {
        epoll_event event{};
        event.events = EPOLLOUT;
        event.data.u64 = id;
        ::epoll_ctl(writable_.get(), pending ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, connection.fd.get(), &event);
        connection.want_writable = pending;
    }
    // A client that does not read its answers stops being read (level-triggered input would
    // otherwise spin) until they drain.
    const bool should_read = connection.output.size() <= settings_.max_pending_answer_bytes;
    if (should_read != connection.reading) {
        if (should_read) {
            loop_.watch(connection.fd.get(), [this, id] { on_readable(id); });
        } else {
            loop_.unwatch(connection.fd.get());
        }
        connection.reading = should_read;
    }
    return true;
}

void ControlServer::on_writable_ready() {
    std::array<epoll_event, 16> events{};
    const int n = ::epoll_wait(writable_.get(), events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < n; ++i) {
        const std::uint64_t id = events[static_cast<std::size_t>(i)].data.u64;
        if (flush(id)) {
            auto it = connections_.find(id);
            if (it != connections_.end()) {
                arm_idle(id, it->second);
                // Input that arrived while paused is still in the kernel: the watch reads it.
            }
        }
    }
}

void ControlServer::close_connection(std::uint64_t id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& connection = it->second;
    if (connection.reading) loop_.unwatch(connection.fd.get());
    if (connection.want_writable) ::epoll_ctl(writable_.get(), EPOLL_CTL_DEL, connection.fd.get(), nullptr);
    if (connection.idle_timer) loop_.cancel(*connection.idle_timer);
    connections_.erase(it);
}

}  // namespace xvip
