// Everything xvipd runs on one interface: its data plane, the VIPs held in its kernel, its VRRP
// sockets and GARP sender, and the instances configured on it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/event_loop.hpp"
#include "dataplane/dataplane.hpp"
#include "system/frame_sender.hpp"
#include "system/interface_info.hpp"
#include "system/link_monitor.hpp"
#include "system/local_traffic_route.hpp"
#include "system/netlink_socket.hpp"
#include "system/vip_holder.hpp"
#include "system/vrrp_socket.hpp"
#include "xvipd/vrrp_instance.hpp"

namespace xvip {

struct ServeSettings {
    XdpMode xdp_mode = XdpMode::auto_select;
    std::filesystem::path pin_root;
    std::filesystem::path state_dir;
    std::function<void(const VrrpInstance&, const Transition&)> on_transition;
    // The interface was re-created (another ifindex) or its MAC changed while served: the XDP
    // program, the sockets and the MAC in the data plane belong to the old one. Called once, with
    // what changed; the daemon exits through the restart path, non-zero, for a new start.
    std::function<void(const std::string& ifname, const std::string& what)> on_replaced;
    // A reload: the history of each running instance, by name; an instance of the same name and
    // key continues it (VrrpInstance::continue_history).
    std::map<std::string, VrrpInstance::History> histories;
    // By interface: room for virtual services in the data plane it attaches (LbCapacity; an
    // interface not named gets none).
    std::map<std::string, LbCapacity> lb_capacity;
};

class ServedInterface {
public:
    ServedInterface(EventLoop& loop, std::string ifname, std::vector<Instance> instances, ServeSettings settings);
    ~ServedInterface();

    // The checks that need the system, touching nothing: the interface exists, every VIP is inside
    // one of its subnets, there is an address to send adverts from, no setting this xvipd cannot
    // honour yet. Throws StartupError saying what and how to fix it. start() makes them again.
    static InterfaceInfo check(const std::string& ifname, const std::vector<Instance>& instances);

    // All or nothing: on failure whatever this interface set up is undone, then StartupError. With
    // keep_adopted, a data plane it adopted is kept as for a restart instead (a reload past the
    // point of no return: the next xvipd adopts it).
    void start(bool keep_adopted = false);
    // Planned stop: every instance hands over; then the VIPs leave the kernel, the sysctls are
    // restored and the data plane is detached; then done(). An interface with a gateway instance
    // keeps its data plane attached and pinned, every instance standby: the stopped node goes on
    // forwarding nothing (its forwarding guard) until an xvipd adopts it or `xvipctl detach`.
    void hand_over(std::function<void()> done);
    // Whether a planned stop leaves this interface's forwarding guard attached (a gateway instance).
    bool keeps_guard_on_stop() const;
    // Gives back everything at once, with no handover (a failed start, a fatal error).
    void release() { release_everything(); }
    // Restart path: leave the data plane, its pins, the VIPs and the sysctls exactly as they are.
    void keep_for_restart();
    // Each master that is answering sends one advert now, renewing its lease: before xvipd leaves
    // for a new start, so that the next one has the whole lease to adopt it in.
    void speak_before_leaving();

    const std::string& name() const { return ifname_; }
    // start() found this interface's data plane pinned and took it over (restart, reload).
    bool adopted() const { return adopted_; }
    std::vector<VrrpInstance*> instances() const;
    const Dataplane* dataplane() const { return dataplane_ ? &*dataplane_ : nullptr; }  // for counters
    // For the load balancer's writers (virtual services, backends); null when there is none.
    Dataplane* dataplane() { return dataplane_ ? &*dataplane_ : nullptr; }
    nlohmann::json status(TimePoint now) const;
    // The interface's own metrics, typed: the adverts discarded before an instance claimed them.
    // The data plane's counters are read by the caller (dataplane()->counters() can throw).
    InterfaceMetrics metrics() const;

private:
    // Whether the served interface is still the one started on (ifindex, MAC); on_replaced if not.
    void check_identity();
    void check_addresses();
    void restore_flushed_vips(const char* how);
    void stop_watching_identity();
    // The data plane's events (demotions, conflicts), read on the loop.
    void watch_events();
    void stop_watching_events();
    void on_event(const xvip_event& event);
    void attach_or_adopt();
    LbCapacity lb_capacity() const;  // what settings_ asks for this interface
    void write_arp_subnets();
    void bind_vips();
    void open_sockets();
    void drain(AddressFamily family);
    void count_discard(DiscardReason reason);
    void release_everything();
    // Planned stop with gateway instances: as release_everything, but the data plane stays as a
    // standby forwarding guard.
    void leave_forwarding_guard();
    void give_up(bool keep_adopted);  // a failed start()
    void route_local_traffic(const std::string& instance, const std::optional<IpAddress>& active_router);
    VrrpSocket* socket_for(AddressFamily family);

    EventLoop& loop_;
    std::string ifname_;
    std::vector<Instance> configs_;
    ServeSettings settings_;
    InterfaceInfo info_;
    std::optional<Dataplane> dataplane_;
    std::optional<LinkMonitor> identity_;  // ifindex and MAC of the interface, while served
    std::unique_ptr<DataplaneEvents> events_;
    // IPv6 address notifications, while a link-local VIP is held on the interface: a flush or a
    // deletion takes it off with no link event.
    std::optional<NetlinkSocket> addresses_;
    bool adopted_ = false;
    std::optional<VipHolder> vip_holder_;
    std::optional<VrrpSocket> socket4_, socket6_;
    std::optional<FrameSender> frames_;
    std::vector<std::unique_ptr<VrrpInstance>> instances_;
    // local_traffic_follows_active: one route per IPv4 VIP, by instance name.
    std::map<std::string, std::vector<LocalTrafficRoute>> local_routes_;
    std::map<DiscardReason, std::uint64_t> interface_discards_;  // before an instance is known
    std::size_t handovers_pending_ = 0;
};

}  // namespace xvip
