// Direct-routing backends in a topology's client namespaces: the VIP on lo, ARP for it left to
// the balancers, and a TCP server on the service port that names the backend and then echoes.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.hpp"
#include "topology/topology.hpp"

namespace xvip::backends {

// The backends' servers: one thread, one epoll. A new connection is told the backend's name and a
// newline; whatever it sends afterwards comes back.
class BackendServers {
public:
    BackendServers();
    ~BackendServers();
    BackendServers(const BackendServers&) = delete;
    BackendServers& operator=(const BackendServers&) = delete;

    // A listener made in the backend's namespace (by the caller), served from now on.
    void add(std::string name, UniqueFd listener);
    void start();

private:
    struct Listener {
        std::string name;
        UniqueFd fd;
    };
    void serve();

    UniqueFd epoll_;
    std::mutex mutex_;
    std::map<int, Listener> listeners_;
    std::map<int, UniqueFd> connections_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// A socket of `type` (SOCK_STREAM, listening; or SOCK_DGRAM) bound to `port` on every address of
// the calling thread's network namespace, non-blocking. Throws std::system_error.
UniqueFd bound_socket(int type, std::uint16_t port);

// Makes `backend` a direct-routing real server for `vip`: lo up with the VIP on it, arp_ignore=1
// and arp_announce=2 (all and eth0) so that only the balancers answer ARP for the VIP; returns a
// listener on `port` made in its namespace, for BackendServers::add.
UniqueFd set_up_backend(const topo::Topology& topo, const topo::Endpoint& backend, const std::string& vip,
                        std::uint16_t port);

// keepalived.conf's `virtual_server VIP PORT { lb_algo mh; lb_kind DR; protocol TCP; ... }` with
// one real_server (PORT, a TCP_CHECK with the defaults) per address, weighted as given.
std::string virtual_server_conf(const std::string& vip, std::uint16_t port, const std::vector<std::string>& addresses,
                                const std::vector<int>& weights);

}  // namespace xvip::backends
