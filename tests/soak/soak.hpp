// xvip-soak: the chaos soak. Three xvipd nodes (priorities 150, 100, 50, preemption on, VRRPv3 at
// 100 ms adverts) and a client in a throwaway topology; one random fault at a time (SIGKILL,
// SIGSTOP/SIGCONT, link down/up, loss on a link, partitions, restarts, planned stops), each undone
// after a random while, then a wait until one node is active again and a fault-free window. The
// client asks who has the VIP every millisecond and pings it every millisecond for the whole run.
// At the end it checks every fault against the bounds of analysis.hpp, every fault-free window for
// transitions, every daemon for crashes and its descriptors and memory for growth.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "soak/analysis.hpp"

namespace xvip::soak {

// The address families the nodes serve: one IPv4 instance, one IPv6 instance, or both (the same
// VRID in each family) at once.
enum class SoakFamily { ipv4, ipv6, dual };

struct SoakOptions {
    std::chrono::seconds duration{180};  // faults are injected for this long
    std::uint64_t seed = 0;              // printed, to replay a run
    std::chrono::milliseconds advert{100};
    std::chrono::milliseconds quiet{1500};  // each fault-free window
    std::vector<FaultKind> faults;          // empty: every kind
    SoakFamily family = SoakFamily::ipv4;
    long rss_slack_kib = 256;  // resident memory a daemon may gain over its life
    // The daemons' scheduling niceness: the packaged unit runs xvipd at Nice=-10, so other work on
    // the host does not delay its timers (the report says it). The soak itself (its probes,
    // watchers, delay line and xvipctl) runs at the niceness it was started with: at -10 it would
    // starve ksoftirqd (nice 0), and with it every node's receive path, which no host running
    // only xvipd at -10 does.
    int nice = -10;
    // Every instance with fast_failover = true (1 ms x 3): the designated successor's data plane
    // takes over in milliseconds, and the silence bound is that detection time, not VRRP's.
    bool fast_failover = false;
    std::string xvipd;
    std::string xvipctl;
    std::filesystem::path report;  // a markdown report, or empty
};

constexpr int kSoakHeld = 0;      // every bound held
constexpr int kSoakViolated = 1;  // a bound was broken (each is printed)
constexpr int kSoakError = 2;     // the soak itself could not run (the topology, a tool)

// Runs the soak, printing progress and the findings to `out`; removes everything it made.
int run_soak(const SoakOptions& options, std::FILE* out);

}  // namespace xvip::soak
