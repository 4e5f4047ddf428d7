// ARP replies per second on a veth: answered by xvip's XDP program versus by the kernel's own
// ARP, on the same topology, counted in the kernel at the sender (an XDP counter on the client's
// eth0, reply_counter.bpf.c, which drops what it counts).
//
// A blaster in the client's namespace sends one ARP request for the VIP after another through an
// AF_PACKET socket, bounded in both count and time. Rounds alternate the two sides.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_node.hpp"
#include "bench/progress.hpp"
#include "bench/samples.hpp"

namespace xvip::bench {

struct ArpRateSettings {
    std::chrono::milliseconds max_time{2000};  // per round
    std::uint64_t max_frames = 5'000'000;      // per round
    int rounds = 5;                            // per side
};

struct ArpRound {
    std::string side;  // "kernel" or "xdp"
    int round = 0;
    std::uint64_t sent = 0;
    std::uint64_t send_retries = 0;  // sendmmsg said EAGAIN/ENOBUFS
    double seconds = 0;              // the blaster's sending time
    std::uint64_t replies = 0;       // counted on client0's eth0 during the round
    std::uint64_t xdp_replies = 0;  // xvip's arp_reply counter (xdp side): the program's own count
    double replies_per_second() const { return seconds > 0 ? static_cast<double>(replies) / seconds : 0; }
    double sent_per_second() const { return seconds > 0 ? static_cast<double>(sent) / seconds : 0; }
};

struct ArpRates {
    ArpRateSettings settings;
    std::vector<ArpRound> rounds;
    Summary kernel;  // replies per second over the rounds
    Summary xdp;
};

ArpRates measure_arp_rates(BenchNode& bench, const ArpRateSettings& settings, const Progress& progress);

}  // namespace xvip::bench
