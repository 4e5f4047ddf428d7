// TCP throughput from the client (iperf3, bounded time) with no XDP on node 0's eth0, with the
// trivial XDP_PASS program, and with xvip attached and active: either to the VIP on node 0 (every
// data segment takes xvip's VIP-pass path), or through node 0 as the VIP's gateway to a server
// behind it (`gateway = true`: every data segment is forwarded, past the forwarding guard). The
// kernel holds the VIP on lo as xvipd does, and the client has a permanent neighbour entry for it,
// so that every configuration sends the same way.
#pragma once

#include <string>
#include <vector>

#include "bench/dataplane/bench_node.hpp"
#include "bench/dataplane/progress.hpp"
#include "bench/dataplane/samples.hpp"

namespace xvip::bench {

struct TcpSettings {
    // Many short runs rather than a few long ones: on a shared VM the rate moves between runs by
    // 10-20 % (no XDP too), so the medians need the rounds.
    int seconds = 2;  // per iperf3 run
    int rounds = 10;  // per configuration, alternating
    // With two CPUs or more: iperf3's client on CPU 0 (where veth also runs node0's receive path,
    // XDP included), its server on CPU 1, the same in every run; left to the scheduler, where
    // the three land moves the rate between runs far more than any XDP program does.
    bool pin_cpus = true;
};

// Where the stream goes.
struct TcpTarget {
    std::string server_netns;    // where iperf3's server runs
    std::string server_address;  // what it binds and the client connects to
    // xvip's instance is a gateway instance and the server is behind node 0: the stream is
    // forwarded (counted pass_not_vip on the active node), not delivered to the VIP.
    bool gateway = false;
};

struct TcpRound {
    std::string config;  // "no XDP", "trivial XDP", "xvip"
    int round = 0;
    double gbit_per_s = 0;  // received by the server
    std::uint64_t retransmits = 0;
    // xvip's counter of the path the stream takes, during the run (xvip only): vip_pass_active,
    // or pass_not_vip through a gateway.
    std::uint64_t xvip_frames = 0;
};

struct TcpResults {
    TcpTarget target;
    TcpSettings settings;
    std::string iperf_version;
    std::vector<TcpRound> rounds;
    Summary no_xdp, trivial, xvip;  // Gbit/s
    Summary paired_ratio;           // xvip / trivial within each round
    Summary xvip_frames_per_s;      // frames through xvip's VIP-pass path per second
    bool pinned = false;            // iperf3 ran pinned (settings.pin_cpus and CPUs to pin to)
};

// `bench` is node0 of `topo`.
TcpResults measure_tcp(topo::Topology& topo, BenchNode& bench, const TcpTarget& target, const TcpSettings& settings,
                       const Progress& progress);

}  // namespace xvip::bench
