#include "topology/delay_line.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <deque>
#include <random>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "common/monotonic_clock.hpp"
#include "topology/command.hpp"
#include "topology/namespace_thread.hpp"

namespace xvip::topo {

using namespace std::chrono;

namespace {

// A raw socket on `ifname` (in the calling thread's namespace) that sees every frame arriving
// there and none of its own.
UniqueFd open_port_socket(const std::string& ifname) {
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (!fd) throw std::system_error(errno, std::generic_category(), "delay line: AF_PACKET socket");
    const int one = 1;
    if (setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) {
        throw std::system_error(errno, std::generic_category(), "delay line: PACKET_IGNORE_OUTGOING");
    }
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (address.sll_ifindex == 0) throw std::system_error(errno, std::generic_category(), "delay line: " + ifname);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "delay line: binding to " + ifname);
    }
    return fd;
}

struct Held {
    TimePoint due;
    std::vector<std::uint8_t> frame;
};

}  // namespace

DelayLine::DelayLine(BridgePort where, int percent, milliseconds delay, std::uint64_t seed)
    : where_(std::move(where)),
      inner_(where_.port + "-d"),
      outer_(where_.port + "-b"),
      percent_(percent),
      delay_(delay) {
    if (where_.netns.empty()) throw std::invalid_argument("delay line: no network namespace given");
    const auto ip = [this](std::vector<std::string> args) {
        args.insert(args.begin(), {"ip", "-n", where_.netns});
        return args;
    };
    // Nothing is touched unless the port is on the bridge it will be put back on.
    const auto shown = run_command(ip({"-o", "link", "show", "dev", where_.port}));
    if (!shown.success()) {
        throw std::invalid_argument("delay line: no interface " + where_.port + " in network namespace " +
                                    where_.netns + ": " + shown.err);
    }
    if (shown.out.find(" master " + where_.bridge + " ") == std::string::npos) {
        throw std::invalid_argument("delay line: " + where_.port + " is not a port of bridge " + where_.bridge +
                                    " in network namespace " + where_.netns);
    }
    try {
        run_checked(ip({"link", "add", inner_, "type", "veth", "peer", "name", outer_}));
        run_checked(ip({"link", "set", outer_, "master", where_.bridge}));
        for (const auto& link : {inner_, outer_}) run_checked(ip({"link", "set", link, "up"}));
        // Off the bridge first, so that no frame is both bridged and queued for the relay. The
        // sockets stay in the bridge namespace once made there; the relay runs anywhere.
        run_checked(ip({"link", "set", where_.port, "nomaster"}));
        auto sockets = run_in_netns(where_.netns, 10s, [port = where_.port, inner = inner_] {
            return std::pair(open_port_socket(port), open_port_socket(inner));
        });
        port_socket_ = std::move(sockets.first);
        inner_socket_ = std::move(sockets.second);
    } catch (...) {
        restore();
        throw;
    }
    thread_ = std::jthread([this, seed](std::stop_token token) { relay(token, seed); });
}

DelayLine::~DelayLine() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    restore();
}

void DelayLine::restore() noexcept {
    try {
        run_command({"ip", "-n", where_.netns, "link", "set", where_.port, "master", where_.bridge});
        run_command({"ip", "-n", where_.netns, "link", "del", inner_});  // its peer goes with it
    } catch (...) {
        // The bridge namespace, and everything in it, goes with its owner's teardown anyway.
    }
}

DelayLineCounts DelayLine::counts() const {
    return {relayed_.load(), dropped_.load()};
}

void DelayLine::relay(std::stop_token token, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> percentile(0, 99);
    // One queue per direction; a fixed delay keeps each in due order.
    std::array<std::deque<Held>, 2> held;  // [0]: from the host, [1]: to the host
    const std::array<int, 2> from{port_socket_.get(), inner_socket_.get()};
    const std::array<int, 2> to{inner_socket_.get(), port_socket_.get()};
    std::array<std::uint8_t, 2048> buffer{};
    while (!token.stop_requested()) {
        auto now = monotonic_now();
        for (std::size_t d = 0; d < 2; ++d) {
            while (!held[d].empty() && held[d].front().due <= now) {
                const auto& frame = held[d].front().frame;
                if (send(to[d], frame.data(), frame.size(), MSG_DONTWAIT) >= 0) ++relayed_;
                held[d].pop_front();
            }
        }
        // Sleep until a frame arrives, the next one is due, or 20 ms pass (to see a stop).
        nanoseconds wait = milliseconds(20);
        for (const auto& q : held) {
            if (!q.empty()) wait = std::min(wait, std::max(nanoseconds(0), q.front().due - now));
        }
        std::array<pollfd, 2> fds{pollfd{from[0], POLLIN, 0}, pollfd{from[1], POLLIN, 0}};
        const timespec timeout{0, static_cast<long>(wait.count())};
        if (ppoll(fds.data(), fds.size(), &timeout, nullptr) <= 0) continue;
        now = monotonic_now();
        for (std::size_t d = 0; d < 2; ++d) {
            if (!(fds[d].revents & POLLIN)) continue;
            ssize_t n;
            while ((n = recv(from[d], buffer.data(), buffer.size(), MSG_DONTWAIT)) > 0) {
                if (percentile(rng) < percent_) {
                    ++dropped_;
                    continue;
                }
                held[d].push_back({now + delay_, std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + n)});
            }
        }
    }
}

}  // namespace xvip::topo
