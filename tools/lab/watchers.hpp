// What the lab watches while a scenario runs, each on a thread of its own, all bounded:
//  - NodeWatcher: every node's effective data-plane role, read from its pinned state map every
//    quarter millisecond (the map is on the run's bpffs, in the root mount namespace, so no namespace is
//    entered), and the state transitions xvipd logs, with the log's own timestamps.
//  - ArpWatcher: ARP frames on the client's segment whose sender IP is the VIP (GARPs and replies),
//    from a raw AF_PACKET socket opened in the client's namespace.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_address.hpp"
#include "common/monotonic_clock.hpp"
#include "dataplane/state_word.hpp"
#include "lab/timeline.hpp"
#include "topology/topology.hpp"

namespace xvip::lab {

struct WatchedNode {
    std::string name;                 // "node0"
    std::filesystem::path state_pin;  // .../netns-<inode>/eth0/xvip_state
};

// The pinned state map of `netns`'s eth0 under `pin_root`.
std::filesystem::path state_pin_path(const std::filesystem::path& pin_root, const std::string& netns);

class NodeWatcher {
public:
    // `state_index`: the instance's index in the state array. `verbose`: every log line, not only
    // transitions, warnings and errors.
    NodeWatcher(Timeline& timeline, std::vector<WatchedNode> nodes, std::uint32_t state_index, bool verbose);
    ~NodeWatcher();
    NodeWatcher(const NodeWatcher&) = delete;
    NodeWatcher& operator=(const NodeWatcher&) = delete;

    // Tails node `index`'s daemon log from its current end (`from_start` = false) or from the start.
    void add_log(std::size_t index, const std::filesystem::path& path, bool from_start);
    // The last effective role seen; nullopt when nothing is pinned.
    std::optional<XdpRole> role(std::size_t index) const;
    // Every node's current role as an event at `at` (the scenario's start).
    void mark_roles(TimePoint at);
    void stop();

private:
    struct Log {
        std::size_t node;
        std::filesystem::path path;
        std::uintmax_t offset;
        std::string partial;
    };
    void run(std::stop_token token);
    void poll_roles(std::vector<int>& fds, std::vector<ino_t>& inodes);  // the open pins' inodes
    void poll_logs();

    Timeline& timeline_;
    std::vector<WatchedNode> nodes_;
    std::uint32_t state_index_;
    LeaseClock lease_clock_;  // to read the state words' deadlines
    bool verbose_;
    // One instant on both clocks, to place the logs' wall-clock times on the timeline.
    std::chrono::system_clock::time_point wall_at_start_;
    TimePoint monotonic_at_start_;
    mutable std::mutex mutex_;
    std::vector<std::optional<XdpRole>> roles_;
    std::vector<bool> seen_;
    std::vector<Log> logs_;
    std::jthread thread_;
};

struct ArpSeen {
    TimePoint at{};
    std::string sender_mac;
    std::string sender_ip;
    std::string target_ip;
    bool request = false;
    bool gratuitous = false;  // sender IP == target IP
};

class ArpWatcher {
public:
    // Starts watching the client's eth0 at once, for at most `duration`.
    ArpWatcher(const topo::Topology& topo, const std::string& client_netns, IpAddress vip,
               std::chrono::milliseconds duration);
    ~ArpWatcher();  // stops and waits (bounded)
    ArpWatcher(const ArpWatcher&) = delete;
    ArpWatcher& operator=(const ArpWatcher&) = delete;

    // Stops (if still running) and returns what was seen; throws what the capture threw.
    std::vector<ArpSeen> finish();

private:
    std::shared_ptr<std::atomic<bool>> stop_;
    std::future<std::vector<ArpSeen>> result_;
};

}  // namespace xvip::lab
