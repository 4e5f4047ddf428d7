// The MAC addresses of a set of IPv4 neighbours (the load balancer's backends) on one interface, as
// the kernel's neighbour (ARP) table knows them, kept fresh from the event loop. xvipd never sends
// an ARP request itself: it asks the kernel to resolve (RTM_NEWNEIGH with NTF_USE, see
// build_neighbour_use_request) and follows the table through RTMGRP_NEIGH notifications, plus a
// dump of the interface's entries every refresh_interval in case a change came without one.
//
// Which states give a usable MAC (usable_mac in rtnetlink_messages.hpp): REACHABLE, STALE, DELAY,
// PROBE (the kernel holds a MAC and has not given up on it), PERMANENT and NOARP (set by the
// administrator or the device). INCOMPLETE, FAILED and no entry at all give none. A STALE entry
// keeps its MAC: frames sent with XDP_TX never
// confirm an entry (only the kernel's own traffic does, the health checks' connections among it),
// so STALE is what a working backend's entry normally is between verifications.
//
// Resolution is asked for, with NTF_USE:
// - for a newly watched address the kernel has no usable entry for, at once;
// - after the entry went FAILED or was deleted (garbage collection, `ip neigh del/flush`), with a
//   back-off: never sooner than first_retry × 2^(n-1) (at most longest_retry) after the n-th
//   consecutive attempt that did not give a MAC, so a backend that is gone costs the kernel's
//   mcast_solicit broadcasts every longest_retry at most, and never a busy loop. A MAC resets it;
// - for every STALE entry, at each refresh: the kernel moves it to DELAY and, unless something
//   confirms it within delay_first_probe_time, sends unicast probes (PROBE) to the MAC it holds.
//   If the backend answers, the entry is REACHABLE again; if its MAC changed, nobody answers, the
//   entry goes FAILED (the MAC is reported gone) and the next attempt, at once, broadcasts and
//   learns the new MAC.
// PERMANENT and NOARP entries are never asked about: NTF_USE on a PERMANENT entry makes the kernel
// drop its static MAC and resolve it again.
//
// How long until xvipd knows, with the kernel's defaults for the interface (net.ipv4.neigh.IF.*):
// - an entry deleted: at once (none), and the MAC again within one ARP exchange;
// - an entry gone FAILED: at once (none);
// - a backend's MAC changed, the backend silent: the kernel keeps the old MAC REACHABLE for up to
//   1.5 × base_reachable_time_ms (45 s) after its last confirmation, then STALE, seen within one
//   refresh_interval (5 s); then delay_first_probe_time (5 s) and ucast_solicit × retrans_time_ms
//   (3 s) of unanswered probes make it FAILED, and the new MAC follows within one ARP exchange:
//   about 58 s at worst. A backend that says anything in ARP (a gratuitous ARP when its MAC
//   changes, a request of its own) updates the entry in the kernel, and here, at once.
//
// Only the watched addresses on the watched interface count; other interfaces, IPv6 and other
// addresses are ignored. A notification socket that overflowed (ENOBUFS) is followed by a dump.
// The interface is named by its index: when it is re-created, make another NeighbourWatch. The
// sockets belong to the network namespace of the thread that made the watch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/log_sink.hpp"
#include "system/netlink_socket.hpp"

namespace xvip {

class NeighbourWatch {
public:
    // Called in the loop when an address's usable MAC changes: a MAC learnt or changed, or none
    // (the entry failed or was deleted). The first verdict on an address is reported too: its MAC,
    // or none once the kernel failed to resolve it. It may call watch(), not destroy the watch.
    using OnChange = std::function<void(const IpAddress&, const std::optional<MacAddress>&)>;

    static constexpr Duration refresh_interval = std::chrono::seconds(5);
    static constexpr Duration first_retry = std::chrono::seconds(1);
    static constexpr Duration longest_retry = std::chrono::seconds(8);

    // Watches nothing until watch(). Throws std::system_error when the sockets cannot be opened.
    NeighbourWatch(EventLoop& loop, int ifindex, OnChange on_change, LogSink log = {});
    NeighbourWatch(const NeighbourWatch&) = delete;
    NeighbourWatch& operator=(const NeighbourWatch&) = delete;
    ~NeighbourWatch();

    // The IPv4 addresses to know, replacing the set. New ones are looked up at once (a dump) and
    // resolution asked for where the kernel has no usable entry; what the kernel already knows is
    // reported before this returns. Addresses no longer watched are forgotten without a report.
    // Throws std::invalid_argument for an IPv6 address.
    void watch(std::span<const IpAddress> addresses);

    // The usable MAC of a watched address; nullopt when it has none (or is not watched).
    std::optional<MacAddress> mac(const IpAddress& address) const;

    // Per address: "mac" (or null), "state" (the kernel's, or NONE), "changed_ms_ago" (since the
    // MAC last changed, or the address was first watched) and "resolutions" (NTF_USE requests).
    nlohmann::json status() const;

private:
    struct Neighbour {
        std::uint16_t state = 0;  // NUD_*; NUD_NONE: no entry
        std::optional<MacAddress> mac;
        bool reported = false;  // a verdict was given (on_change called once at least)
        TimePoint changed{};
        std::optional<TimePoint> last_resolution;
        std::uint64_t resolutions = 0;
        int attempts_without_mac = 0;  // consecutive resolutions that did not give a MAC
        std::optional<EventLoop::TimerId> retry;
    };
    struct Report {
        IpAddress address;
        std::optional<MacAddress> mac;
    };

    void read_notifications();
    void refresh();
    // Reads the interface's whole table into the watched entries. Returns 0 or the errno.
    int resync(std::vector<Report>& reports);
    void apply(const IpAddress& address, Neighbour& neighbour, std::uint16_t state,
               const std::optional<MacAddress>& mac, std::vector<Report>& reports);
    // Schedules the next resolution of an address that has no MAC and no resolution under way.
    void schedule_retry(const IpAddress& address, Neighbour& neighbour);
    // NTF_USE, for an entry that is STALE, FAILED or absent only (never PERMANENT: see above).
    void resolve(const IpAddress& address, Neighbour& neighbour);
    // Calls on_change for each report whose address is still watched (a callback may call watch()).
    void deliver(const std::vector<Report>& reports);

    EventLoop& loop_;
    int ifindex_;
    OnChange on_change_;
    LogSink log_;
    NetlinkSocket notifications_;
    NetlinkSocket requests_;
    std::map<IpAddress, Neighbour> neighbours_;
    EventLoop::TimerId refresh_timer_ = 0;
};

}  // namespace xvip
