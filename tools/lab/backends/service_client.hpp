// The client's side of the load-balancer lab: TCP connections to the VIP's service, the backend
// each landed on (the name its server sends first), whether they still echo after a fault, and
// what `xvipctl status --json` says of the real servers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "topology/topology.hpp"

namespace xvip::backends {

// A client's TCP connection to the VIP's service, and the backend that answered it.
struct Connection {
    UniqueFd fd;
    std::string backend;
};

// A new connection from `client_netns` to vip:port, within 3 s, and the backend's name; none when
// it failed (the reason in `why`).
std::optional<Connection> connect_to_service(const topo::Topology& topo, const std::string& client_netns,
                                             const std::string& vip, std::uint16_t port, std::string* why = nullptr);
// The same from the calling thread's namespace.
std::optional<Connection> connect_to_service(const std::string& vip, std::uint16_t port, std::string* why = nullptr);

// A connection that did not echo: its place in the vector given to broken(), and what happened
// ("b1: closed", "b2: no echo within the time").
struct BrokenConnection {
    std::size_t index;
    std::string why;
};

// Sends `token` on every connection and waits (up to `timeout`, TCP retransmitting meanwhile) for
// each to come back; bytes other than `token` that come first are skipped. Returns the connections
// that did not echo, in order.
std::vector<BrokenConnection> broken(std::vector<Connection>& connections, std::chrono::milliseconds timeout,
                                     char token);
// Their reasons, for a message: "b1: closed; b2: no echo within the time".
std::string describe(const std::vector<BrokenConnection>& broken);

// How many connections each backend holds.
std::map<std::string, std::size_t> spread(const std::vector<Connection>& connections);

// The real servers of the one virtual server in a `xvipctl status --json` answer.
struct RealServerCounts {
    bool found = false;     // exactly one virtual server
    std::size_t total = 0;  // its real servers
    std::size_t ready = 0;  // health "up" and taking new flows
    std::size_t with_mac = 0;
    bool all_ready() const { return found && ready == total; }
};
RealServerCounts count_real_servers(const nlohmann::json& status);

}  // namespace xvip::backends
