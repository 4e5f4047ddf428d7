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
#include "system/local_traffic_route.hpp"
#include "system/vip_holder.hpp"
#include "system/vrrp_socket.hpp"
#include "xvipd/vrrp_instance.hpp"

namespace xvip {

struct ServeSettings {
    XdpMode xdp_mode = XdpMode::auto_select;
    std::filesystem::path pin_root;
    std::filesystem::path state_dir;
    std::function<void(const VrrpInstance&, const Transition&)> on_transition;
};

class ServedInterface {
public:
    ServedInterface(EventLoop& loop, std::string ifname, std::vector<Instance> instances, ServeSettings settings);
    ~ServedInterface();

    // All or nothing: on failure whatever this interface set up is undone, then StartupError.
    void start();
    // Planned stop: every instance hands over; then the VIPs leave the kernel, the sysctls are
    // restored and the data plane is detached; then done().
    void hand_over(std::function<void()> done);
    // Gives back everything at once, with no handover (a failed start, a fatal error).
    void release() { release_everything(); }
    // Restart path: leave the data plane, its pins, the VIPs and the sysctls exactly as they are.
    void keep_for_restart();

    const std::string& name() const { return ifname_; }
    std::vector<VrrpInstance*> instances() const;
    const Dataplane* dataplane() const { return dataplane_ ? &*dataplane_ : nullptr; }  // for counters
    nlohmann::json status(TimePoint now) const;
    // The interface's own metrics, typed: the adverts discarded before an instance claimed them.
    // The data plane's counters are read by the caller (dataplane()->counters() can throw).
    InterfaceMetrics metrics() const;

private:
    void attach_or_adopt();
    void bind_vips();
    void open_sockets();
    void drain(AddressFamily family);
    void count_discard(DiscardReason reason);
    void release_everything();
    void route_local_traffic(const std::string& instance, const std::optional<IpAddress>& active_router);
    VrrpSocket* socket_for(AddressFamily family);

    EventLoop& loop_;
    std::string ifname_;
    std::vector<Instance> configs_;
    ServeSettings settings_;
    InterfaceInfo info_;
    std::optional<Dataplane> dataplane_;
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
