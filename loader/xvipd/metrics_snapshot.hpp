// What xvipd exposes as metrics, typed: one snapshot, taken in the event loop, that the exposition
// (metrics_exposition.hpp) renders. Every family of metrics comes from a field here, so a renamed
// field is a compile error, never a silently absent series.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/bfd_control.hpp"
#include "codec/discard_reason.hpp"
#include "common/ip_address.hpp"
#include "common/monotonic_clock.hpp"
#include "dataplane/state_word.hpp"
#include "election/state.hpp"
#include "lb/plan.hpp"
#include "xvip_abi.h"

namespace xvip {

// Adverts discarded, indexed by DiscardReason.
using DiscardCounts = std::array<std::uint64_t, discard_reason_count>;

struct InstanceMetrics {
    std::string name;
    std::string interface;
    AddressFamily family = AddressFamily::ipv4;
    std::uint8_t vrid = 0;

    State state = State::initialize;
    XdpRole role = XdpRole::standby;  // effective: an expired lease is standby
    std::uint8_t priority = 0;        // after tracking and maintenance
    std::uint8_t configured_priority = 0;
    bool maintenance = false;
    std::chrono::nanoseconds lease_remaining{0};  // of the active or draining word; 0 when standby

    std::uint64_t transitions = 0;
    std::optional<std::chrono::system_clock::time_point> last_transition;  // none before the first

    std::uint64_t adverts_sent = 0;
    std::uint64_t adverts_received = 0;
    std::uint64_t advert_send_failures = 0;
    std::uint64_t announcements = 0;
    std::uint64_t frames_sent = 0;
    std::uint64_t frame_failures = 0;
    std::uint64_t lease_renewals = 0;
    std::uint64_t stalls = 0;
    DiscardCounts discards{};  // adverts for this instance

    // Fast failover's session, for an instance with fast_failover = true (none otherwise).
    struct FastFailover {
        bool armed = false;         // the active node answered Up: this node may take over fast
        Duration detection_time{};  // fast_failover_interval x fast_failover_multiplier
        std::uint64_t requests = 0;
        std::uint64_t answers = 0;
        std::uint64_t takeovers = 0;
        std::uint64_t reverts = 0;
        Duration largest_gap{};             // between two answers while armed, since the data plane was loaded
        std::uint64_t most_unanswered = 0;  // requests out when an answer came, at most
        // Requests that left one interval or more after they were due (xvipd was not scheduled in
        // time: the detection comes that much later), and the longest such delay.
        std::uint64_t late_requests = 0;
        Duration most_late{};
    };
    std::optional<FastFailover> fast_failover;
};

struct InterfaceMetrics {
    std::string name;
    DiscardCounts discards{};                // before any instance claimed the packet
    std::optional<xvip_counters> dataplane;  // summed over CPUs; none when it could not be read
};

// Why the endpoint dropped a datagram before any session took it.
enum class BfdDrop : std::uint8_t {
    ttl,                  // not 255: it crossed a router (RFC 5881 §5)
    malformed,            // the codec discarded it (RFC 5880 §6.8.6)
    no_session,           // no session for its discriminator or its source address
    wrong_discriminator,  // Your Discriminator names none of ours
};
inline constexpr std::size_t bfd_drop_count = 4;
inline std::string_view to_string(BfdDrop drop) {
    switch (drop) {
        case BfdDrop::ttl: return "ttl";
        case BfdDrop::malformed: return "malformed";
        case BfdDrop::no_session: return "no_session";
        case BfdDrop::wrong_discriminator: return "wrong_discriminator";
    }
    return "unknown";
}

struct BfdSessionMetrics {
    std::string name;
    std::string neighbor;
    BfdState state = BfdState::down;
    BfdState remote_state = BfdState::down;
    BfdDiag diag = BfdDiag::none;
    Duration detection_time{0};  // in force; 0 before the first packet
    Duration largest_gap{0};     // between two packets received while Up
    std::uint64_t packets_received = 0;
    std::uint64_t packets_sent = 0;
    std::uint64_t send_failures = 0;
    std::uint64_t ups = 0;    // transitions to Up
    std::uint64_t downs = 0;  // transitions from Up to Down
};

// A real server's health as the load balancer plans with it.
enum class LbHealth : std::uint8_t {
    up,
    down,
    unknown,    // checked, but its check has not decided yet
    unchecked,  // no check: always up
};
inline std::string_view to_string(LbHealth health) {
    switch (health) {
        case LbHealth::up: return "up";
        case LbHealth::down: return "down";
        case LbHealth::unknown: return "unknown";
        case LbHealth::unchecked: return "unchecked";
    }
    return "unknown";
}

// A backend of a virtual service (a real server or its sorry server) as its data plane holds it.
struct LbBackendMetrics {
    std::string address;
    bool takes_new_flows = false;  // written as usable, with its MAC known
    std::uint64_t flows = 0;       // entries of the flow table for it (counted at most once a second)
};

struct RealServerMetrics {
    LbBackendMetrics backend;
    int weight = 0;  // as configured
    LbHealth health = LbHealth::unchecked;
};

struct VirtualServiceMetrics {
    std::string service;  // "tcp 192.0.2.100:80" (lb::to_string)
    std::string interface;
    std::optional<lb::RingHolds> ring;  // what its ring holds; none when it is not in the data plane
    std::optional<lb::Quorum> quorum;   // as planned; none when it is not in the data plane
    std::vector<RealServerMetrics> real_servers;
    std::optional<LbBackendMetrics> sorry_server;
};

struct MetricsSnapshot {
    std::string version;
    std::chrono::milliseconds uptime{0};
    std::vector<InstanceMetrics> instances;
    std::vector<InterfaceMetrics> interfaces;
    std::vector<BfdSessionMetrics> bfd_sessions;
    std::array<std::uint64_t, bfd_drop_count> bfd_drops{};  // by BfdDrop
    std::vector<VirtualServiceMetrics> virtual_services;    // the load balancer's, by interface
};

}  // namespace xvip
