// The data plane of one interface: the XDP program, its maps and their pins.
//
// A Dataplane is either attached fresh (every instance standby) or adopted from the pins a previous
// process left; either way it ends up holding the same thing: the pinned maps' fds and the state
// array mapped into memory. Dropping the object leaves the program attached and pinned (that is
// the restart path); detach() is the only way to remove it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "common/unique_fd.hpp"
#include "dataplane/mapped_words.hpp"
#include "dataplane/state_word.hpp"
#include "xvip_abi.h"

struct ring_buffer;  // libbpf's

namespace xvip {

enum class XdpMode : std::uint8_t {
    auto_select,  // native, falling back to generic with a warning
    native,
    generic,
};

std::string_view to_string(XdpMode mode);
std::optional<XdpMode> parse_xdp_mode(std::string_view text);

// A VRRP instance as the data plane knows it: one per (address family, VRID).
struct InstanceKey {
    AddressFamily family = AddressFamily::ipv4;
    std::uint8_t vrid = 0;  // 1..255

    std::uint32_t index() const;
    // The instance a state index names (a VIP map's value); the inverse of index().
    static InstanceKey from_index(std::uint32_t index);
    std::string to_string() const;  // "ipv4/51"
    friend bool operator==(const InstanceKey&, const InstanceKey&) = default;
};

struct VipBinding {
    IpAddress address;
    InstanceKey instance;
};

// What the program reads ahead of the VIP hash maps (see xvip_abi.h), built from the VIPs bound:
// the IPv4 buckets and the IPv6 filter. The data plane stores it; the BPF tests write the same.
struct VipIndex {
    std::array<__u64, XVIP_VIP4_BUCKETS> buckets4{};
    xvip_vip_filter filter6{};
};
VipIndex build_vip_index(std::span<const VipBinding> vips);

// An IPv4 subnet of the served interface (address and prefix length, as `ip addr` shows it).
struct Subnet4 {
    IpAddress address;
    std::uint8_t prefix_length = 0;
};

// The interface map's subnet table (see xvip_iface) for `subnets`: host prefixes (/32) are no
// subnet and skipped, a subnet given twice (secondary addresses) counts once. More subnets than
// fit leave the table empty, which checks no sender: then false.
bool fill_subnets4(xvip_iface& iface, std::span<const Subnet4> subnets);

// What the forwarding maps of virtual services are sized for when the program is loaded (they
// cannot grow afterwards, not even across an adopting restart). Without services (the default)
// each holds one entry, so a node that balances nothing locks no memory for it; with them,
// XVIP_LB_MAX_SERVICES services' rings (4 MiB), XVIP_LB_MAX_BACKENDS backends and `flows` flows.
struct LbCapacity {
    bool services = false;
    std::uint32_t flows = XVIP_LB_DEFAULT_FLOWS;  // global.lb_flow_table_entries
};

struct AttachOptions {
    std::string ifname;
    XdpMode mode = XdpMode::auto_select;
    std::filesystem::path pin_root;
    // Told about what works but not as asked (the generic fallback). Silent when empty.
    std::function<void(const std::string&)> warn;
    LbCapacity lb;
};

// The interface a program is loaded for but not attached to (Dataplane::load): what it is told in
// xvip_iface, so that its replies are what they would be on that interface.
struct LoadOptions {
    std::string ifname;
    int ifindex = 0;
    MacAddress mac{};
    std::vector<Subnet4> subnets;  // ARP senders answered; none: every sender
    LbCapacity lb;
};

// A virtual service as the data plane matches it: an IPv4 VIP, TCP or UDP, a port.
struct LbServiceKey {
    IpAddress vip;
    std::uint8_t protocol = 6;  // IPPROTO_TCP or IPPROTO_UDP
    std::uint16_t port = 0;     // host order
};

// How a service's new flows are hashed onto its ring (see xvip_lb_flow_hash).
struct LbHashing {
    bool persistent = false;           // hash the client's address only ...
    std::uint8_t persist_prefix = 32;  // ... masked to this many bits
};

// A backend, at an index of the backend table that rings name (struct xvip_lb_backend).
struct LbBackend {
    IpAddress address;
    std::optional<MacAddress> mac;  // resolved: none, and nothing is forwarded to it
    bool usable = false;            // takes new flows (healthy, with a weight); needs a MAC too
};

// A ring as the program indexes it: XVIP_LB_RING_SIZE backend indices (XVIP_LB_NO_BACKEND: none),
// e.g. lb::build_maglev_table(backends, XVIP_LB_RING_SIZE) mapped onto backend-table indices.
using LbRing = std::vector<std::uint16_t>;

// What the program judges a VRRP advert for an instance against (struct xvip_guard): the advert
// guard. priority 0 turns it off.
struct AdvertGuard {
    std::uint8_t priority = 0;
    std::uint8_t version = 3;    // 2 or 3
    IpAddress primary;           // our advert source
    std::uint8_t auth_type = 0;  // v2: 0 none, 1 simple password
    std::array<std::uint8_t, 8> auth_data{};
    std::uint8_t interval_s = 0;  // v2: the advert interval in seconds
};

// Fast failover, the successor's side (struct xvip_fast): what xvipd configures for an instance.
struct FastFailoverSettings {
    Duration interval{};  // between requests; zero turns fast failover off for the instance
    std::uint8_t multiplier = 3;
    std::uint8_t priority = 0;  // ours, as our requests carry it
};

// What the program recorded for an instance (struct xvip_fast), read from the mapped array.
struct FastFailoverStatus {
    bool enabled = false;                  // interval set
    std::optional<MacAddress> active_mac;  // the source of the latest advert; none learnt yet
    IpAddress active_address;              // its source address (meaningful with active_mac)
    std::uint32_t requests_sent = 0;
    std::optional<TimePoint> last_answer;
    std::uint8_t answer_state = 0;  // BFD state of the latest answer (3 Up, 0 AdminDown)
    bool armed = false;             // the latest answer was Up: the detector may take over
    std::uint64_t answers = 0;
    std::optional<TimePoint> takeover;  // when the detector last took over (until cleared)
    // While armed, since the data plane was loaded: the margin the detector had.
    Duration largest_gap{};             // the longest time between two answers
    std::uint64_t most_unanswered = 0;  // the most requests out when an answer came
};

// The program's events (ring buffer xvip_events), read on the daemon's loop: fd() becomes
// readable when events wait; consume() hands each to the callback.
class DataplaneEvents {
public:
    using Callback = std::function<void(const xvip_event&)>;
    DataplaneEvents(int map_fd, Callback callback);
    DataplaneEvents(const DataplaneEvents&) = delete;
    DataplaneEvents& operator=(const DataplaneEvents&) = delete;
    ~DataplaneEvents();
    int fd() const;
    // Reads every event waiting; returns how many.
    int consume();

private:
    Callback callback_;
    ::ring_buffer* ring_ = nullptr;
};

class Dataplane {
public:
    static constexpr std::string_view default_pin_root = "/sys/fs/bpf/xvip";

    // <pin_root>/netns-<inode>/<ifname>: two namespaces may both have an eth0.
    static std::filesystem::path pin_dir_for(const std::filesystem::path& pin_root, std::string_view ifname);

    // Loads the program, pins its maps and the XDP link, and attaches it with every instance
    // standby. Throws DataplaneError naming what failed; on failure nothing stays attached/pinned.
    static Dataplane attach(const AttachOptions& options);

    // Takes over what a previous process pinned, after checking the ABI version, the interface
    // and the network namespace. Throws DataplaneError when there is nothing, or something else.
    // The interface's MAC is written into the interface map if it changed since (a restart after
    // a MAC change: replies and announcements go out from the new one).
    static Dataplane adopt(std::string_view ifname, const std::filesystem::path& pin_root);
    // adopt() found another MAC in the interface map than the interface has, and wrote the new one.
    bool adopted_new_mac() const { return adopted_new_mac_; }

    // Pins of this build's ABI left for `ifname` by a data plane that no longer serves it (the
    // interface was deleted and re-created: another ifindex, or the pinned XDP link attached to
    // nothing) serve nobody; they are removed and the reason returned, so that attach() can start
    // afresh. Returns nullopt and leaves everything when nothing is pinned, when the pins serve the
    // interface, or when they speak another ABI (adopt() names that).
    static std::optional<std::string> remove_orphaned_pins(std::string_view ifname,
                                                           const std::filesystem::path& pin_root);

    // Loads the program and its maps as attach() does, but attaches and pins nothing: the maps
    // live as long as the object. For running the program on crafted frames (BPF_PROG_TEST_RUN,
    // program_fd()) with every map written through the same writers as an attached data plane.
    static Dataplane load(const LoadOptions& options);

    Dataplane(Dataplane&& other) noexcept;
    Dataplane& operator=(Dataplane&& other) noexcept;
    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;
    ~Dataplane();

    // Detaches the program and removes every pin. The object is empty afterwards.
    void detach();

    const std::string& ifname() const { return ifname_; }
    int ifindex() const { return ifindex_; }
    XdpMode mode() const { return mode_; }  // native or generic, as attached
    const MacAddress& mac() const { return mac_; }
    const std::filesystem::path& pin_dir() const { return pin_dir_; }  // empty when only loaded
    // The kernel's id of the XDP link, so that its holders can be found (/proc/*/fdinfo); 0 when
    // only loaded.
    std::uint32_t link_id() const;
    // The program's fd when only loaded (load()); -1 otherwise (the link holds the program).
    int program_fd() const { return program_ ? program_.get() : -1; }

    // Binds a VIP to an instance. Refuses a VIP bound to another instance, or a full map.
    void add_vip(const IpAddress& vip, InstanceKey instance);
    void remove_vip(const IpAddress& vip);
    std::vector<VipBinding> vips() const;

    // One aligned 64-bit store into the mapped state array; the program sees it on its next packet.
    // The deadline is written in jiffies (see LeaseClock): the role ends no later than
    // `state.deadline`, and at most one tick before it.
    void write_state(InstanceKey instance, StateWord state);
    // The same store, made only if the word still holds what this object last stored for the
    // instance (or found there when it was made, or accepted): a compare-and-swap. False, and
    // nothing stored, when something else changed the word meanwhile: the program's advert guard
    // demoted the instance, and the caller must learn why before it writes again.
    bool replace_state(InstanceKey instance, StateWord state);
    // Takes the word as it is now as the one last stored: replace_state() succeeds on it again.
    void accept_state(InstanceKey instance);
    StateWord read_state(InstanceKey instance) const;
    // What the program judges adverts for the instance against (one bpf_map_update_elem).
    void write_guard(InstanceKey instance, const AdvertGuard& guard);
    // Fast failover (successor side; see xvip_fast in xvip_abi.h). configure_fast_failover() sets
    // or clears the interval, multiplier and priority (the request count carries on);
    // prepare_fast_request() is what xvipd stores before each request: the word the detector
    // swaps in (active, with the lease it would write) and the count. Returns the discriminator
    // the request must carry.
    void configure_fast_failover(InstanceKey instance, const FastFailoverSettings& settings);
    std::uint32_t prepare_fast_request(InstanceKey instance, StateWord takeover);
    FastFailoverStatus fast_failover_status(InstanceKey instance) const;
    // Ends the window in which an Up answer from the old active node reverts a fast takeover.
    void clear_fast_takeover(InstanceKey instance);
    // The program's events; one reader at a time.
    std::unique_ptr<DataplaneEvents> open_events(DataplaneEvents::Callback callback) const;
    // How the state words count time: this boot's lease clock, dated by the time the object is made
    // (so that no transition waits for it).
    const LeaseClock& lease_clock() const { return lease_clock_; }

    // Which ARP senders the program answers: those inside `subnets` (see fill_subnets4). Written
    // whole into the interface map; a request racing the write may be judged by either table.
    // False when there are more subnets than the map holds: then no sender is checked.
    bool write_subnets(std::span<const Subnet4> subnets);

    // The gateway instances (the instance option `gateway`): while none of a family is active or
    // draining, the program drops what the kernel would forward to that family. Each family's
    // list is one atomic store; instances of both families may be given. Refuses more than
    // XVIP_MAX_GATEWAYS per family, or a VRID 0, and then changes nothing.
    void set_gateways(std::span<const InstanceKey> gateways);
    std::vector<InstanceKey> gateways() const;

    // Whether the forwarding maps were loaded with room for virtual services (LbCapacity); the
    // writers below refuse when not.
    bool holds_lb_services() const { return lb_capacity_; }
    // Virtual services (forwarding on the active node; see xvip_abi.h). A service is its key and
    // an id below XVIP_LB_MAX_SERVICES, which names its word and its two rings. add_lb_service
    // writes the ring into generation 0 and the word before the key becomes visible; refuses an
    // id or key in use. replace_lb_ring writes the generation not in use, then switches to it (and
    // to `hashing`) with one atomic store of the service's word; it returns the generation now in
    // use. remove_lb_service removes the key first, then clears the word.
    void add_lb_service(const LbServiceKey& key, std::uint32_t id, const LbRing& ring, const LbHashing& hashing);
    std::uint8_t replace_lb_ring(std::uint32_t id, const LbRing& ring, const LbHashing& hashing);
    void remove_lb_service(const LbServiceKey& key);
    // One bpf_map_update_elem of the backend's entry; below XVIP_LB_MAX_BACKENDS.
    void write_lb_backend(std::uint16_t index, const LbBackend& backend);
    // The backend the flow table holds for a flow (key as in the frame), if any.
    std::optional<std::uint16_t> lb_flow_backend(const xvip_lb_flow_key& flow) const;

    // What the forwarding maps hold, for a restart or reload that adopts them: every service (its
    // key, id and hashing) and every backend entry that names an address, by index.
    struct LbServiceEntry {
        LbServiceKey key;
        std::uint32_t id = 0;
        LbHashing hashing;
    };
    std::vector<LbServiceEntry> lb_services() const;
    std::map<std::uint16_t, LbBackend> lb_backends() const;
    // Empties backend entry `index` (no address, no MAC: a flow still entered for it is hashed again).
    void clear_lb_backend(std::uint16_t index);
    // Removes every flow the table holds for backend `index`: before the index names another server,
    // so that no flow of the old one follows it there. Returns how many went.
    std::size_t forget_lb_flows_to(std::uint16_t index);
    // The flows the table holds, counted by backend index, of services still live under the
    // incarnation they were entered with (what the program would follow).
    std::map<std::uint16_t, std::uint64_t> lb_flows_by_backend() const;

    // Verdict counters summed over every possible CPU.
    xvip_counters counters() const;

private:
    struct Maps {
        UniqueFd state, vip4_buckets, vip4, vip6, iface, counters, vip_filter, guard, events, gateways, fast,
            fast_timers, lb_services, lb_gens, lb_ports, lb_rings, lb_backends, lb_flows;
        // Every map once: its name (the program's, and its pin's) and where its fd is kept. Load,
        // pin, adopt and pin removal all go through this table.
        struct Entry {
            const char* name;
            UniqueFd Maps::*fd;
        };
        static const std::array<Entry, 18> table;
    };
    struct Loaded {
        Maps maps;
        UniqueFd program;
    };
    // Loads the skeleton and keeps a copy of each map's fd and the program's (the skeleton goes).
    // Throws unless attached with room for virtual services.
    void require_lb_capacity() const;
    // Sets or clears `port`'s bit in xvip_lb_ports (one store of its word).
    void set_lb_port(std::uint16_t port, bool served);
    // The forwarding maps sized as `lb` says.
    static Loaded load_program(const LbCapacity& lb);
    static void write_iface(const Maps& maps, const xvip_iface& iface);
    static void remove_pins(const std::filesystem::path& pin_dir);
    Dataplane(std::string ifname, std::filesystem::path pin_dir, Maps maps, UniqueFd link, UniqueFd program = {});
    std::uint32_t state_index(InstanceKey instance) const;
    // The IPv4 buckets and the IPv6 filter, from the VIP maps as they are now, without `leaving`.
    void rebuild_vip_index(const IpAddress* leaving = nullptr);

    std::string ifname_;
    int ifindex_ = 0;
    XdpMode mode_ = XdpMode::native;
    MacAddress mac_{};
    std::filesystem::path pin_dir_;
    Maps maps_;
    UniqueFd link_;
    bool adopted_new_mac_ = false;
    UniqueFd program_;                     // only when loaded without a link
    MappedWords states_;                   // XVIP_STATE_ENTRIES state words
    std::vector<std::uint64_t> expected_;  // per state word: what replace_state() swaps from
    MappedWords vip4_buckets_;             // XVIP_VIP4_BUCKETS bucket words
    MappedWords gateways_;                 // one word of gateway VRIDs per family slot
    MappedWords fast_;                     // XVIP_FAST_WORDS words per instance (struct xvip_fast)
    MappedWords lb_gens_;                  // one word per virtual service (struct xvip_lb_service)
    MappedWords lb_ports_;                 // XVIP_LB_PORT_WORDS words: the services' ports, a bit each
    bool lb_capacity_ = false;             // the forwarding maps were sized for services (LbCapacity)
    LeaseClock lease_clock_;
};

}  // namespace xvip
