// What the chaos soak asserts, as pure functions over what it recorded: the faults it injected
// (with their times), the client's view (which node MACs answered ARP for the VIP in each
// millisecond, when ICMP echo replies from the VIP arrived) and the state transitions the nodes
// made. No I/O here, so that every rule is unit-tested on made-up recordings.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/monotonic_clock.hpp"

namespace xvip::soak {

using std::chrono::nanoseconds;

enum class FaultKind {
    kill,          // SIGKILL the daemon, start it again after a while
    stall,         // SIGSTOP, SIGCONT after a while
    link_down,     // the node's eth0 down, up again after a while
    loss,          // 10-30 % loss and 1-20 ms delay on the node's link (netem or the delay line)
    partition,     // the node cut off from the others (the client on one side or the other), healed
    restart,       // SIGUSR2: the restart path, started again at once (what systemd does)
    planned_stop,  // SIGTERM: the planned stop, started again after a while
    // What operators do (the operations soak, --operations):
    restart_storm,  // SIGUSR2 and a new start, several times in a row
    reload_storm,   // SIGHUP several times, the same configuration
    bad_reload,     // a reload refused at start-up (a VIP outside the subnets), then the good one
    nft_drop,       // an nftables rule dropping VRRP on the node's output, removed after 1-2 s
    metrics_flood,  // ~500 idle connections to the node's metrics port for 2 s
    // What hosts do to the node's interface (xvipd exits 75 and the soak starts it again, as
    // systemd's Restart=on-failure would):
    iface_recreate,  // eth0 deleted, re-created with the same name, MAC and addresses after a while
    mac_change,      // eth0 given another MAC (and back, the next time); hitless: the next xvipd adopts
    addr_flush,      // `ip addr flush dev eth0` (both families), the node's own addresses added back later
};
// The chaos soak's faults (its default).
inline constexpr std::array kFaultKinds{FaultKind::kill,        FaultKind::stall,     FaultKind::link_down,
                                        FaultKind::loss,        FaultKind::partition, FaultKind::restart,
                                        FaultKind::planned_stop};
// The operations soak's (--operations): what operators and hosts do; link-down is the chaos soak's
// interface admin down/up.
inline constexpr std::array kOperationsFaultKinds{
    FaultKind::restart_storm,  FaultKind::reload_storm, FaultKind::bad_reload,
    FaultKind::nft_drop,       FaultKind::link_down,    FaultKind::metrics_flood,
    FaultKind::iface_recreate, FaultKind::mac_change,   FaultKind::addr_flush};
// Faults after which the target's xvipd exits 75 by itself, to be started again.
bool exits_for_restart(FaultKind kind);
// Faults after which no node may change its role at all: hitless by design.
bool hitless(FaultKind kind);
// Faults that need the operations set-up (track scripts, a metrics port).
bool operational(FaultKind kind);
const char* to_string(FaultKind kind);
std::optional<FaultKind> parse_fault_kind(std::string_view text);

// One injected fault and the windows it defines.
struct Fault {
    std::size_t number = 0;  // 1, 2, ...
    FaultKind kind = FaultKind::kill;
    std::size_t target = 0;           // node index
    bool target_active = false;       // the target was the active node when the fault began
    bool client_with_target = false;  // partition: the client stayed on the target's side
    std::string detail;               // "for 740 ms", "loss 23 % for 2.1 s", ...
    TimePoint injected{};             // the fault began
    TimePoint healed{};               // it was undone (the daemon started again, SIGCONT, link up...)
    TimePoint settled{};              // one active node again, every backup following it
    TimePoint quiet_end{};            // end of the fault-free window after settling
    bool settled_in_time = true;
    // VRRP transitions the daemons counted in that window (their `transitions` counters, read at
    // both ends of it): exact, whatever their logs' timestamps say.
    std::size_t quiet_vrrp_transitions = 0;
    // Hitless faults: VRRP transitions the daemons that lived through the fault counted between its
    // injection and the settling.
    std::size_t fault_vrrp_transitions = 0;
    // A restart of the target (storm, MAC change) adopted the data plane after the lease its
    // predecessor left had run out (xvipd says so): what guarantees.md promises then is a crash's
    // bounds, not a hitless restart.
    bool lease_lapsed = false;
};

// This fault must have changed nothing: a hitless kind whose restarts all came within the lease.
bool expected_hitless(const Fault& fault);

// The bounds the issue sets, for one fault (nullopt: not asserted for this kind of fault).
struct Limits {
    // After a kill or a stall (from the injection) and after a partition heals (from the heal):
    // two nodes answer at once for at most one advert interval plus a round trip.
    std::optional<nanoseconds> both_answer;
    // After the active node fails (killed, stalled, link down, cut off from the client's side of
    // a partition): no node answers for at most the successor's Master_Down_Interval plus 5 ms (its
    // fast-failover detection time plus 5 ms, when it is the designated successor).
    std::optional<nanoseconds> silence;
    // Once settled, the client is served: in the fault-free window after a fault, no echo gap
    // longer than one advert interval (a client left pointing at a node that stood by, e.g. by the
    // loser of a healed partition, waits for its neighbour entry to age: a second and more).
    nanoseconds settled_echo_gap{0};
};

struct Timing {
    nanoseconds advert{0};
    nanoseconds round_trip{0};  // the client's echo round trip (p99 of the run)
    // Of the node that takes over for the client: the highest-priority backup on its side.
    nanoseconds successor_master_down{0};
    // Fast failover's detection time as its detector reaches it (multiplier x interval, plus one
    // interval for a request less than that late, which xvipd does not log, and one for the
    // detector's recheck), when that node is the designated successor of a node with fast failover
    // on: it takes over then, not after its MDI.
    std::optional<nanoseconds> successor_fast_detection;
    // How late that node's requests left, at most, from a second before the fault until it took
    // over (its log says so, a line a second at most): the detection comes that much later.
    nanoseconds successor_late{0};
    nanoseconds slot{std::chrono::milliseconds(1)};  // the ARP sampler's resolution
};
// The slot adds to both bounds: a run of n 1-ms slots measures between n - 1 and n ms.
Limits limits_for(const Fault& fault, const Timing& timing);

// The client's view.
struct ClientView {
    TimePoint arp_start{};  // ARP slot 0 begins
    nanoseconds slot{std::chrono::milliseconds(1)};
    std::vector<std::uint8_t> arp_slots;  // bit i: node i answered in that slot
    // ARP requests the client sent in each slot; empty: one in every slot. A slot with none in it
    // or the one before was not probed (the sampler was not scheduled): it is left out of runs.
    std::vector<std::uint8_t> arp_requests;
    std::vector<TimePoint> echo_replies;  // arrival of each echo reply, sorted
};

// A span of time, begin and length.
struct Span {
    TimePoint begin{};
    nanoseconds length{0};
};

// The longest run of consecutive slots within [from, to) in which at least `min_nodes` nodes
// answered (min_nodes = 2: two at once), or in which none did (min_nodes = 0). Slots only partly in
// the window count; slots outside the recording do not; slots not probed neither extend a run nor
// end it.
Span longest_run(const ClientView& view, TimePoint from, TimePoint to, int min_nodes);
// The longest time without an echo reply within [from, to), the window's edges included.
nanoseconds longest_reply_gap(const ClientView& view, TimePoint from, TimePoint to);
// How many slots within [from, to) were not probed.
std::size_t unprobed_slots(const ClientView& view, TimePoint from, TimePoint to);
// How many of `times` fall in [from, to).
std::size_t count_within(const std::vector<TimePoint>& times, TimePoint from, TimePoint to);

struct FaultFindings {
    Limits limits;
    Span both_answer;  // in the window the bound applies to (or the whole fault when none does)
    Span silence;      // from the injection until settled
    nanoseconds echo_gap{0};
    nanoseconds settled_echo_gap{0};    // in the fault-free window after it
    std::size_t fault_transitions = 0;  // data-plane role changes between the injection and settling
    // (plus, for a hitless fault, the VRRP transitions of the daemons that lived through it)
    std::size_t quiet_transitions = 0;  // role changes and VRRP transitions in the fault-free window
    std::vector<std::string> violations;
};

// Everything the soak asserts about one fault. `role_changes`: when any node's data-plane role
// changed (active, standby, not attached), sorted.
FaultFindings assess(const Fault& fault, const Timing& timing, const ClientView& view,
                     const std::vector<TimePoint>& role_changes);

// A daemon's descriptors and memory, read at the end of each fault-free window it lived through.
struct Usage {
    TimePoint at{};
    int pid = 0;
    std::size_t node = 0;
    std::size_t fds = 0;
    long rss_kib = 0;
};
struct UsageFindings {
    std::size_t daemons_compared = 0;  // daemons read in two windows or more
    std::vector<std::string> lines;    // "node0 pid 123: 14 -> 14 fds, 5120 -> 5124 KiB over 180 s"
    std::vector<std::string> violations;
};
// Per daemon (pid), its first reading against its last: the same number of descriptors, and
// resident memory grown by at most `rss_slack_kib`.
UsageFindings assess_usage(const std::vector<Usage>& readings, long rss_slack_kib);

}  // namespace xvip::soak
