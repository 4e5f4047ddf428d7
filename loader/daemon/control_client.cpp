#include "daemon/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"

namespace xvip {

namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{.fd = fd, .events = events, .revents = 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) throw ControlError(std::string("poll: ") + std::strerror(errno));
    }
}

std::string timeout_text(std::chrono::milliseconds timeout) {
    return std::to_string(timeout.count()) + " ms";
}

}  // namespace

nlohmann::json control_request(const std::string& path, const nlohmann::json& request,
                               std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        throw ControlError("control socket path '" + path + "' is empty or too long");
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) throw ControlError(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        switch (errno) {
            case ENOENT: throw ControlError("xvipd is not running (no control socket at " + path + ")");
            case ECONNREFUSED:
                throw ControlError("xvipd is not running (" + path + " is left over from an earlier run)");
            case EACCES:
            case EPERM: throw ControlError("permission denied on " + path + ": run xvipctl as root");
            case EAGAIN: throw ControlError("xvipd is too busy to accept a connection on " + path + "; try again");
            default: throw ControlError("cannot connect to " + path + ": " + std::strerror(errno));
        }
    }
    const std::string text = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = ::send(fd.get(), text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd.get(), POLLOUT, deadline)) {
                throw ControlError("xvipd did not take the request within " + timeout_text(timeout));
            }
        } else {
            throw ControlError("sending to xvipd on " + path + ": " + std::strerror(errno));
        }
    }
    std::string answer;
    std::array<char, 4096> buffer{};
    while (answer.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            answer.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n == 0) {
            throw ControlError("xvipd closed the connection without answering");
        } else if (errno == EAGAIN || errno == EINTR) {
            if (!wait_for(fd.get(), POLLIN, deadline)) {
                throw ControlError("no answer from xvipd within " + timeout_text(timeout));
            }
        } else {
            throw ControlError("reading from xvipd on " + path + ": " + std::strerror(errno));
        }
    }
    answer.resize(answer.find('\n'));
    try {
        return nlohmann::json::parse(answer);
    } catch (const nlohmann::json::exception& error) {
        throw ControlError(std::string("xvipd sent an answer that is not JSON: ") + error.what());
    }
}

}  // namespace xvip
