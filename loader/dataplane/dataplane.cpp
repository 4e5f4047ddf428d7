#include "dataplane/dataplane.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "dataplane/counters.hpp"
#include "dataplane/dataplane_error.hpp"
#include "dataplane/kernel_diagnostics.hpp"
#include "xvip_bpf.skel.h"

namespace xvip {

namespace fs = std::filesystem;

std::string_view to_string(XdpMode mode) {
    switch (mode) {
        case XdpMode::auto_select: return "auto";
        case XdpMode::native: return "native";
        case XdpMode::generic: return "generic";
    }
    return "unknown";
}

std::optional<XdpMode> parse_xdp_mode(std::string_view text) {
    for (XdpMode m : {XdpMode::auto_select, XdpMode::native, XdpMode::generic}) {
        if (text == to_string(m)) return m;
    }
    return std::nullopt;
}

std::uint32_t InstanceKey::index() const {
    return xvip_instance_index(family == AddressFamily::ipv4 ? XVIP_SLOT_IPV4 : XVIP_SLOT_IPV6, vrid);
}

InstanceKey InstanceKey::from_index(std::uint32_t index) {
    return {xvip_instance_slot(index) == XVIP_SLOT_IPV6 ? AddressFamily::ipv6 : AddressFamily::ipv4,
            xvip_instance_vrid(index)};
}

std::string InstanceKey::to_string() const {
    return std::string(xvip::to_string(family)) + "/" + std::to_string(vrid);
}

namespace {

std::uint64_t netns_inode() {
    struct stat st {};
    // The calling thread's namespace: a thread may have entered another one (setns) than the
    // process's main thread, and the interface it names lives there.
    if (stat("/proc/thread-self/ns/net", &st) != 0) throw DataplaneError("stat /proc/thread-self/ns/net", errno);
    return st.st_ino;
}

int interface_index(std::string_view ifname) {
    unsigned index = if_nametoindex(std::string(ifname).c_str());
    if (index == 0) {
        throw DataplaneError("no interface named '" + std::string(ifname) + "' in this network namespace");
    }
    return static_cast<int>(index);
}

MacAddress interface_mac(std::string_view ifname) {
    UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) throw DataplaneError("socket for SIOCGIFHWADDR", errno);
    ifreq req{};
    std::strncpy(req.ifr_name, std::string(ifname).c_str(), IFNAMSIZ - 1);
    if (ioctl(sock.get(), SIOCGIFHWADDR, &req) != 0) {
        throw DataplaneError("reading the MAC address of " + std::string(ifname), errno);
    }
    MacAddress mac{};
    std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

// The pin root must be on a bpffs mounted in the root mount namespace; a missing directory is
// created later, so check the nearest existing ancestor.
void require_bpffs(const fs::path& pin_root) {
    fs::path probe = pin_root;
    std::error_code ec;
    while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
    struct statfs st {};
    if (probe.empty() || statfs(probe.c_str(), &st) != 0 || static_cast<unsigned long>(st.f_type) != BPF_FS_MAGIC) {
        throw DataplaneError("pin root " + pin_root.string() +
                             " is not on a bpffs: mount one (mount -t bpf bpf /sys/fs/bpf), or pass a pin root on a "
                             "bpffs mounted in the root mount namespace (inside `ip netns exec`, /sys/fs/bpf is "
                             "hidden)");
    }
}

void make_private_dirs(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw DataplaneError("creating pin directory " + dir.string(), ec.value());
    // Pins are root's alone: the state word decides who answers for a VIP.
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
}

std::string prog_name_by_id(std::uint32_t id) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) return "?";
    bpf_prog_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return "?";
    return info.name;
}

// Another program on the interface is not ours to replace: name it and stop.
void require_no_xdp_program(std::string_view ifname, int ifindex) {
    LIBBPF_OPTS(bpf_xdp_query_opts, query);
    if (bpf_xdp_query(ifindex, 0, &query) != 0) return;  // nothing to report; attach will tell
    if (query.prog_id == 0) return;
    const char* mode = query.attach_mode == XDP_ATTACHED_SKB   ? "generic"
                       : query.attach_mode == XDP_ATTACHED_HW  ? "offload"
                       : query.attach_mode == XDP_ATTACHED_DRV ? "native"
                                                               : "multiple";
    throw DataplaneError("interface " + std::string(ifname) + " already has XDP program '" +
                         prog_name_by_id(query.prog_id) + "' (id " + std::to_string(query.prog_id) + ", " + mode +
                         " mode) attached; xvip does not replace it: detach it first "
                         "(ip link set dev " +
                         std::string(ifname) +
                         " xdp off), or if it is xvip's, "
                         "use `xvipctl detach`");
}

UniqueFd dup_fd(int fd) {
    UniqueFd copy(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy) throw DataplaneError("dup of a map fd", errno);
    return copy;
}

UniqueFd open_pin(const fs::path& path) {
    UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd) throw DataplaneError("opening pin " + path.string(), errno);
    return fd;
}

void pin(int fd, const fs::path& path) {
    if (bpf_obj_pin(fd, path.c_str()) != 0) throw DataplaneError("pinning " + path.string(), errno);
}

// Attach through a BPF link, with explicit mode flags (libbpf 1.1's attach_xdp takes none).
UniqueFd create_xdp_link(int prog_fd, int ifindex, std::uint32_t flags) {
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
    return UniqueFd(bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts));
}

// errno's text, and the kernel's own reason when it gave one.
std::string attach_refusal(int prog_fd, int ifindex, std::uint32_t flags, int error) {
    const std::string kernel_says = xdp_attach_refusal(prog_fd, ifindex, flags);
    return std::string(std::strerror(error)) + (kernel_says.empty() ? "" : ": " + kernel_says);
}

struct SkeletonDeleter {
    void operator()(xvip_bpf* skel) const { xvip_bpf__destroy(skel); }
};

// The interface map's single entry, if it is of this build's ABI. Its layout begins with the ABI
// version in every version, so it is read before any other pin, whose names and layouts another
// version may not share. nullopt with `abi_seen` set to what it says when it is another's.
std::optional<xvip_iface> read_own_abi_iface(int iface_map, std::uint32_t& abi_seen) {
    bpf_map_info info{};
    std::uint32_t info_len = sizeof info;
    if (bpf_obj_get_info_by_fd(iface_map, &info, &info_len) != 0) {
        throw DataplaneError("reading the interface map's info", errno);
    }
    xvip_iface iface{};
    const std::uint32_t key = 0;
    const bool read = info.value_size == sizeof iface && bpf_map_lookup_elem(iface_map, &key, &iface) == 0;
    abi_seen = iface.abi_version;
    if (!read || iface.abi_version != XVIP_ABI_VERSION) return std::nullopt;
    return iface;
}

// The ifindex a pinned XDP link is attached to (0: to nothing, its interface gone); nullopt when
// the pin is not an XDP link.
std::optional<std::uint32_t> xdp_link_ifindex(int link) {
    bpf_link_info link_info{};
    std::uint32_t link_len = sizeof link_info;
    if (bpf_obj_get_info_by_fd(link, &link_info, &link_len) != 0 || link_info.type != BPF_LINK_TYPE_XDP) {
        return std::nullopt;
    }
    return link_info.xdp.ifindex;
}

}  // namespace

const std::array<Dataplane::Maps::Entry, 18> Dataplane::Maps::table{{
    {XVIP_MAP_STATE, &Maps::state},
    {XVIP_MAP_VIP4_BUCKETS, &Maps::vip4_buckets},
    {XVIP_MAP_VIP4, &Maps::vip4},
    {XVIP_MAP_VIP6, &Maps::vip6},
    {XVIP_MAP_IFACE, &Maps::iface},
    {XVIP_MAP_COUNTERS, &Maps::counters},
    {XVIP_MAP_VIP_FILTER, &Maps::vip_filter},
    {XVIP_MAP_GUARD, &Maps::guard},
    {XVIP_MAP_EVENTS, &Maps::events},
    {XVIP_MAP_GATEWAYS, &Maps::gateways},
    {XVIP_MAP_FAST, &Maps::fast},
    {XVIP_MAP_FAST_TIMERS, &Maps::fast_timers},
    {XVIP_MAP_LB_SERVICES, &Maps::lb_services},
    {XVIP_MAP_LB_GENS, &Maps::lb_gens},
    {XVIP_MAP_LB_PORTS, &Maps::lb_ports},
    {XVIP_MAP_LB_RINGS, &Maps::lb_rings},
    {XVIP_MAP_LB_BACKENDS, &Maps::lb_backends},
    {XVIP_MAP_LB_FLOWS, &Maps::lb_flows},
}};

void Dataplane::remove_pins(const fs::path& pin_dir) {
    std::error_code ec;
    fs::remove(pin_dir / XVIP_PIN_LINK, ec);
    for (const auto& entry : Maps::table) fs::remove(pin_dir / entry.name, ec);
    fs::remove(pin_dir, ec);
    fs::remove(pin_dir.parent_path(), ec);  // the namespace's directory, once it is empty
}

Dataplane::Loaded Dataplane::load_program(const LbCapacity& lb) {
    // Dated before anything is attached or pinned: a kernel that cannot run the lease clock's
    // program (before 5.14) refuses here, with nothing to undo. (The constructor, which runs after
    // the attach, would otherwise throw past a pinned link.)
    LeaseClock::system();
    std::unique_ptr<xvip_bpf, SkeletonDeleter> skel;
    {
        const LibbpfMessages messages;
        skel.reset(xvip_bpf__open());
        if (!skel) throw bpf_load_error("opening the XDP program", errno, messages);
        if (lb.services && lb.flows == 0) throw DataplaneError("the flow table needs at least one entry");
        skel->rodata->xvip_lb_enabled = lb.services ? 1 : 0;
        const std::pair<bpf_map*, std::uint32_t> sizes[] = {
            {skel->maps.xvip_lb_services, lb.services ? XVIP_LB_MAX_SERVICES : 1},
            {skel->maps.xvip_lb_rings, lb.services ? XVIP_LB_MAX_SERVICES * 2 * XVIP_LB_RING_CHUNKS : 1},
            {skel->maps.xvip_lb_backends, lb.services ? XVIP_LB_MAX_BACKENDS : 1},
            {skel->maps.xvip_lb_flows, lb.services ? lb.flows : 1},
        };
        for (const auto& [map, entries] : sizes) {
            if (const int error = bpf_map__set_max_entries(map, entries); error != 0) {
                throw bpf_load_error(std::string("sizing ") + bpf_map__name(map), -error, messages);
            }
        }
        if (const int error = xvip_bpf__load(skel.get()); error != 0) {
            throw bpf_load_error("loading the XDP program", -error, messages);
        }
    }
    // The skeleton is destroyed on return; the copies keep maps and program alive.
    Loaded loaded;
    for (const auto& [name, fd] : Maps::table) {
        const bpf_map* map = bpf_object__find_map_by_name(skel->obj, name);
        if (map == nullptr) throw DataplaneError(std::string("the XDP program has no map ") + name);
        loaded.maps.*fd = dup_fd(bpf_map__fd(map));
    }
    loaded.program = dup_fd(bpf_program__fd(skel->progs.xvip_xdp));
    return loaded;
}

bool fill_subnets4(xvip_iface& iface, std::span<const Subnet4> subnets) {
    std::size_t count = 0;
    xvip_subnet4 table[XVIP_MAX_SUBNETS4]{};
    for (const auto& subnet : subnets) {
        if (!subnet.address.is_v4() || subnet.prefix_length == 0 || subnet.prefix_length >= 32) continue;
        std::uint32_t address = 0;
        std::memcpy(&address, subnet.address.bytes().data(), sizeof address);
        const xvip_subnet4 entry{.network = address & htonl(~std::uint32_t{0} << (32 - subnet.prefix_length)),
                                 .mask = htonl(~std::uint32_t{0} << (32 - subnet.prefix_length))};
        const auto same = [&entry](const xvip_subnet4& s) {
            return s.network == entry.network && s.mask == entry.mask;
        };
        if (std::any_of(table, table + count, same)) continue;  // a secondary address of a subnet
        if (count == XVIP_MAX_SUBNETS4) {
            iface.subnet4_count = 0;
            std::memset(iface.subnet4, 0, sizeof iface.subnet4);
            return false;
        }
        table[count++] = entry;
    }
    std::memcpy(iface.subnet4, table, sizeof table);
    iface.subnet4_count = static_cast<std::uint32_t>(count);
    return true;
}

void Dataplane::write_iface(const Maps& maps, const xvip_iface& iface) {
    const std::uint32_t key = 0;
    if (bpf_map_update_elem(maps.iface.get(), &key, &iface, BPF_ANY) != 0) {
        throw DataplaneError("writing the interface map", errno);
    }
}

fs::path Dataplane::pin_dir_for(const fs::path& pin_root, std::string_view ifname) {
    return pin_root / ("netns-" + std::to_string(netns_inode())) / std::string(ifname);
}

Dataplane Dataplane::attach(const AttachOptions& options) {
    const std::string& ifname = options.ifname;
    const int ifindex = interface_index(ifname);
    const fs::path pin_dir = pin_dir_for(options.pin_root, ifname);
    require_bpffs(options.pin_root);
    if (fs::exists(pin_dir / XVIP_PIN_LINK)) {
        throw DataplaneError("xvip is already attached to " + ifname + " (pinned at " + pin_dir.string() +
                             "): adopt it, or detach it first with "
                             "`xvipctl detach --dev " +
                             ifname + "`");
    }
    require_no_xdp_program(ifname, ifindex);
    const MacAddress mac = interface_mac(ifname);

    Loaded loaded = load_program(options.lb);

    // Every instance starts standby: the array is zero-filled, which is exactly that.
    xvip_iface iface{};
    iface.abi_version = XVIP_ABI_VERSION;
    iface.ifindex = static_cast<std::uint32_t>(ifindex);
    std::memcpy(iface.mac, mac.data(), mac.size());
    iface.netns_ino = netns_inode();

    Maps& maps = loaded.maps;
    // The link holds the program once it exists; this fd closes on return.
    const int prog_fd = loaded.program.get();

    make_private_dirs(pin_dir);
    UniqueFd link;
    try {
        for (const auto& [name, fd] : Maps::table) pin((maps.*fd).get(), pin_dir / name);

        std::uint32_t flags = options.mode == XdpMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
        link = create_xdp_link(prog_fd, ifindex, flags);
        if (!link && options.mode == XdpMode::auto_select) {
            const std::string native_refusal = attach_refusal(prog_fd, ifindex, flags, errno);
            flags = XDP_FLAGS_SKB_MODE;
            link = create_xdp_link(prog_fd, ifindex, flags);
            if (link && options.warn) {
                options.warn("native XDP is not available on " + ifname + " (" + native_refusal +
                             "); attached in generic mode, which is slower");
            }
        }
        if (!link) {
            const int error = errno;
            throw DataplaneError("attaching XDP to " + ifname + " in " +
                                 (flags == XDP_FLAGS_SKB_MODE ? "generic" : "native") +
                                 " mode: " + attach_refusal(prog_fd, ifindex, flags, error));
        }
        iface.xdp_flags = flags;
        write_iface(maps, iface);
        pin(link.get(), pin_dir / XVIP_PIN_LINK);
    } catch (...) {
        if (link) bpf_link_detach(link.get());
        remove_pins(pin_dir);
        throw;
    }
    return Dataplane(ifname, pin_dir, std::move(maps), std::move(link));
}

std::optional<std::string> Dataplane::remove_orphaned_pins(std::string_view ifname, const fs::path& pin_root) {
    const fs::path pin_dir = pin_dir_for(pin_root, ifname);
    if (!fs::exists(pin_dir / XVIP_PIN_LINK)) return std::nullopt;
    UniqueFd iface_map(bpf_obj_get((pin_dir / XVIP_MAP_IFACE).c_str()));
    UniqueFd link(bpf_obj_get((pin_dir / XVIP_PIN_LINK).c_str()));
    if (!iface_map || !link) return std::nullopt;  // adopt() says what is wrong
    std::uint32_t abi_seen = 0;
    const auto iface = read_own_abi_iface(iface_map.get(), abi_seen);
    const auto link_ifindex = xdp_link_ifindex(link.get());
    if (!iface || !link_ifindex) return std::nullopt;
    const int ifindex = interface_index(ifname);
    std::string reason;
    if (iface->ifindex != static_cast<std::uint32_t>(ifindex)) {
        reason = "they served ifindex " + std::to_string(iface->ifindex) + ", " + std::string(ifname) + " is now " +
                 std::to_string(ifindex);
    } else if (*link_ifindex != static_cast<std::uint32_t>(ifindex)) {
        reason = "their XDP link is attached to " +
                 (*link_ifindex ? "ifindex " + std::to_string(*link_ifindex) : std::string("nothing"));
    } else {
        return std::nullopt;
    }
    iface_map.reset();
    link.reset();
    remove_pins(pin_dir);
    return "removed the pins at " + pin_dir.string() + ": " + reason + " (the interface was re-created)";
}

Dataplane Dataplane::adopt(std::string_view ifname, const fs::path& pin_root) {
    const fs::path pin_dir = pin_dir_for(pin_root, ifname);
    if (!fs::exists(pin_dir / XVIP_PIN_LINK)) {
        throw DataplaneError("xvip is not attached to " + std::string(ifname) + " (nothing pinned at " +
                             pin_dir.string() + ")");
    }
    UniqueFd iface_map = open_pin(pin_dir / XVIP_MAP_IFACE);
    std::uint32_t abi_seen = 0;
    const auto own = read_own_abi_iface(iface_map.get(), abi_seen);
    if (!own) {
        throw DataplaneError("the data plane pinned at " + pin_dir.string() + " speaks another ABI version (" +
                             std::to_string(abi_seen) + ", this build speaks " + std::to_string(XVIP_ABI_VERSION) +
                             "): detach it with the xvipctl that attached it");
    }
    xvip_iface iface = *own;
    Maps maps;
    maps.iface = std::move(iface_map);
    for (const auto& [name, fd] : Maps::table) {
        if (!(maps.*fd)) maps.*fd = open_pin(pin_dir / name);
    }
    UniqueFd link = open_pin(pin_dir / XVIP_PIN_LINK);
    const int ifindex = interface_index(ifname);
    if (iface.ifindex != static_cast<std::uint32_t>(ifindex) || iface.netns_ino != netns_inode()) {
        throw DataplaneError("the data plane pinned at " + pin_dir.string() +
                             " belongs to another interface (ifindex " + std::to_string(iface.ifindex) + ", now " +
                             std::to_string(ifindex) + "): the interface was re-created; detach and attach again");
    }
    if (xdp_link_ifindex(link.get()) != static_cast<std::uint32_t>(ifindex)) {
        throw DataplaneError("the XDP link pinned at " + pin_dir.string() + " is no longer attached to " +
                             std::string(ifname));
    }
    const MacAddress mac = interface_mac(ifname);
    const bool new_mac = !std::equal(mac.begin(), mac.end(), std::begin(iface.mac));
    if (new_mac) {
        std::memcpy(iface.mac, mac.data(), mac.size());
        write_iface(maps, iface);
    }
    Dataplane adopted(std::string(ifname), pin_dir, std::move(maps), std::move(link));
    adopted.adopted_new_mac_ = new_mac;
    return adopted;
}

Dataplane Dataplane::load(const LoadOptions& options) {
    Loaded loaded = load_program(options.lb);
    xvip_iface iface{};
    iface.abi_version = XVIP_ABI_VERSION;
    iface.ifindex = static_cast<std::uint32_t>(options.ifindex);
    std::memcpy(iface.mac, options.mac.data(), options.mac.size());
    fill_subnets4(iface, options.subnets);
    write_iface(loaded.maps, iface);
    return Dataplane(options.ifname, {}, std::move(loaded.maps), UniqueFd{}, std::move(loaded.program));
}

Dataplane::Dataplane(std::string ifname, fs::path pin_dir, Maps maps, UniqueFd link, UniqueFd program)
    : ifname_(std::move(ifname)),
      pin_dir_(std::move(pin_dir)),
      maps_(std::move(maps)),
      link_(std::move(link)),
      program_(std::move(program)),
      lease_clock_(LeaseClock::system()) {
    xvip_iface iface{};
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(maps_.iface.get(), &key, &iface) != 0) {
        throw DataplaneError("reading the interface map", errno);
    }
    ifindex_ = static_cast<int>(iface.ifindex);
    mode_ = iface.xdp_flags == XDP_FLAGS_SKB_MODE ? XdpMode::generic : XdpMode::native;
    std::memcpy(mac_.data(), iface.mac, mac_.size());

    states_ = MappedWords(maps_.state.get(), XVIP_STATE_ENTRIES, "the state array");
    expected_.resize(XVIP_STATE_ENTRIES);
    for (std::size_t i = 0; i < expected_.size(); ++i) expected_[i] = states_.load(i);
    vip4_buckets_ = MappedWords(maps_.vip4_buckets.get(), XVIP_VIP4_BUCKETS, "the IPv4 VIP buckets");
    gateways_ = MappedWords(maps_.gateways.get(), 2, "the gateway instances");
    fast_ = MappedWords(maps_.fast.get(), XVIP_STATE_ENTRIES * XVIP_FAST_WORDS, "the fast-failover array");
    lb_gens_ = MappedWords(maps_.lb_gens.get(), XVIP_LB_MAX_SERVICES, "the virtual services' words");
    lb_ports_ = MappedWords(maps_.lb_ports.get(), XVIP_LB_PORT_WORDS, "the virtual services' ports");
    bpf_map_info rings{};
    std::uint32_t rings_length = sizeof rings;
    lb_capacity_ = bpf_obj_get_info_by_fd(maps_.lb_rings.get(), &rings, &rings_length) == 0 &&
                   rings.max_entries >= XVIP_LB_MAX_SERVICES * 2 * XVIP_LB_RING_CHUNKS;
}

Dataplane::Dataplane(Dataplane&& other) noexcept = default;
Dataplane& Dataplane::operator=(Dataplane&& other) noexcept = default;
Dataplane::~Dataplane() = default;

bool Dataplane::write_subnets(std::span<const Subnet4> subnets) {
    xvip_iface iface{};
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(maps_.iface.get(), &key, &iface) != 0) {
        throw DataplaneError("reading the interface map", errno);
    }
    const bool checked = fill_subnets4(iface, subnets);
    write_iface(maps_, iface);
    return checked;
}

void Dataplane::detach() {
    if (!link_) return;
    if (bpf_link_detach(link_.get()) != 0 && errno != ENOLINK) {
        throw DataplaneError("detaching XDP from " + ifname_, errno);
    }
    states_.reset();
    vip4_buckets_.reset();
    gateways_.reset();
    fast_.reset();
    lb_gens_.reset();
    lb_ports_.reset();
    link_.reset();
    program_.reset();
    maps_ = Maps{};
    remove_pins(pin_dir_);
}

std::uint32_t Dataplane::link_id() const {
    if (!link_) return 0;
    bpf_link_info info{};
    std::uint32_t length = sizeof info;
    if (bpf_obj_get_info_by_fd(link_.get(), &info, &length) != 0) {
        throw DataplaneError("reading the XDP link's info", errno);
    }
    return info.id;
}

std::uint32_t Dataplane::state_index(InstanceKey instance) const {
    if (!states_) throw DataplaneError("the data plane of " + ifname_ + " is detached");
    return instance.index();
}

void Dataplane::write_state(InstanceKey instance, StateWord state) {
    const std::uint32_t index = state_index(instance);
    expected_[index] = state.encode(lease_clock_);
    states_.store(index, expected_[index]);
}

bool Dataplane::replace_state(InstanceKey instance, StateWord state) {
    const std::uint32_t index = state_index(instance);
    const std::uint64_t desired = state.encode(lease_clock_);
    if (!states_.compare_exchange(index, expected_[index], desired)) return false;
    expected_[index] = desired;
    return true;
}

void Dataplane::accept_state(InstanceKey instance) {
    const std::uint32_t index = state_index(instance);
    expected_[index] = states_.load(index);
}

void Dataplane::write_guard(InstanceKey instance, const AdvertGuard& guard) {
    const std::uint32_t index = state_index(instance);
    xvip_guard value{};
    const auto bytes = guard.primary.bytes();
    std::memcpy(value.primary, bytes.data(), std::min(bytes.size(), sizeof value.primary));
    value.priority = guard.priority;
    value.version = guard.version;
    value.auth_type = guard.auth_type;
    value.interval_s = guard.interval_s;
    std::memcpy(value.auth_data, guard.auth_data.data(), sizeof value.auth_data);
    if (bpf_map_update_elem(maps_.guard.get(), &index, &value, BPF_ANY) != 0) {
        throw DataplaneError("writing the advert guard of " + instance.to_string(), errno);
    }
}

namespace {

constexpr std::size_t fast_word(std::uint32_t index, std::size_t offset) {
    return index * XVIP_FAST_WORDS + offset / sizeof(std::uint64_t);
}

}  // namespace

void Dataplane::configure_fast_failover(InstanceKey instance, const FastFailoverSettings& settings) {
    const std::uint32_t index = state_index(instance);
    const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(settings.interval).count();
    const std::uint64_t requests = fast_.load(fast_word(index, offsetof(xvip_fast, requests)));
    fast_.store(fast_word(index, offsetof(xvip_fast, requests)),
                xvip_fast_requests(xvip_fast_sent(requests), settings.multiplier, settings.priority));
    fast_.store(fast_word(index, offsetof(xvip_fast, interval_ns)),
                interval > 0 ? static_cast<std::uint64_t>(interval) : 0);
}

std::uint32_t Dataplane::prepare_fast_request(InstanceKey instance, StateWord takeover) {
    const std::uint32_t index = state_index(instance);
    fast_.store(fast_word(index, offsetof(xvip_fast, takeover_word)), takeover.encode(lease_clock_));
    const std::size_t at = fast_word(index, offsetof(xvip_fast, requests));
    const std::uint64_t requests = fast_.load(at);
    fast_.store(at, xvip_fast_requests(xvip_fast_sent(requests) + 1, xvip_fast_multiplier(requests),
                                       xvip_fast_priority(requests)));
    return xvip_bfd_request_discriminator(index, xvip_fast_priority(requests));
}

FastFailoverStatus Dataplane::fast_failover_status(InstanceKey instance) const {
    const std::uint32_t index = state_index(instance);
    const auto word = [&](std::size_t offset) { return fast_.load(fast_word(index, offset)); };
    FastFailoverStatus status;
    status.enabled = word(offsetof(xvip_fast, interval_ns)) != 0;
    if (const std::uint64_t mac = word(offsetof(xvip_fast, active_mac)); mac != 0) {
        MacAddress m{};
        std::memcpy(m.data(), &mac, m.size());
        status.active_mac = m;
        std::array<std::uint8_t, 16> addr{};
        const std::uint64_t halves[2] = {word(offsetof(xvip_fast, active_addr)),
                                         word(offsetof(xvip_fast, active_addr) + 8)};
        std::memcpy(addr.data(), halves, sizeof halves);
        status.active_address = instance.family == AddressFamily::ipv4
                                    ? IpAddress::v4({addr[0], addr[1], addr[2], addr[3]})
                                    : IpAddress::v6(addr);
    }
    status.requests_sent = xvip_fast_sent(word(offsetof(xvip_fast, requests)));
    if (const std::uint64_t at = word(offsetof(xvip_fast, last_answer_ns)); at != 0) {
        status.last_answer = from_ns(static_cast<std::int64_t>(at));
    }
    const std::uint64_t answer = word(offsetof(xvip_fast, answer));
    status.answer_state = xvip_fast_answer_state(answer);
    status.armed = (answer & XVIP_FAST_ARMED) != 0;
    status.answers = word(offsetof(xvip_fast, answers));
    if (const std::uint64_t at = word(offsetof(xvip_fast, takeover_ns)); at != 0) {
        status.takeover = from_ns(static_cast<std::int64_t>(at));
    }
    status.largest_gap = std::chrono::nanoseconds(word(offsetof(xvip_fast, largest_gap_ns)));
    status.most_unanswered = word(offsetof(xvip_fast, most_unanswered));
    return status;
}

void Dataplane::clear_fast_takeover(InstanceKey instance) {
    fast_.store(fast_word(state_index(instance), offsetof(xvip_fast, takeover_ns)), 0);
}

std::unique_ptr<DataplaneEvents> Dataplane::open_events(DataplaneEvents::Callback callback) const {
    return std::make_unique<DataplaneEvents>(maps_.events.get(), std::move(callback));
}

DataplaneEvents::DataplaneEvents(int map_fd, Callback callback) : callback_(std::move(callback)) {
    ring_ = ring_buffer__new(
        map_fd,
        [](void* self, void* data, std::size_t size) {
            xvip_event event{};
            if (size < sizeof event) return 0;
            std::memcpy(&event, data, sizeof event);
            static_cast<DataplaneEvents*>(self)->callback_(event);
            return 0;
        },
        this, nullptr);
    if (ring_ == nullptr) throw DataplaneError("opening the data plane's event ring buffer", errno);
}

DataplaneEvents::~DataplaneEvents() {
    ring_buffer__free(ring_);
}

int DataplaneEvents::fd() const {
    return ring_buffer__epoll_fd(ring_);
}

int DataplaneEvents::consume() {
    const int n = ring_buffer__consume(ring_);
    if (n < 0) throw DataplaneError("reading the data plane's events", -n);
    return n;
}

StateWord Dataplane::read_state(InstanceKey instance) const {
    return StateWord::decode(states_.load(state_index(instance)), lease_clock_);
}

void Dataplane::add_vip(const IpAddress& vip, InstanceKey instance) {
    if (vip.family() != instance.family || instance.vrid == 0) {
        throw DataplaneError("VIP " + vip.to_string() + " cannot belong to instance " + instance.to_string());
    }
    const int fd = vip.is_v4() ? maps_.vip4.get() : maps_.vip6.get();
    xvip_vip existing{};
    if (bpf_map_lookup_elem(fd, vip.bytes().data(), &existing) == 0 && existing.instance != instance.index()) {
        throw DataplaneError("VIP " + vip.to_string() +
                             " already belongs to another instance (state "
                             "index " +
                             std::to_string(existing.instance) + ")");
    }
    const xvip_vip value{instance.index()};
    if (bpf_map_update_elem(fd, vip.bytes().data(), &value, BPF_ANY) != 0) {
        throw DataplaneError(
            "adding VIP " + vip.to_string() +
                (errno == E2BIG ? " (at most " + std::to_string(XVIP_MAX_VIPS) + " VIPs per family)" : std::string()),
            errno);
    }
    rebuild_vip_index();  // after the VIP is in the hash map, which the index must not get ahead of
}

VipIndex build_vip_index(std::span<const VipBinding> vips) {
    VipIndex index;
    for (const auto& binding : vips) {
        const auto bytes = binding.address.bytes();
        if (binding.address.is_v4()) {
            __be32 address;
            std::memcpy(&address, bytes.data(), sizeof address);
            xvip_bucket4_add(index.buckets4.data(), address, binding.instance.index());
        } else {
            xvip_filter_add(index.filter6.ipv6, bytes.back());
        }
    }
    return index;
}

// An IPv4 bucket is the program's answer on its own, so it must never name a VIP the hash map has
// not got: buckets change after a VIP is added and before one is removed, each word in one store.
// An IPv6 filter bit only sends the program to the hash map, so a stale one is harmless.
void Dataplane::rebuild_vip_index(const IpAddress* leaving) {
    std::vector<VipBinding> bound = vips();
    if (leaving) std::erase_if(bound, [&](const VipBinding& b) { return b.address == *leaving; });
    const VipIndex index = build_vip_index(bound);
    for (std::size_t i = 0; i < index.buckets4.size(); ++i) {
        if (vip4_buckets_.load(i) != index.buckets4[i]) vip4_buckets_.store(i, index.buckets4[i]);
    }
    const std::uint32_t key = 0;
    if (bpf_map_update_elem(maps_.vip_filter.get(), &key, &index.filter6, BPF_ANY) != 0) {
        throw DataplaneError("writing the VIP filter", errno);
    }
}

void Dataplane::remove_vip(const IpAddress& vip) {
    const int fd = vip.is_v4() ? maps_.vip4.get() : maps_.vip6.get();
    rebuild_vip_index(&vip);  // out of its bucket before it leaves the hash map
    if (bpf_map_delete_elem(fd, vip.bytes().data()) != 0) {
        const int error = errno;
        rebuild_vip_index();  // it may still be there: put its bucket back
        throw DataplaneError(
            error == ENOENT ? vip.to_string() + " is not a VIP on " + ifname_ : "removing VIP " + vip.to_string(),
            error);
    }
}

std::vector<VipBinding> Dataplane::vips() const {
    std::vector<VipBinding> out;
    for (AddressFamily family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
        const int fd = family == AddressFamily::ipv4 ? maps_.vip4.get() : maps_.vip6.get();
        const std::size_t key_len = family == AddressFamily::ipv4 ? 4 : 16;
        std::array<std::uint8_t, 16> key{}, next{};
        const void* prev = nullptr;
        while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
            xvip_vip value{};
            if (bpf_map_lookup_elem(fd, next.data(), &value) == 0) {
                out.push_back(
                    {*IpAddress::from_bytes({next.data(), key_len}), InstanceKey::from_index(value.instance)});
            }
            key = next;
            prev = key.data();
        }
    }
    return out;
}

void Dataplane::set_gateways(std::span<const InstanceKey> gateways) {
    if (!gateways_) throw DataplaneError("the data plane of " + ifname_ + " is detached");
    std::array<std::uint64_t, 2> words{};
    std::array<unsigned, 2> count{};
    for (const InstanceKey& key : gateways) {
        const std::size_t slot = key.family == AddressFamily::ipv4 ? XVIP_SLOT_IPV4 : XVIP_SLOT_IPV6;
        if (key.vrid == 0) throw DataplaneError("gateway instance " + key.to_string() + " has no VRID");
        if (count[slot] == XVIP_MAX_GATEWAYS) {
            throw DataplaneError("more than " + std::to_string(XVIP_MAX_GATEWAYS) + " " +
                                 (slot == XVIP_SLOT_IPV4 ? "IPv4" : "IPv6") + " gateway instances on " + ifname_);
        }
        words[slot] |= std::uint64_t{key.vrid} << (8 * count[slot]++);
    }
    for (std::size_t slot = 0; slot < words.size(); ++slot) {
        if (gateways_.load(slot) != words[slot]) gateways_.store(slot, words[slot]);
    }
}

std::vector<InstanceKey> Dataplane::gateways() const {
    std::vector<InstanceKey> out;
    if (!gateways_) return out;
    for (std::size_t slot = 0; slot < 2; ++slot) {
        const std::uint64_t word = gateways_.load(slot);
        for (unsigned i = 0; i < XVIP_MAX_GATEWAYS && xvip_gateway_vrid(word, i) != 0; ++i) {
            out.push_back(
                {slot == XVIP_SLOT_IPV4 ? AddressFamily::ipv4 : AddressFamily::ipv6, xvip_gateway_vrid(word, i)});
        }
    }
    return out;
}

namespace {

xvip_lb_service_key lb_key(const LbServiceKey& key) {
    if (!key.vip.is_v4() || (key.protocol != IPPROTO_TCP && key.protocol != IPPROTO_UDP)) {
        throw DataplaneError("a virtual service is an IPv4 VIP, TCP or UDP, and a port: not " + key.vip.to_string() +
                             " protocol " + std::to_string(key.protocol));
    }
    xvip_lb_service_key out{};
    std::memcpy(&out.vip, key.vip.bytes().data(), sizeof out.vip);
    out.port = htons(key.port);
    out.protocol = key.protocol;
    return out;
}

// A service's word (struct xvip_lb_service) as the 64 bits stored whole, and back.
static_assert(sizeof(xvip_lb_service) == sizeof(std::uint64_t));
xvip_lb_service lb_service_of(std::uint64_t word) {
    xvip_lb_service service{};
    std::memcpy(&service, &word, sizeof service);
    return service;
}
std::uint64_t lb_word_of(const xvip_lb_service& service) {
    std::uint64_t word = 0;
    std::memcpy(&word, &service, sizeof word);
    return word;
}

// The word of an id no service has now: not live, `incarnation` kept for the next one.
std::uint64_t lb_vacant_word(std::uint16_t incarnation) {
    xvip_lb_service vacant{};
    vacant.incarnation = incarnation;
    return lb_word_of(vacant);
}

// A live service's word.
std::uint64_t lb_word(std::uint8_t generation, const LbHashing& hashing, std::uint16_t incarnation) {
    xvip_lb_service service{};
    service.generation = generation & 1;
    service.flags = XVIP_LB_LIVE | (hashing.persistent ? XVIP_LB_PERSISTENT : 0);
    service.persist_prefix = hashing.persistent ? std::min<std::uint8_t>(hashing.persist_prefix, 32) : 0;
    service.incarnation = incarnation;
    return lb_word_of(service);
}

// Writes `ring` as generation `generation` of service `id`, chunk by chunk.
void write_ring(int rings_fd, std::uint32_t id, std::uint8_t generation, const LbRing& ring) {
    if (ring.size() != XVIP_LB_RING_SIZE) {
        throw DataplaneError("a ring has " + std::to_string(XVIP_LB_RING_SIZE) + " entries, not " +
                             std::to_string(ring.size()));
    }
    for (const std::uint16_t entry : ring) {
        if (entry != XVIP_LB_NO_BACKEND && entry >= XVIP_LB_MAX_BACKENDS) {
            throw DataplaneError("a ring names backend " + std::to_string(entry) + ", beyond the table");
        }
    }
    for (std::uint32_t chunk = 0; chunk < XVIP_LB_RING_CHUNKS; ++chunk) {
        xvip_lb_ring_chunk value{};
        for (std::uint32_t i = 0; i < XVIP_LB_RING_CHUNK; ++i) {
            const std::uint32_t slot = chunk * XVIP_LB_RING_CHUNK + i;
            value.backend[i] = slot < ring.size() ? ring[slot] : XVIP_LB_NO_BACKEND;
        }
        const std::uint32_t key = xvip_lb_ring_key(id, generation, chunk * XVIP_LB_RING_CHUNK);
        if (bpf_map_update_elem(rings_fd, &key, &value, BPF_ANY) != 0) {
            throw DataplaneError("writing the ring of virtual service " + std::to_string(id), errno);
        }
    }
}

}  // namespace

void Dataplane::require_lb_capacity() const {
    if (!lb_gens_) throw DataplaneError("the data plane of " + ifname_ + " is detached");
    if (!lb_capacity_) {
        throw DataplaneError("the data plane of " + ifname_ +
                             " was loaded without room for virtual services (none were configured when it was "
                             "attached); detach it (xvipctl detach " +
                             ifname_ + ") and start xvipd again to serve them");
    }
}

void Dataplane::add_lb_service(const LbServiceKey& key, std::uint32_t id, const LbRing& ring,
                               const LbHashing& hashing) {
    require_lb_capacity();
    if (id >= XVIP_LB_MAX_SERVICES) {
        throw DataplaneError("virtual service id " + std::to_string(id) + " beyond the " +
                             std::to_string(XVIP_LB_MAX_SERVICES) + " the data plane holds");
    }
    const xvip_lb_service_key map_key = lb_key(key);
    xvip_lb_service_id existing{};
    if (bpf_map_lookup_elem(maps_.lb_services.get(), &map_key, &existing) == 0) {
        throw DataplaneError("virtual service " + key.vip.to_string() + ":" + std::to_string(key.port) +
                             " already exists (id " + std::to_string(existing.id) + ")");
    }
    if (lb_service_of(lb_gens_.load(id)).flags & XVIP_LB_LIVE) {
        throw DataplaneError("virtual service id " + std::to_string(id) + " is in use");
    }
    // Ring, word and port first: the key makes the service visible to the program. The id's next
    // incarnation: no flow entered for an earlier service under it is followed.
    write_ring(maps_.lb_rings.get(), id, 0, ring);
    const auto incarnation = static_cast<std::uint16_t>(lb_service_of(lb_gens_.load(id)).incarnation + 1);
    lb_gens_.store(id, lb_word(0, hashing, incarnation));
    set_lb_port(key.port, true);
    const xvip_lb_service_id value{id};
    if (bpf_map_update_elem(maps_.lb_services.get(), &map_key, &value, BPF_NOEXIST) != 0) {
        const int error = errno;
        lb_gens_.store(id, lb_vacant_word(incarnation));
        throw DataplaneError("adding virtual service " + key.vip.to_string() + ":" + std::to_string(key.port), error);
    }
}

void Dataplane::set_lb_port(std::uint16_t port, bool served) {
    const std::size_t index = port / 64;
    const std::uint64_t bit = std::uint64_t{1} << (port % 64);
    const std::uint64_t word = lb_ports_.load(index);
    lb_ports_.store(index, served ? word | bit : word & ~bit);
}

std::uint8_t Dataplane::replace_lb_ring(std::uint32_t id, const LbRing& ring, const LbHashing& hashing) {
    require_lb_capacity();
    if (id >= XVIP_LB_MAX_SERVICES) throw DataplaneError("no virtual service id " + std::to_string(id));
    const xvip_lb_service current = lb_service_of(lb_gens_.load(id));
    if (!(current.flags & XVIP_LB_LIVE)) throw DataplaneError("no virtual service id " + std::to_string(id));
    const std::uint8_t next = (current.generation + 1) & 1;
    write_ring(maps_.lb_rings.get(), id, next, ring);
    lb_gens_.store(id, lb_word(next, hashing, current.incarnation));  // the switch: one store
    return next;
}

void Dataplane::remove_lb_service(const LbServiceKey& key) {
    const xvip_lb_service_key map_key = lb_key(key);
    xvip_lb_service_id existing{};
    if (bpf_map_lookup_elem(maps_.lb_services.get(), &map_key, &existing) != 0) {
        throw DataplaneError("no virtual service " + key.vip.to_string() + ":" + std::to_string(key.port), errno);
    }
    if (bpf_map_delete_elem(maps_.lb_services.get(), &map_key) != 0) {
        throw DataplaneError("removing virtual service " + key.vip.to_string() + ":" + std::to_string(key.port), errno);
    }
    // Not live, its incarnation kept (the next service under the id takes the one after).
    if (existing.id < XVIP_LB_MAX_SERVICES) {
        lb_gens_.store(existing.id, lb_vacant_word(lb_service_of(lb_gens_.load(existing.id)).incarnation));
    }
    // The port's bit goes once no other service (another VIP, the other protocol) has the port.
    xvip_lb_service_key at{};
    xvip_lb_service_key next{};
    bool shared = false;
    for (const void* from = nullptr; !shared && bpf_map_get_next_key(maps_.lb_services.get(), from, &next) == 0;
         from = &at) {
        shared = next.port == map_key.port;
        at = next;
    }
    if (!shared) set_lb_port(key.port, false);
}

void Dataplane::write_lb_backend(std::uint16_t index, const LbBackend& backend) {
    require_lb_capacity();
    if (index >= XVIP_LB_MAX_BACKENDS || !backend.address.is_v4()) {
        throw DataplaneError("backend " + std::to_string(index) + " (" + backend.address.to_string() +
                             "): an IPv4 address at an index below " + std::to_string(XVIP_LB_MAX_BACKENDS));
    }
    xvip_lb_backend value{};
    std::memcpy(&value.addr, backend.address.bytes().data(), sizeof value.addr);
    if (backend.mac) {
        std::memcpy(value.mac, backend.mac->data(), sizeof value.mac);
        value.flags |= XVIP_LB_BACKEND_MAC;
    }
    // Kept without a MAC too (the program needs both to send a new flow there), so that what a
    // restart reads back is what was meant.
    if (backend.usable) value.flags |= XVIP_LB_BACKEND_USABLE;
    const std::uint32_t key = index;
    if (bpf_map_update_elem(maps_.lb_backends.get(), &key, &value, BPF_ANY) != 0) {
        throw DataplaneError("writing backend " + std::to_string(index), errno);
    }
}

std::optional<std::uint16_t> Dataplane::lb_flow_backend(const xvip_lb_flow_key& flow) const {
    xvip_lb_flow value{};
    if (bpf_map_lookup_elem(maps_.lb_flows.get(), &flow, &value) != 0) return std::nullopt;
    return value.backend;
}

std::vector<Dataplane::LbServiceEntry> Dataplane::lb_services() const {
    require_lb_capacity();
    std::vector<LbServiceEntry> out;
    xvip_lb_service_key at{};
    xvip_lb_service_key next{};
    for (const void* from = nullptr; bpf_map_get_next_key(maps_.lb_services.get(), from, &next) == 0; from = &at) {
        at = next;
        xvip_lb_service_id id{};
        if (bpf_map_lookup_elem(maps_.lb_services.get(), &next, &id) != 0 || id.id >= XVIP_LB_MAX_SERVICES) continue;
        std::array<std::uint8_t, 4> vip{};
        std::memcpy(vip.data(), &next.vip, vip.size());
        const xvip_lb_service word = lb_service_of(lb_gens_.load(id.id));
        out.push_back({.key = {.vip = IpAddress::v4(vip), .protocol = next.protocol, .port = ntohs(next.port)},
                       .id = id.id,
                       .hashing = {.persistent = (word.flags & XVIP_LB_PERSISTENT) != 0,
                                   .persist_prefix =
                                       (word.flags & XVIP_LB_PERSISTENT) ? word.persist_prefix : std::uint8_t{32}}});
    }
    return out;
}

std::map<std::uint16_t, LbBackend> Dataplane::lb_backends() const {
    require_lb_capacity();
    std::map<std::uint16_t, LbBackend> out;
    for (std::uint32_t index = 0; index < XVIP_LB_MAX_BACKENDS; ++index) {
        xvip_lb_backend value{};
        if (bpf_map_lookup_elem(maps_.lb_backends.get(), &index, &value) != 0) {
            throw DataplaneError("reading backend " + std::to_string(index), errno);
        }
        if (value.addr == 0) continue;
        std::array<std::uint8_t, 4> address{};
        std::memcpy(address.data(), &value.addr, address.size());
        LbBackend backend{.address = IpAddress::v4(address),
                          .mac = std::nullopt,
                          .usable = (value.flags & XVIP_LB_BACKEND_USABLE) != 0};
        if (value.flags & XVIP_LB_BACKEND_MAC) {
            MacAddress mac{};
            std::memcpy(mac.data(), value.mac, mac.size());
            backend.mac = mac;
        }
        out.emplace(static_cast<std::uint16_t>(index), backend);
    }
    return out;
}

void Dataplane::clear_lb_backend(std::uint16_t index) {
    require_lb_capacity();
    if (index >= XVIP_LB_MAX_BACKENDS) throw DataplaneError("no backend " + std::to_string(index));
    const xvip_lb_backend empty{};
    const std::uint32_t key = index;
    if (bpf_map_update_elem(maps_.lb_backends.get(), &key, &empty, BPF_ANY) != 0) {
        throw DataplaneError("clearing backend " + std::to_string(index), errno);
    }
}

namespace {

// Calls visit(key, flow) for every entry of the flow table, a batch of lookups at a time. An entry
// that the program adds or the LRU evicts meanwhile may or may not be seen.
template <typename Visit>
void for_each_lb_flow(int flows_fd, Visit visit) {
    constexpr std::uint32_t batch = 1024;
    std::vector<xvip_lb_flow_key> keys(batch);
    std::vector<xvip_lb_flow> values(batch);
    xvip_lb_flow_key out_batch{};
    bool first = true;
    for (;;) {
        std::uint32_t count = batch;
        const int rc = bpf_map_lookup_batch(flows_fd, first ? nullptr : &out_batch, &out_batch, keys.data(),
                                            values.data(), &count, nullptr);
        const int error = rc == 0 ? 0 : errno;
        if (rc != 0 && error != ENOENT) throw DataplaneError("reading the flow table", error);
        for (std::uint32_t i = 0; i < count; ++i) visit(keys[i], values[i]);
        if (error == ENOENT) return;  // the last batch
        first = false;
    }
}

}  // namespace

std::size_t Dataplane::forget_lb_flows_to(std::uint16_t index) {
    require_lb_capacity();
    std::vector<xvip_lb_flow_key> doomed;
    for_each_lb_flow(maps_.lb_flows.get(), [&](const xvip_lb_flow_key& key, const xvip_lb_flow& flow) {
        if (flow.backend == index) doomed.push_back(key);
    });
    std::size_t removed = 0;
    for (const auto& key : doomed) {
        if (bpf_map_delete_elem(maps_.lb_flows.get(), &key) == 0) ++removed;
    }
    return removed;
}

std::map<std::uint16_t, std::uint64_t> Dataplane::lb_flows_by_backend() const {
    require_lb_capacity();
    std::map<std::uint16_t, std::uint64_t> out;
    for_each_lb_flow(maps_.lb_flows.get(), [&](const xvip_lb_flow_key&, const xvip_lb_flow& flow) {
        if (flow.service >= XVIP_LB_MAX_SERVICES) return;
        const xvip_lb_service service = lb_service_of(lb_gens_.load(flow.service));
        if ((service.flags & XVIP_LB_LIVE) && service.incarnation == flow.incarnation) ++out[flow.backend];
    });
    return out;
}

xvip_counters Dataplane::counters() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw DataplaneError("counting possible CPUs", -cpus);
    std::vector<xvip_counters> per_cpu(static_cast<std::size_t>(cpus));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(maps_.counters.get(), &key, per_cpu.data()) != 0) {
        throw DataplaneError("reading the counters", errno);
    }
    return sum_counters(per_cpu);
}

}  // namespace xvip
