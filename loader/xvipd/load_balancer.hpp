// xvipd's load-balancer mode: the running configuration's virtual servers, planned (lb/plan.hpp)
// and written into the data plane of the interface whose instance holds each VIP; planned and
// written again whenever a real server's health or a backend's MAC changes, and on reload.
//
// Each interface is planned on its own (its services, its backend table, its neighbours). What a
// data plane holds is read back when it is bound (a restart or a reload adopts it): the services'
// ids and the backends' indices are kept, so established flows keep their backends.
//
// Writing a plan never lets a flow reach a server it was not meant for, in this order:
//  1. a backend index that names another address than before, or none, is emptied, and the flows
//     entered for it are forgotten, before it is written again (not yet taking new flows);
//  2. backends that take new flows, or whose MAC changed, are written;
//  3. services that left are removed, new ones added, changed rings switched in with one store
//     (Dataplane::replace_lb_ring);
//  4. backends that stop taking new flows are written last: while an old ring still names them,
//     they still take them.
// A drained (weight 0) or failed server leaves the rings but keeps its entry and MAC: the flows
// already entered for it keep going there. A backend whose MAC is unknown forwards nothing.
//
// Each service's quorum (lb/plan.hpp) is carried from plan to plan, across a reload too; a restart
// starts it afresh. Events tell the daemon, which runs the scripts: a service that gains or loses
// its quorum (not its first state), and a real server whose check passes again or fails (one
// without a verdict counts as up, so a first verdict of up is no event).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "common/monotonic_clock.hpp"
#include "config/config.hpp"
#include "dataplane/dataplane.hpp"
#include "lb/plan.hpp"
#include "xvipd/metrics_snapshot.hpp"

namespace xvip {

// The error of a plan or a write, naming the interface and what to change.
class LoadBalancerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class LoadBalancer {
public:
    struct Events {
        std::function<void(const lb::ServiceKey&, const lb::Quorum&)> quorum_changed;
        std::function<void(const lb::RealServerKey&, bool up)> real_server_changed;
    };
    explicit LoadBalancer(Events events = {}) : events_(std::move(events)) {}

    // The interfaces' data planes, by interface name, and which interface serves each VIP.
    struct Targets {
        std::map<std::string, Dataplane*> dataplanes;
        std::map<IpAddress, std::string> interface_of_vip;
    };

    // The running configuration's virtual servers and where they are served. Binds the data planes
    // (forgetting any bound before), reads what each holds, plans and writes. A virtual server whose
    // VIP no target serves is not planned. Throws LoadBalancerError (a plan beyond the data plane's
    // room, a data plane loaded without room for services, a write the kernel refused).
    void apply(std::span<const VirtualServer> servers, const Targets& targets);
    // Forgets the data planes (they are about to go: a stop, a restart, a reload's re-adoption).
    void unbind();

    // A real server's verdict: plans and writes its interface again when that changes a ring.
    // Errors are logged, never thrown (the loop goes on with what the data plane holds).
    void health_changed(const lb::RealServerKey& server, const lb::RealServerHealth& health);
    // A backend's MAC on an interface, from the neighbour table: written at once.
    void mac_changed(const std::string& ifname, const IpAddress& backend, const std::optional<MacAddress>& mac);

    // The addresses whose MAC an interface needs (its backend table).
    std::vector<IpAddress> backends_on(const std::string& ifname) const;
    // The interfaces that serve virtual services.
    std::vector<std::string> interfaces() const;
    // Backends that were written as not taking new flows in a data plane found on bind. Their checked
    // real servers that have no health yet (a restart) start down (health()), so that none returns
    // to a ring before its check says it is up; the daemon seeds the checks the same way.
    const std::set<IpAddress>& adopted_without_new_flows() const { return adopted_without_new_flows_; }

    // Per service: its key, interface, id, hashing, quorum, what its ring holds; per real server: weight,
    // health, MAC, whether it takes new flows, and the flows the table holds for it.
    nlohmann::json status() const;
    // The same, typed, for the metrics snapshot (taken every 250 ms), less ids, indices and MACs.
    // Counting the flows reads the whole flow table: they are counted again only when a second has
    // passed since the last count (or after apply()), so they may be up to a second old.
    std::vector<VirtualServiceMetrics> metrics(TimePoint now) const;
    const lb::HealthMap& health() const { return health_; }

private:
    struct Served {
        Dataplane* dataplane = nullptr;
        std::vector<VirtualServer> servers;  // in configuration order
        lb::Assignment assignment;
        // What the data plane holds, as written (or read back on bind).
        std::map<lb::ServiceKey, lb::PlannedService> services;  // rings empty when read back
        std::map<std::uint16_t, LbBackend> backends;
        std::map<IpAddress, MacAddress> macs;
        std::vector<lb::SkippedService> skipped;
    };

    void bind(const std::string& ifname, Served& served);
    // Plans `served` as things are now and writes the difference (the order above).
    void write(const std::string& ifname, Served& served);
    void write_logged(const std::string& ifname, Served& served);
    // Logs a service's quorum as planned and, when it changed from `before`, tells events_.
    void quorum_event(const std::string& ifname, const lb::PlannedService& s, const lb::Assignment& before) const;
    LbHealth health_of(const lb::ServiceKey& service, const RealServer& rs) const;
    // A backend as status() and metrics() show it: its index (none when the plan gave it none), MAC,
    // whether it takes new flows, and the flows `counts` (by index) hold for it.
    using FlowCounts = std::map<std::uint16_t, std::uint64_t>;
    struct BackendView {
        std::optional<std::uint16_t> index;
        std::optional<MacAddress> mac;
        bool takes_new_flows = false;
        std::uint64_t flows = 0;
    };
    static BackendView backend_view(const Served& served, const FlowCounts& counts, const IpAddress& address);

    Events events_;
    std::map<std::string, Served> served_;  // by interface name
    lb::HealthMap health_;
    std::set<IpAddress> adopted_without_new_flows_;
    // metrics()'s flow counts, by interface and backend index, and when they were counted: a cache
    // of a read of the data planes, which metrics() const refreshes.
    mutable std::map<std::string, FlowCounts> flow_counts_;
    mutable std::optional<TimePoint> flows_counted_at_;
};

}  // namespace xvip
