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
    lb_flow_table_entries,
    // virtual_server (keepalived) / [[virtual_server]] and what it contains
    vs_address,
    vs_protocol,
    vs_forwarding,
    vs_scheduler,
    vs_persistence_timeout,
    vs_persistence_granularity,
    vs_sorry_server,
    vs_quorum,
    vs_hysteresis,
    vs_quorum_up,
    vs_quorum_down,
    rs_address,
    rs_weight,
    rs_notify_up,
    rs_notify_down,
    check_type,
    check_interval,
    check_connect_timeout,
    check_retry,
    check_delay_before_retry,
    check_rise,
    check_connect_ip,
    check_connect_port,
    check_bind_to,
    check_urls,
    check_command,
    check_timeout,
    check_user,
    url_path,
    url_digest,
    url_status_codes,
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
    // Load-balancer mode (xvip's own setting, TOML only): the entries of the flow table the data
    // plane keeps for virtual servers, 1024-16777216. Sized once, at start.
    std::uint32_t lb_flow_table_entries = 65536;
    SourceLocation where;
    SourceLocation lb_flow_table_entries_where;
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

// ---- Load-balancer mode: keepalived's virtual_server (LVS direct routing) ----
//
// A service on a VIP that xvip will forward to real servers in XDP, by rewriting the destination
// MAC (direct routing), picking the real server with weighted Maglev hashing of the flow
// (userspace/lb/maglev.hpp). keepalived's names in brackets. Times are xvip's defaults where the
// file is silent, which differ from keepalived's on purpose (docs/config.md): a dead real server
// must get no new flow within a second.

enum class ServiceProtocol { tcp, udp };

// keepalived's lb_algo / lvs_sched as written. Whichever it is, xvip serves the weighted Maglev
// hash of the flow; the keepalived reader warns where that behaves differently.
enum class IpvsScheduler { rr, wrr, lc, wlc, sh, mh };

// Health check timing. Unset on a check: the virtual server's; unset there: xvip's default.
struct CheckTiming {
    std::optional<Milliseconds> interval;            // delay_loop: from one check to the next
    std::optional<Milliseconds> connect_timeout;     // connect_timeout (TCP and HTTP checks)
    std::optional<int> retry;                        // retry: further tries before a failure counts
    std::optional<Milliseconds> delay_before_retry;  // delay_before_retry
    std::optional<int> rise;                         // successes before a failed server is up again

    friend bool operator==(const CheckTiming&, const CheckTiming&) = default;
};

// The timing in force. Worst case from a server's death to its removal with the defaults: a check
// starts within 200 ms, times out after 200 ms, is retried 100 ms later and times out again after
// 200 ms: 700 ms.
struct ResolvedCheckTiming {
    Milliseconds interval{200};
    Milliseconds connect_timeout{200};
    int retry = 1;
    Milliseconds delay_before_retry{100};
    int rise = 1;  // keepalived puts a server back after one success

    friend bool operator==(const ResolvedCheckTiming&, const ResolvedCheckTiming&) = default;
};

ResolvedCheckTiming resolve_check_timing(const CheckTiming& own, const CheckTiming& defaults);

// An HTTP status code or a range of them, as keepalived's `status_code 200-299 503`.
struct StatusCodeRange {
    int low = 200;
    int high = 299;

    friend bool operator==(const StatusCodeRange&, const StatusCodeRange&) = default;
};

// One `url { }` of an HTTP check: all of a check's URLs must answer for the server to be up.
struct HttpUrl {
    std::string path;
    std::string digest;                         // MD5 of the body, 32 hex digits; empty: not compared
    std::vector<StatusCodeRange> status_codes;  // empty: 200-299, keepalived's default
    std::string virtualhost;                    // Host header; empty: the check's
    FieldOrigins origins;

    friend bool operator==(const HttpUrl& a, const HttpUrl& b) {
        return a.path == b.path && a.digest == b.digest && a.status_codes == b.status_codes &&
               a.virtualhost == b.virtualhost;
    }
};

enum class CheckType {
    tcp,     // TCP_CHECK: a connection is accepted
    http,    // HTTP_GET: every URL answers with an accepted status (and digest)
    script,  // MISC_CHECK: a command exits 0
};

// A real server's health check. xvip runs at most one per real server; without one the server is
// always up, as in keepalived.
struct HealthCheck {
    CheckType type = CheckType::tcp;
    CheckTiming timing;
    // TCP and HTTP
    std::optional<IpAddress> connect_ip;  // unset: the real server's address
    std::optional<int> connect_port;      // unset: the real server's port
    std::optional<IpAddress> bind_to;     // bindto: the source address; unset: the kernel's choice
    // HTTP
    std::vector<HttpUrl> urls;
    std::string virtualhost;  // Host header of URLs that set none; empty: the address
    // Script (MISC_CHECK): run as track scripts are (docs/config.md, [[script]])
    std::string command;                  // misc_path
    std::optional<Milliseconds> timeout;  // misc_timeout; unset: the check interval, as keepalived does
    bool dynamic = false;                 // misc_dynamic: exit codes 2-255 set the weight to code - 2
    std::string user;                     // empty: global.script_user
    FieldOrigins origins;

    friend bool operator==(const HealthCheck& a, const HealthCheck& b) {
        return a.type == b.type && a.timing == b.timing && a.connect_ip == b.connect_ip &&
               a.connect_port == b.connect_port && a.bind_to == b.bind_to && a.urls == b.urls &&
               a.virtualhost == b.virtualhost && a.command == b.command && a.timeout == b.timeout &&
               a.dynamic == b.dynamic && a.user == b.user;
    }
};

struct RealServer {
    IpAddress address;
    int port = 0;                            // direct routing cannot translate ports: the virtual server's
    int weight = 1;                          // share of the service's flows, relative to the others; 0: no new flows
    std::optional<bool> inhibit_on_failure;  // unset: the virtual server's
    std::string notify_up;                   // run when the check passes again, as notify scripts are
    std::string notify_down;                 // run when the check fails
    std::optional<HealthCheck> check;        // unset: always up
    FieldOrigins origins;

    friend bool operator==(const RealServer& a, const RealServer& b) {
        return a.address == b.address && a.port == b.port && a.weight == b.weight &&
               a.inhibit_on_failure == b.inhibit_on_failure && a.notify_up == b.notify_up &&
               a.notify_down == b.notify_down && a.check == b.check;
    }
};

// The server that takes the flows while no real server is up (keepalived sorry_server).
struct SorryServer {
    IpAddress address;
    int port = 0;
    SourceLocation where;

    friend bool operator==(const SorryServer& a, const SorryServer& b) {
        return a.address == b.address && a.port == b.port;
    }
};

struct VirtualServer {
    IpAddress address;  // one of the VIPs of some instance: what the balancer pair owns
    int port = 0;
    ServiceProtocol protocol = ServiceProtocol::tcp;
    // keepalived.conf only (unset in TOML, whose one scheduler is `maglev`); see IpvsScheduler.
    std::optional<IpvsScheduler> keepalived_scheduler;
    // Persistence: while set, the flow hash is of the client's address masked to the granularity
    // alone, so a client keeps its real server while the set of servers is unchanged. The timeout
    // is for the flow table (later work) to honour.
    std::optional<Milliseconds> persistence_timeout;  // persistence_timeout
    std::optional<int> persistence_granularity;       // prefix length; unset with a timeout: 32
    CheckTiming check_defaults;                       // delay_loop, connect_timeout, ... of the block
    // A failed server keeps weight 0 (its established flows stay) instead of leaving the table.
    bool inhibit_on_failure = false;
    std::optional<SorryServer> sorry_server;
    // The service is up while the weights of the live servers add up to at least quorum; with
    // hysteresis, it goes down below quorum - hysteresis and up again at quorum + hysteresis.
    int quorum = 1;
    int hysteresis = 0;
    std::string quorum_up;    // run when the quorum is gained, as notify scripts are
    std::string quorum_down;  // run when it is lost
    std::vector<RealServer> real_servers;
    FieldOrigins origins;  // block: the address in `virtual_server ADDRESS PORT {` / the table

    // "192.0.2.100:80" (IPv6: "[2001:db8::1]:80")
    std::string endpoint() const;
    // Every setting but the places they were read from and keepalived's scheduler name.
    bool same_service(const VirtualServer& o) const {
        return address == o.address && port == o.port && protocol == o.protocol &&
               persistence_timeout == o.persistence_timeout && persistence_granularity == o.persistence_granularity &&
               check_defaults == o.check_defaults && inhibit_on_failure == o.inhibit_on_failure &&
               sorry_server == o.sorry_server && quorum == o.quorum && hysteresis == o.hysteresis &&
               quorum_up == o.quorum_up && quorum_down == o.quorum_down && real_servers == o.real_servers;
    }
};

// Bounds the daemon's work and the data plane's maps; named so that later code uses the same.
inline constexpr std::size_t max_virtual_servers = 64;
inline constexpr std::size_t max_real_servers_per_service = 256;
inline constexpr int max_real_server_weight = 65535;
inline constexpr std::uint32_t min_lb_flow_table_entries = 1024;
inline constexpr std::uint32_t max_lb_flow_table_entries = 16'777'216;

// The quorum and hysteresis a virtual server runs with, keepalived's adjustments made (check_data.c):
// a quorum above its real servers' weights added (when they add up to 1 or more) is lowered to that
// sum, and a hysteresis of quorum or more to quorum - 1. The validator warns of each; the planner
// (lb/plan.hpp) and `xvipd --check` use the result.
struct QuorumRule {
    int quorum = 1;
    int hysteresis = 0;
    std::int64_t weights = 0;  // the real servers' weights (each clamped to 0..max), added
};
QuorumRule quorum_rule(const VirtualServer& vs);

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
    std::vector<VirtualServer> virtual_servers;

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
std::string_view to_string(ServiceProtocol protocol);  // "tcp", "udp"
std::string_view to_string(IpvsScheduler scheduler);   // "rr", "wrr", ...
std::string_view to_string(CheckType type);            // "tcp", "http", "script"
std::string to_string(const StatusCodeRange& codes);   // "200", "200-299", as keepalived writes them

}  // namespace xvip
