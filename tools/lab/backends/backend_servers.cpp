#include "backends/backend_servers.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace xvip::backends {

BackendServers::BackendServers() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

BackendServers::~BackendServers() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void BackendServers::add(std::string name, UniqueFd listener) {
    const int fd = listener.get();
    std::lock_guard lock(mutex_);
    listeners_.emplace(fd, Listener{std::move(name), std::move(listener)});
    epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
}

void BackendServers::start() {
    thread_ = std::thread([this] { serve(); });
}

void BackendServers::serve() {
    epoll_event events[32];
    while (!stop_) {
        const int n = epoll_wait(epoll_.get(), events, 32, 50);
        std::lock_guard lock(mutex_);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (const auto l = listeners_.find(fd); l != listeners_.end()) {
                UniqueFd c(accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
                if (!c) continue;
                const std::string hello = l->second.name + "\n";
                (void)!send(c.get(), hello.data(), hello.size(), MSG_NOSIGNAL);
                epoll_event ev{.events = EPOLLIN, .data = {.fd = c.get()}};
                epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.get(), &ev);
                connections_.emplace(c.get(), std::move(c));
                continue;
            }
            char buffer[512];
            const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                (void)!send(fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL);
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
                connections_.erase(fd);
            }
        }
    }
}

UniqueFd set_up_backend(const topo::Topology& topo, const topo::Endpoint& backend, const std::string& vip,
                        std::uint16_t port) {
    const std::string& ns = backend.netns;
    topo.run_checked(ns, {"ip", "link", "set", "dev", "lo", "up"});
    topo.run_checked(ns, {"ip", "addr", "add", vip + "/32", "dev", "lo"});
    for (const char* setting : {"net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                                "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2"}) {
        topo.run_checked(ns, {"sysctl", "-qw", setting});
    }
    return topo.run_in(ns, [port] { return bound_socket(SOCK_STREAM, port); });
}

UniqueFd bound_socket(int type, std::uint16_t port) {
    UniqueFd fd(socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "socket");
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in any{.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {INADDR_ANY}, .sin_zero = {}};
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
        (type == SOCK_STREAM && listen(fd.get(), 128) != 0)) {
        throw std::system_error(errno, std::generic_category(), "bind to port " + std::to_string(port));
    }
    return fd;
}

std::string virtual_server_conf(const std::string& vip, std::uint16_t port, const std::vector<std::string>& addresses,
                                const std::vector<int>& weights) {
    const std::string p = std::to_string(port);
    std::string out = "virtual_server " + vip + " " + p + " {\n    lb_algo mh\n    lb_kind DR\n    protocol TCP\n";
    for (std::size_t b = 0; b < addresses.size(); ++b) {
        out += "    real_server " + addresses[b] + " " + p + " {\n        weight " + std::to_string(weights.at(b)) +
               "\n        TCP_CHECK {\n        }\n    }\n";
    }
    return out + "}\n";
}

}  // namespace xvip::backends
