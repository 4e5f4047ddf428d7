// Loss and delay on one bridge port without sch_netem: the port is taken off the bridge and a
// relay carries its frames to and from a fresh veth on the bridge, dropping a share of them and
// holding the rest for a fixed delay, each way. The kernel the soak runs on in CI has no netem;
// this is the same fault made in user space. The chaos soak (tests/soak) puts it on a node's
// bridge port; the VM lab (tools/vmlab) on a guest's tap, through xvip-delay-line, beside sch_netem
// in the guest.
//
//   node0's eth0 ==veth== node0 (bridge ns, off br0) <-relay-> node0-d ==veth== node0-b (on br0)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"

namespace xvip::topo {

// Where the relay goes: `port` on `bridge` in network namespace `netns` (never the root one).
struct BridgePort {
    std::string netns;
    std::string bridge;
    std::string port;
};

struct DelayLineCounts {
    std::uint64_t relayed = 0;
    std::uint64_t dropped = 0;
};

class DelayLine {
public:
    // Starts relaying the port with `percent` % loss and `delay` each way, or throws (and leaves
    // the port on the bridge). Throws std::invalid_argument, touching nothing, when the port is not
    // on that bridge.
    DelayLine(BridgePort where, int percent, std::chrono::milliseconds delay, std::uint64_t seed);
    // Stops the relay, removes its veth and puts the port back on the bridge.
    ~DelayLine();
    DelayLine(const DelayLine&) = delete;
    DelayLine& operator=(const DelayLine&) = delete;

    DelayLineCounts counts() const;

private:
    void relay(std::stop_token token, std::uint64_t seed);
    void restore() noexcept;

    BridgePort where_;   // the port: "node0" on br0 in the soak's bridge namespace
    std::string inner_;  // the relay's end of the new veth, "node0-d"
    std::string outer_;  // the end on the bridge, "node0-b"
    int percent_;
    std::chrono::nanoseconds delay_;
    UniqueFd port_socket_;
    UniqueFd inner_socket_;
    std::atomic<std::uint64_t> relayed_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::jthread thread_;
};

}  // namespace xvip::topo
