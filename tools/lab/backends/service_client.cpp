#include "backends/service_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace xvip::backends {

namespace {

// Connects `fd` (a TCP socket of whichever namespace) to vip:port within 3 s and reads the
// backend's name.
std::optional<Connection> connect_socket(UniqueFd fd, const std::string& vip, std::uint16_t port, std::string* why) {
    const auto fail = [&](const std::string& reason) -> std::optional<Connection> {
        if (why) *why = reason + ": " + std::strerror(errno);
        return std::nullopt;
    };
    if (!fd) return fail("socket");
    const timeval three_seconds{.tv_sec = 3, .tv_usec = 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &three_seconds, sizeof three_seconds);
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &three_seconds, sizeof three_seconds);
    sockaddr_in address{.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {}, .sin_zero = {}};
    inet_pton(AF_INET, vip.c_str(), &address.sin_addr);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return fail("connect");
    std::string name;
    char c = 0;
    while (name.size() < 32) {
        if (recv(fd.get(), &c, 1, 0) != 1) return fail("reading the backend's name");
        if (c == '\n') break;
        name += c;
    }
    return Connection{std::move(fd), name};
}

}  // namespace

std::optional<Connection> connect_to_service(const topo::Topology& topo, const std::string& client_netns,
                                             const std::string& vip, std::uint16_t port, std::string* why) {
    // The socket belongs to the namespace it was made in; connect and read from here.
    UniqueFd fd = topo.run_in(client_netns, [] { return UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)); });
    return connect_socket(std::move(fd), vip, port, why);
}

std::optional<Connection> connect_to_service(const std::string& vip, std::uint16_t port, std::string* why) {
    return connect_socket(UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), vip, port, why);
}

std::vector<BrokenConnection> broken(std::vector<Connection>& connections, std::chrono::milliseconds timeout,
                                     char token) {
    std::vector<std::optional<std::string>> failed(connections.size());
    std::vector<pollfd> waiting(connections.size());
    for (std::size_t i = 0; i < connections.size(); ++i) {
        waiting[i] = {.fd = connections[i].fd.get(), .events = POLLIN, .revents = 0};
        if (send(connections[i].fd.get(), &token, 1, MSG_NOSIGNAL) != 1) {
            failed[i] = std::string("send: ") + std::strerror(errno);
            waiting[i].fd = -1;  // poll skips it
        }
    }
    std::vector<bool> echoed(connections.size(), false);
    const auto pending = [&] {
        return std::any_of(waiting.begin(), waiting.end(), [](const pollfd& p) { return p.fd >= 0; });
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending() && std::chrono::steady_clock::now() < deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (poll(waiting.data(), waiting.size(), static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
        for (std::size_t i = 0; i < waiting.size(); ++i) {
            if (waiting[i].fd < 0 || !waiting[i].revents) continue;
            char got = 0;
            const ssize_t n = recv(waiting[i].fd, &got, 1, MSG_DONTWAIT);
            if (n == 1 && got == token) {
                echoed[i] = true;
            } else if (n == 0 || (n < 0 && errno != EAGAIN)) {
                failed[i] = n == 0 ? "closed" : std::strerror(errno);
            } else {
                continue;
            }
            waiting[i].fd = -1;
        }
    }
    std::vector<BrokenConnection> out;
    for (std::size_t i = 0; i < connections.size(); ++i) {
        if (echoed[i]) continue;
        out.push_back({i, connections[i].backend + ": " + failed[i].value_or("no echo within the time")});
    }
    return out;
}

std::string describe(const std::vector<BrokenConnection>& broken) {
    std::string out;
    for (const auto& b : broken) out += (out.empty() ? "" : "; ") + b.why;
    return out;
}

std::map<std::string, std::size_t> spread(const std::vector<Connection>& connections) {
    std::map<std::string, std::size_t> out;
    for (const auto& c : connections) ++out[c.backend];
    return out;
}

RealServerCounts count_real_servers(const nlohmann::json& status) {
    RealServerCounts counts;
    if (!status.is_object() || !status.contains("virtual_servers") || status["virtual_servers"].size() != 1) {
        return counts;
    }
    counts.found = true;
    for (const auto& rs : status["virtual_servers"][0].value("real_servers", nlohmann::json::array())) {
        ++counts.total;
        if (rs.value("health", "") == "up" && rs.value("takes_new_flows", false)) ++counts.ready;
        if (rs.contains("mac") && rs["mac"].is_string() && !rs["mac"].get<std::string>().empty()) ++counts.with_mac;
    }
    return counts;
}

}  // namespace xvip::backends
