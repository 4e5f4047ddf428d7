// The load-balancer plan: from the configured virtual servers, the health of their real servers and
// the ids handed out before, what the XDP data plane must hold (bpf/xvip_abi.h, "Forwarding for
// virtual services"): each service's key, id, hashing and Maglev ring, and the backend table the
// rings index. xvipd plans on start, on reload and on every health change, then writes the
// difference. Pure: no I/O, no clock, no BPF; the structs here are the data plane's in plain C++.
//
// The rules, all of them:
//
// Services. Only IPv4 TCP and UDP virtual servers with a port in 1-65535, real servers that are
// IPv4, unique in the service and at most max_real_servers_per_service of them, weights in
// 0..max_real_server_weight and a persistence granularity in 0..32 are planned. The validator
// refuses anything else; the planner, which must not crash on what it is given, skips such a
// service and says why (Plan::skipped), as it skips a second virtual server with the key of an
// earlier one. A skipped service is not in the plan: xvipd removes it from the data plane.
//
// Ids. A service whose key has an id in the previous assignment keeps it, so a reload or a health
// change never moves a live service to another id (the id names its ring and its flows'
// incarnation). New keys take the lowest free ids, in configuration order. Entries of the previous
// assignment that name an id out of range, or an id another key (earlier in key order) already
// has, are ignored. More services than kMaxServices is a PlanError.
//
// Hashing. persistence_timeout set: persistent, the client's address masked to
// persistence_granularity bits, 32 without one. Unset: per flow. (Both readers set a 360 s timeout
// when the granularity is given alone, as keepalived does, so a granularity without a timeout does
// not occur; it is not persistent here.)
//
// Weights. A real server takes new flows when it is up and its weight is above 0. Its weight is
// its dynamic weight when its health has one (MISC_CHECK's misc_dynamic), else the configured one.
// A real server with no health entry is up with its configured weight: xvip's rule is keepalived's
// without alpha, a real server counts as up until its check fails. inhibit_on_failure does not
// change the plan: a failed server leaves the ring either way, and the data plane keeps following
// the flows already entered for it (what xvipd does about them is later work).
//
// Quorum (keepalived's rule). A service's live weight is the weights (as above) of its real servers
// that are up, added. A service with quorum goes down when its live weight is 0 or below quorum -
// hysteresis; without, it comes up at quorum + hysteresis or more. The state is carried from one
// plan to the next (Assignment::quorum_up): a service the previous assignment does not know starts
// with quorum when its live weight reaches quorum + hysteresis. As keepalived does, a quorum above
// the configured weights added is lowered to that sum (when it is at least 1), and a hysteresis of
// quorum or more to quorum - 1 (the validator warns of both); PlannedService::quorum holds the
// values used.
//
// Rings. With quorum, or without quorum and without a sorry server, each service's ring is the
// weighted Maglev table (maglev.hpp) of kRingSize entries of the real servers that take new flows,
// mapped onto backend-table indices. Without quorum, a sorry server takes every new flow instead. A real server's
// Maglev key is "ADDRESS:PORT" with the service's port (direct routing does not translate ports), e.g. "192.0.2.21:80":
// it depends on the configuration alone, so both balancers, given the same configuration and health, build the same
// ring, whatever the order of the real servers in the file and whatever backend indices each host gave out. The sorry
// server's ring names it in every entry (the table Maglev builds for one backend); with quorum it is in no entry. When
// the ring would name no real server and there is no sorry server, every entry is kNoBackend, and the data plane passes
// the service's new flows to the kernel. (With the defaults, quorum 1 and hysteresis 0, a service has quorum exactly
// while some real server takes new flows.)
//
// Backends. The backend table has one entry per distinct address among the planned services' real
// servers and sorry servers (a server in two services is one backend; the data plane forwards by
// MAC, so the port plays no part). Indices are stable rather than sorted: an address that had an
// index in the previous assignment keeps it, and new addresses, in address order, take the lowest
// free indices. Stable, because the data plane's flow table names backends by index: renumbering
// on a reload would send established flows to other servers. (The price: an index freed by an
// address that left may go to a new address at once, and flows still entered for the old one would
// follow it; xvipd is to clear them before reusing an index, later work.) An address takes new
// flows (the data plane's "usable") while some ring names it. More addresses than kMaxBackends is
// a PlanError.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "config/config.hpp"
#include "lb/maglev.hpp"

namespace xvip::lb {

// The data plane's sizes (bpf/xvip_abi.h; tests/unit/lb/plan_test.cpp checks that they agree:
// the library itself stays free of the ABI header, so that the fuzzing build, which has no bpf/,
// builds it).
inline constexpr std::size_t kMaxServices = 64;      // XVIP_LB_MAX_SERVICES
inline constexpr std::size_t kMaxBackends = 4096;    // XVIP_LB_MAX_BACKENDS
inline constexpr std::uint32_t kRingSize = 16381;    // XVIP_LB_RING_SIZE
static_assert(kNoBackend == 0xffff);                 // XVIP_LB_NO_BACKEND
static_assert(kMaxBackends < kNoBackend);            // an index is never taken for "none"
static_assert(kMaxServices >= max_virtual_servers);  // what the validator lets through fits

// A service as the data plane matches it (its VIP, protocol and port).
struct ServiceKey {
    IpAddress vip;
    ServiceProtocol protocol = ServiceProtocol::tcp;
    std::uint16_t port = 0;

    friend auto operator<=>(const ServiceKey&, const ServiceKey&) = default;
};

// "tcp 192.0.2.100:80"
std::string to_string(const ServiceKey& key);

// The key a virtual server is matched by (its port must be in 1-65535: the validator's rule).
ServiceKey key_of(const VirtualServer& vs);

// A real server of a service: what its health is reported under (addresses are unique in a service).
struct RealServerKey {
    ServiceKey service;
    IpAddress address;

    friend auto operator<=>(const RealServerKey&, const RealServerKey&) = default;
};

struct RealServerHealth {
    bool up = true;
    // MISC_CHECK with misc_dynamic: the weight its last exit code set, in place of the configured
    // one. Clamped to 0..max_real_server_weight.
    std::optional<int> dynamic_weight;
};

// A real server without an entry is up, with its configured weight; an entry that names no
// configured real server is ignored.
using HealthMap = std::map<RealServerKey, RealServerHealth>;

// Which service has which id and which address which backend index: what the next plan keeps.
// And which service had quorum: the state the hysteresis needs.
struct Assignment {
    std::map<ServiceKey, std::uint8_t> service_ids;
    std::map<IpAddress, std::uint16_t> backend_indices;
    std::map<ServiceKey, bool> quorum_up;
};

// How a service's new flows are hashed onto its ring (the data plane's xvip_lb_flow_hash).
struct Hashing {
    bool persistent = false;           // the client's address only ...
    std::uint8_t persist_prefix = 32;  // ... masked to this many bits (32 when not persistent)

    friend bool operator==(const Hashing&, const Hashing&) = default;
};

// What a ring names.
enum class RingHolds {
    real_servers,  // the real servers that take new flows
    sorry_server,  // none does: the sorry server alone
    nothing,       // none does and there is no sorry server: every entry is kNoBackend
};

std::string_view to_string(RingHolds holds);  // "real servers", "sorry server", "nothing"

// A service's quorum as planned.
struct Quorum {
    bool up = false;
    std::int64_t live_weight = 0;  // the weights of its real servers that are up, added
    int quorum = 1;                // as used (keepalived's adjustments made)
    int hysteresis = 0;            // as used

    friend bool operator==(const Quorum&, const Quorum&) = default;
};

struct PlannedService {
    ServiceKey key;
    std::uint8_t id = 0;  // < kMaxServices
    Hashing hashing;
    Quorum quorum;
    RingHolds holds = RingHolds::nothing;
    std::vector<std::uint16_t> ring;  // kRingSize backend-table indices or kNoBackend
};

struct PlannedBackend {
    std::uint16_t index = 0;  // < kMaxBackends
    IpAddress address;
    bool takes_new_flows = false;  // some ring names it

    friend bool operator==(const PlannedBackend&, const PlannedBackend&) = default;
};

struct SkippedService {
    std::string service;  // "tcp 192.0.2.100:80" (as configured: the port may be out of range)
    std::string reason;
};

struct Plan {
    std::vector<PlannedService> services;  // in configuration order
    std::vector<PlannedBackend> backends;  // by index, ascending; unused indices are absent
    std::vector<SkippedService> skipped;   // in configuration order

    // The ids and indices this plan gave out: the next plan's `previous`.
    Assignment assignment() const;
};

// The plan could not be made: the data plane has no room for it. The message says what to change.
class PlanError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Plans `configured` as the rules above say. Deterministic: the same arguments make the same plan.
// Throws PlanError when more than kMaxServices services or kMaxBackends backend addresses remain.
Plan plan_services(std::span<const VirtualServer> configured, const HealthMap& health, const Assignment& previous);

}  // namespace xvip::lb
