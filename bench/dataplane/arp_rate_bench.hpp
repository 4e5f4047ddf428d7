// ARP replies per second on a veth pair: answered by xvip's XDP program versus by the kernel's
// own ARP, with the same pair, generator and counter for both, counted in the kernel at the
// sender (an XDP counter on client0's eth0, reply_counter.bpf.c, which drops what it counts).
//
// client0 and node0 are joined by one veth pair (veth_pair.hpp), no bridge. Two generators send
// one ARP request for the VIP after another from client0, bounded in count and time per round:
//   live frames: BPF_PROG_TEST_RUN of arp_generator.bpf.c with BPF_F_TEST_XDP_LIVE_FRAMES, which
//                sends each frame out of client0's eth0 as a driver would (no socket, no skb);
//   sendmmsg:    an AF_PACKET socket with PACKET_QDISC_BYPASS (an skb per request, a syscall
//                per batch).
// Rounds alternate the two sides for each generator.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/dataplane/bench_node.hpp"
#include "bench/dataplane/progress.hpp"
#include "bench/dataplane/samples.hpp"

namespace xvip::bench {

class VethPair;

struct ArpRateSettings {
    std::chrono::milliseconds max_time{2000};  // per round
    std::uint64_t max_frames = 20'000'000;     // per round
    int rounds = 5;                            // per side and generator
};

inline constexpr const char* kLiveFrames = "live frames";
inline constexpr const char* kSendmmsg = "sendmmsg";

struct ArpRound {
    std::string generator;  // kLiveFrames or kSendmmsg
    std::string side;       // "kernel" or "xdp"
    int round = 0;
    std::uint64_t sent = 0;
    std::uint64_t send_retries = 0;  // sendmmsg said EAGAIN/ENOBUFS
    std::uint64_t calls = 0;         // BPF_PROG_TEST_RUN or sendmmsg calls
    // Sending time: for live frames the kernel's own time in its send loops (each call's
    // `duration` x its frames), which leaves out each call's swaps of the XDP dispatcher; for
    // sendmmsg the blaster's loop, as the wall clock saw it.
    double seconds = 0;
    double wall_seconds = 0;        // the whole sending, the dispatcher swaps included
    std::uint64_t replies = 0;      // counted on client0's eth0 during the round
    std::uint64_t xdp_replies = 0;  // xvip's arp_reply counter (xdp side): the program's own count
    double replies_per_second() const { return seconds > 0 ? static_cast<double>(replies) / seconds : 0; }
};

struct ArpSides {
    Summary kernel;  // replies per second over the rounds
    Summary xdp;
};

struct ArpRates {
    ArpRateSettings settings;
    std::vector<ArpRound> rounds;
    ArpSides live_frames;  // the headline: the generator that costs the least per request
    ArpSides sendmmsg;
};

// `bench` is node0 of `pair`; the kernel holds the VIP as xvipd does (hold_vip_as_xvipd).
ArpRates measure_arp_rates(const VethPair& pair, BenchNode& bench, const ArpRateSettings& settings,
                           const Progress& progress);

}  // namespace xvip::bench
