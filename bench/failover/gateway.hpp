// The gateway scenario (issue 16): the VIP as the client's default gateway to a server subnet
// behind both nodes (topology/gateway_segment.hpp), xvipd with `gateway = true` (ip_forward=1 on
// both nodes, its XDP program keeps the standby from forwarding) against keepalived with the
// common notify-script toggle (ip_forward=0 at start, notify_master sets 1, notify_backup and
// notify_fault set 0). One run per daemon: crash of the active (SIGKILL), preemption back (the
// crashed node restarts), planned stop (SIGTERM), at 100 ms adverts. Never throws.
#pragma once

#include <string>
#include <vector>

#include "bench/failover/run.hpp"

namespace xvip::bench_failover {

// A fault-free window: 200 ms of probes (1 per ms) through the VIP, then 200 from a client that holds the
// standby's MAC for the gateway.
struct GatewayWindow {
    std::string after;           // "start", "crash", "preemption", "planned stop"
    long standby_forwarded = 0;  // the standby's Ip ForwDatagrams delta over the window
    long standby_to_server = 0;  // frames the standby put on the server's segment
    int via_vip_replies = 0, via_vip_sent = 0;
    int stale_replies = 0, stale_sent = 0;  // the client holding the standby's MAC
};

struct GatewayFault {
    std::string fault;     // "crash", "preemption", "planned stop"
    double outage_ms = 0;  // the probe's longest gap through the gateway (1 ms probes)
    std::uint32_t lost = 0, sent = 0;
    bool tcp_survived = false;
};

struct GatewayResult {
    Daemon daemon = Daemon::xvipd;
    int rep = 0;
    bool ok = false;
    std::string failure;
    std::vector<GatewayWindow> windows;
    std::vector<GatewayFault> faults;
    double elapsed_s = 0;
};

inline constexpr int kWindowProbes = 200;  // ms of probing per half window

GatewayResult run_gateway(Daemon daemon, const Programs& programs, int rep);
double gateway_estimated_seconds();
// The report's "Gateway" section (markdown, from its heading).
std::string gateway_markdown(const std::vector<GatewayResult>& results);

}  // namespace xvip::bench_failover
