// The configuration model both readers (native TOML and keepalived.conf) produce and the daemon
// consumes. Values are kept as written (an out-of-range priority stays out of range) so that the
// validator, not the readers, decides what is acceptable and says so with the line it came from.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/advert.hpp"
#include "common/ip_address.hpp"
#include "config/diagnostic.hpp"

namespace xvip {

using Milliseconds = std::chrono::milliseconds;

enum class LogLevel { error, warning, info, debug };

// The three checksum forms seen for VRRPv3 over IPv4 (see docs/vrrp.md). What we send; every form
// is accepted on receive.
enum class V3Ipv4Checksum {
    pseudo_header_real_destination,  // keepalived >= 1.3.6 and FRR: the default
    pseudo_header_multicast_group,   // older keepalived: 224.0.0.18 even when sending unicast
    message_only,                    // RFC 9568 and several router vendors
};

// Which file format a configuration came from; the validator words its fixes in that format's
// keywords.
enum class ConfigDialect { toml, keepalived };

// Settings a diagnostic can point at. Each reader records where it read each one.
enum class Field {
    name,
    interface,
    vrid,
    priority,
    version,
    advert_interval,
    vips,
    preempt,
    preempt_delay,
    source_address,
    unicast_peers,
    unicast_ttl,
    auth,
    checksum,
    garp,
    tracked_interfaces,
    tracked_scripts,
    notify,
    sync_group_members,
    script_path,
    script_interval,
    script_timeout,
    script_rise,
    script_fall,
    script_weight,
    gateway,
    tracked_bfds,
    bfd_neighbor,
    bfd_source,
    bfd_min_rx,
    bfd_min_tx,
    bfd_idle_tx,
    bfd_multiplier,
    bfd_outgoing_ttl,
    bfd_max_hops,
    bfd_weight,
    fast_failover,
    fast_failover_interval,
    fast_failover_multiplier,
};

// Where each field of one object was set; falls back to where the object itself starts.
class FieldOrigins {
public:
    void set(Field field, SourceLocation where) { origins_[field] = std::move(where); }
    const SourceLocation& of(Field field) const;
    // A field whose text the reader could not understand (and already reported): the validator
    // does not pile a second message on top.
    void set_unreadable(Field field) { unreadable_.push_back(field); }
    bool unreadable(Field field) const;
    SourceLocation block;  // the `vrrp_instance NAME {` line or the `[[instance]]` header

private:
    std::map<Field, SourceLocation> origins_;
    std::vector<Field> unreadable_;
};

struct GlobalSettings {
    // Cloud profile: the provider's limits (8 VIPs per host, 10 routers per VIP) become errors.
    bool cloud = false;
    std::string default_interface;  // used by instances that name none
    LogLevel log_level = LogLevel::info;
    std::string pin_dir = "/sys/fs/bpf/xvip";
    V3Ipv4Checksum v3_ipv4_checksum = V3Ipv4Checksum::pseudo_header_real_destination;
    std::string notify_fifo;         // every state change of every instance, one line each
    std::string notify_fifo_script;  // run once with the FIFO's path, to consume it
    std::string script_user;         // track and notify scripts run as this user; empty: the daemon's
    SourceLocation where;
};

struct VirtualAddress {
    IpAddress address;
    std::uint8_t prefix_length = 32;
    SourceLocation where;

    friend bool operator==(const VirtualAddress& a, const VirtualAddress& b) {
        return a.address == b.address && a.prefix_length == b.prefix_length;
    }
};

struct UnicastPeer {
    IpAddress address;
    SourceLocation where;
    // keepalived's `min_ttl` / `max_ttl` on the peer's line: the TTL (IPv6: hop limit) this peer's
    // adverts must arrive with, 1-255. Unset: any (keepalived's 0 and 255).
    std::optional<int> min_ttl;
    std::optional<int> max_ttl;
    SourceLocation min_ttl_where;
    SourceLocation max_ttl_where;

    bool has_ttl_range() const { return min_ttl || max_ttl; }

    friend bool operator==(const UnicastPeer& a, const UnicastPeer& b) {
        return a.address == b.address && a.min_ttl == b.min_ttl && a.max_ttl == b.max_ttl;
    }
};

// keepalived's names in brackets. Counts and times as keepalived defines them.
struct GarpSettings {
    int repeat = 5;                         // garp_master_repeat: frames per burst on becoming active
    Milliseconds second_burst_delay{5000};  // garp_master_delay: second burst after this; 0 = none
    Milliseconds refresh_period{0};         // garp_master_refresh: periodic burst while active; 0 = off
    int refresh_repeat = 1;                 // garp_master_refresh_repeat
    Milliseconds interval{0};               // garp_interval: gap between two ARP frames
    Milliseconds na_interval{0};            // gna_interval: gap between two unsolicited NAs

    friend bool operator==(const GarpSettings&, const GarpSettings&) = default;
};

// Scripts run with no arguments of ours; keepalived's extra arguments (type, name, state,
// priority) are appended by the daemon.
struct NotifyHooks {
    std::string any;     // notify: every transition
    std::string active;  // notify_master
    std::string backup;  // notify_backup
    std::string fault;   // notify_fault
    std::string stop;    // notify_stop

    friend bool operator==(const NotifyHooks&, const NotifyHooks&) = default;
};

struct TrackedInterface {
    std::string name;
    // 0: the instance goes to fault while the interface is down. Otherwise added to the priority
    // while up (> 0) or subtracted while down (< 0), as keepalived does.
    int weight = 0;
    bool weight_reversed = false;
    SourceLocation where;

    friend bool operator==(const TrackedInterface& a, const TrackedInterface& b) {
        return a.name == b.name && a.weight == b.weight && a.weight_reversed == b.weight_reversed;
    }
};

// A health check shared by instances (keepalived vrrp_script). Exit 0 is success.
struct TrackScript {
    std::string name;
    std::string command;  // path and arguments, split by the daemon as a shell would not: on spaces
    Milliseconds interval{1000};
    std::optional<Milliseconds> timeout;  // unset: the interval, as keepalived does
    int rise = 1;
    int fall = 1;
    int weight = 0;  // 0: failure puts the instance in fault
    bool weight_reversed = false;
    std::string user;               // empty: the daemon's default script user
    bool initially_failed = false;  // keepalived init_fail
    FieldOrigins origins;
};

// An instance's use of a TrackScript, optionally overriding its weight.
struct ScriptReference {
    std::string name;
    std::optional<int> weight;
    bool weight_reversed = false;
    SourceLocation where;

    friend bool operator==(const ScriptReference& a, const ScriptReference& b) {
        return a.name == b.name && a.weight == b.weight && a.weight_reversed == b.weight_reversed;
    }
};

// A single-hop BFD session (RFC 5880 asynchronous mode over RFC 5881 UDP) that xvipd runs to a
// neighbour, e.g. the upstream gateway, for instances to track (keepalived bfd_instance). Times as
// keepalived defines them: microsecond resolution, its defaults.
struct BfdInstance {
    std::string name;
    std::optional<IpAddress> neighbor;             // required; IPv4 only
    std::optional<IpAddress> source;               // unset: the kernel's choice for the neighbour's route
    std::chrono::microseconds min_rx{10'000};      // Required Min RX Interval
    std::chrono::microseconds min_tx{10'000};      // Desired Min TX Interval while Up
    std::chrono::microseconds idle_tx{1'000'000};  // Desired Min TX Interval while not Up (>= 1 s)
    int multiplier = 5;                            // Detect Mult
    bool passive = false;                          // send nothing until the neighbour has spoken (RFC 5880 §6.1)
    int ttl = 255;                                 // read to refuse anything but single hop (RFC 5881 §5)
    int max_hops = 0;                              // likewise: received packets must carry TTL 255
    int weight = 0;                                // 0: the instance is FAULT while the session is not Up
    bool weight_reversed = false;
    FieldOrigins origins;

    // What makes two sessions the same session across a reload (the weight is the tracker's).
    bool same_session(const BfdInstance& o) const {
        return name == o.name && neighbor == o.neighbor && source == o.source && min_rx == o.min_rx &&
               min_tx == o.min_tx && idle_tx == o.idle_tx && multiplier == o.multiplier && passive == o.passive;
    }
};

// An instance's use of a BfdInstance (keepalived track_bfd), optionally overriding its weight.
struct BfdReference {
    std::string name;
    std::optional<int> weight;
    bool weight_reversed = false;
    SourceLocation where;

    friend bool operator==(const BfdReference& a, const BfdReference& b) {
        return a.name == b.name && a.weight == b.weight && a.weight_reversed == b.weight_reversed;
    }
};

struct SimplePasswordAuth {
    std::string password;  // up to 8 bytes on the wire
};

struct Instance {
    std::string name;
    std::string interface;
    int vrid = 0;
    int priority = 100;
    VrrpVersion version = VrrpVersion::v3;
    Milliseconds advert_interval{1000};
    std::vector<VirtualAddress> vips;
    bool preempt = true;
    Milliseconds preempt_delay{0};
    // The advert's source: for unicast and multicast alike (keepalived's unicast_src_ip and
    // mcast_src_ip set the same thing). Unset: the interface's primary (IPv6: link-local) address.
    std::optional<IpAddress> source_address;
    std::vector<UnicastPeer> unicast_peers;  // empty: multicast
    // keepalived's unicast_ttl: the TTL (IPv6: hop limit) of the adverts sent to unicast peers,
    // 1-255. Unset: 255, for both families (advert_ttl()). Multicast adverts always carry 255.
    std::optional<int> unicast_ttl;
    std::optional<SimplePasswordAuth> auth;  // VRRPv2 only
    V3Ipv4Checksum v3_ipv4_checksum = V3Ipv4Checksum::pseudo_header_real_destination;
    // Off by default: cloud vSwitches drop frames from MACs they did not assign.
    bool use_virtual_mac = false;
    GarpSettings garp;
    // Planned handover: how long the leaving node keeps passing VIP traffic that still reaches it
    // after the new active router has spoken.
    Milliseconds drain_deadline{2000};
    // Off by default: locally originated traffic to the VIP stays on this host (the VIP is local on
    // every node). On: it is routed to the active node, as with keepalived.
    bool local_traffic_follows_active = false;
    // The VIPs are a default gateway (xvip's own option, TOML only): a node that is not active for
    // any gateway instance of the interface and family forwards nothing (docs/architecture.md,
    // "Forwarding guard"). Forwarding itself stays the operator's sysctl.
    bool gateway = false;
    // Fast failover (xvip's own option, TOML only; docs/architecture.md, "Fast failover"): as a
    // backup, ask the active node's data plane every interval over BFD; when `multiplier`
    // requests go unanswered, this node's data plane takes over in the kernel. Off by default.
    bool fast_failover = false;
    Milliseconds fast_failover_interval{1};
    int fast_failover_multiplier = 3;
    std::vector<TrackedInterface> tracked_interfaces;
    std::vector<ScriptReference> tracked_scripts;
    std::vector<BfdReference> tracked_bfds;
    NotifyHooks notify;
    FieldOrigins origins;

    // The family of the VIPs; unset when there are none.
    std::optional<AddressFamily> family() const;
    bool is_unicast() const { return !unicast_peers.empty(); }
    // The TTL or hop limit our adverts leave with: RFC 5798 §5.1.1.3 / §5.1.2.3's 255, or for a
    // unicast instance unicast_ttl when set.
    std::uint8_t advert_ttl() const {
        return is_unicast() && unicast_ttl ? static_cast<std::uint8_t>(*unicast_ttl) : std::uint8_t{255};
    }
};

// Instances that change state together (keepalived vrrp_sync_group): when one leaves active, all do.
struct SyncGroup {
    std::string name;
    std::vector<std::string> instances;
    NotifyHooks notify;
    std::vector<TrackedInterface> tracked_interfaces;
    std::vector<ScriptReference> tracked_scripts;
    FieldOrigins origins;
};

struct Config {
    ConfigDialect dialect = ConfigDialect::toml;
    GlobalSettings global;
    std::vector<TrackScript> scripts;
    std::vector<BfdInstance> bfds;
    std::vector<Instance> instances;
    std::vector<SyncGroup> sync_groups;

    const TrackScript* find_script(std::string_view name) const;
    const BfdInstance* find_bfd(std::string_view name) const;
    const Instance* find_instance(std::string_view name) const;
};

// A reader's answer: the model (complete as far as the text allowed) and everything it found to
// say. `ok()` is false when any diagnostic is an error: then the daemon must not start.
struct ReadResult {
    Config config;
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return !has_errors(diagnostics); }
};

std::string_view to_string(LogLevel level);
std::string_view to_string(V3Ipv4Checksum form);

}  // namespace xvip
