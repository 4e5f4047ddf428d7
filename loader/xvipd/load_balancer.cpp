#include "xvipd/load_balancer.hpp"

#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "dataplane/dataplane_error.hpp"

namespace xvip {

namespace {

std::uint8_t protocol_number(ServiceProtocol protocol) {
    return protocol == ServiceProtocol::udp ? IPPROTO_UDP : IPPROTO_TCP;
}

std::optional<ServiceProtocol> protocol_of(std::uint8_t number) {
    if (number == IPPROTO_TCP) return ServiceProtocol::tcp;
    if (number == IPPROTO_UDP) return ServiceProtocol::udp;
    return std::nullopt;
}

LbServiceKey dataplane_key(const lb::ServiceKey& key) {
    return {.vip = key.vip, .protocol = protocol_number(key.protocol), .port = key.port};
}

LbHashing dataplane_hashing(const lb::Hashing& h) {
    return {.persistent = h.persistent, .persist_prefix = h.persist_prefix};
}

bool same_backend(const LbBackend& a, const LbBackend& b) {
    return a.address == b.address && a.mac == b.mac && a.usable == b.usable;
}

std::string hashing_text(const lb::Hashing& h) {
    return h.persistent ? "per client /" + std::to_string(h.persist_prefix) : "per flow";
}

}  // namespace

void LoadBalancer::apply(std::span<const VirtualServer> servers, const Targets& targets) {
    std::map<std::string, Served> next;
    for (const VirtualServer& vs : servers) {
        const auto where = targets.interface_of_vip.find(vs.address);
        if (where == targets.interface_of_vip.end()) continue;
        const auto dataplane = targets.dataplanes.find(where->second);
        if (dataplane == targets.dataplanes.end() || dataplane->second == nullptr) continue;
        Served& served = next[where->second];
        served.dataplane = dataplane->second;
        served.servers.push_back(vs);
    }
    // Health of real servers no longer configured is forgotten; the rest is kept (a reload).
    lb::HealthMap kept;
    for (const auto& [ifname, served] : next) {
        for (const VirtualServer& vs : served.servers) {
            const lb::ServiceKey key = lb::key_of(vs);
            for (const RealServer& rs : vs.real_servers) {
                if (const auto it = health_.find({key, rs.address}); it != health_.end()) kept.insert(*it);
            }
        }
    }
    health_ = std::move(kept);
    // Quorum states, by service (a VIP is served on one interface): a reload keeps them.
    std::map<lb::ServiceKey, bool> had_quorum;
    for (const auto& [ifname, served] : served_)
        had_quorum.insert(served.assignment.quorum_up.begin(), served.assignment.quorum_up.end());
    served_ = std::move(next);
    flows_counted_at_.reset();  // other data planes, other indices: counted again
    adopted_without_new_flows_.clear();
    for (auto& [ifname, served] : served_) {
        bind(ifname, served);
        for (const VirtualServer& vs : served.servers) {
            if (const auto had = had_quorum.find(lb::key_of(vs)); had != had_quorum.end()) {
                served.assignment.quorum_up.insert(*had);
            }
        }
        // Checked real servers the data plane was not sending new flows to, of which nothing is
        // known yet (a restart): down until their checks say otherwise.
        for (const VirtualServer& vs : served.servers) {
            const lb::ServiceKey key = lb::key_of(vs);
            for (const RealServer& rs : vs.real_servers) {
                if (rs.check && adopted_without_new_flows_.contains(rs.address)) {
                    health_.try_emplace({key, rs.address}, lb::RealServerHealth{.up = false, .dynamic_weight = {}});
                }
            }
        }
        try {
            write(ifname, served);
        } catch (const lb::PlanError& e) {
            throw LoadBalancerError(ifname + ": " + e.what());
        } catch (const DataplaneError& e) {
            throw LoadBalancerError(ifname + ": " + e.what());
        }
    }
}

void LoadBalancer::unbind() {
    for (auto& [ifname, served] : served_) served.dataplane = nullptr;
}

void LoadBalancer::bind(const std::string& ifname, Served& served) {
    Dataplane& dataplane = *served.dataplane;
    if (!dataplane.holds_lb_services()) {
        throw LoadBalancerError(ifname +
                                ": its data plane was loaded without room for virtual services (none were "
                                "configured when it was attached); to serve them: xvipctl detach " +
                                ifname + " while xvipd is stopped, then start xvipd (the VIPs fail over meanwhile)");
    }
    try {
        for (const auto& entry : dataplane.lb_services()) {
            const auto protocol = protocol_of(entry.key.protocol);
            if (!protocol) continue;
            const lb::ServiceKey key{entry.key.vip, *protocol, entry.key.port};
            served.assignment.service_ids.emplace(key, static_cast<std::uint8_t>(entry.id));
            served.services.emplace(
                key, lb::PlannedService{.key = key,
                                        .id = static_cast<std::uint8_t>(entry.id),
                                        .hashing = {entry.hashing.persistent, entry.hashing.persist_prefix},
                                        .quorum = {},
                                        .holds = lb::RingHolds::nothing,
                                        .ring = {}});
        }
        served.backends = dataplane.lb_backends();
    } catch (const DataplaneError& e) {
        throw LoadBalancerError(ifname + ": reading what its data plane holds: " + e.what());
    }
    for (const auto& [index, backend] : served.backends) {
        served.assignment.backend_indices.emplace(backend.address, index);
        if (backend.mac) served.macs.emplace(backend.address, *backend.mac);
        if (!backend.usable) adopted_without_new_flows_.insert(backend.address);
    }
}

void LoadBalancer::write(const std::string& ifname, Served& served) {
    Dataplane& dataplane = *served.dataplane;
    const lb::Plan plan = lb::plan_services(served.servers, health_, served.assignment);
    for (const auto& skipped : plan.skipped) {
        if (std::none_of(served.skipped.begin(), served.skipped.end(),
                         [&](const auto& s) { return s.service == skipped.service; })) {
            spdlog::error("{}: virtual server {} not served: {}", ifname, skipped.service, skipped.reason);
        }
    }
    served.skipped = plan.skipped;

    std::map<std::uint16_t, LbBackend> wanted;
    for (const lb::PlannedBackend& b : plan.backends) {
        const auto mac = served.macs.find(b.address);
        wanted[b.index] = LbBackend{.address = b.address,
                                    .mac = mac == served.macs.end() ? std::nullopt : std::optional(mac->second),
                                    .usable = b.takes_new_flows};
    }
    // 1. Indices that name another address now, or none: emptied, their flows forgotten.
    for (auto it = served.backends.begin(); it != served.backends.end();) {
        const auto [index, held] = *it;
        const auto want = wanted.find(index);
        if (want != wanted.end() && want->second.address == held.address) {
            ++it;
            continue;
        }
        dataplane.clear_lb_backend(index);
        const std::size_t forgotten = dataplane.forget_lb_flows_to(index);
        spdlog::info("{}: backend {} ({}) left the table; {} flow(s) entered for it forgotten", ifname, index,
                     held.address.to_string(), forgotten);
        it = served.backends.erase(it);
    }
    // 2. Entries written now: new ones (not taking new flows before step 4), ones that start taking
    //    them, changed MACs. An entry that stops taking new flows keeps taking them until step 4.
    std::vector<std::uint16_t> last_step;
    for (const auto& [index, want] : wanted) {
        const auto held = served.backends.find(index);
        const bool fresh = held == served.backends.end();
        if (!fresh && same_backend(held->second, want)) continue;
        const bool stops_taking = !fresh && held->second.usable && !want.usable;
        if (stops_taking || (fresh && want.usable)) last_step.push_back(index);
        if (stops_taking && held->second.mac == want.mac) continue;
        LbBackend now = want;
        if (fresh) now.usable = false;
        if (stops_taking) now.usable = true;
        dataplane.write_lb_backend(index, now);
        served.backends[index] = now;
    }
    // 3. Services.
    std::map<lb::ServiceKey, const lb::PlannedService*> planned;
    for (const lb::PlannedService& s : plan.services) planned.emplace(s.key, &s);
    for (auto it = served.services.begin(); it != served.services.end();) {
        if (planned.contains(it->first)) {
            ++it;
            continue;
        }
        dataplane.remove_lb_service(dataplane_key(it->first));
        spdlog::info("{}: virtual service {} removed", ifname, lb::to_string(it->first));
        it = served.services.erase(it);
    }
    for (const lb::PlannedService& s : plan.services) {
        const auto held = served.services.find(s.key);
        if (held == served.services.end()) {
            dataplane.add_lb_service(dataplane_key(s.key), s.id, s.ring, dataplane_hashing(s.hashing));
            spdlog::info("{}: virtual service {} added (id {}, {}, ring of {})", ifname, lb::to_string(s.key), s.id,
                         hashing_text(s.hashing), lb::to_string(s.holds));
        } else if (held->second.ring != s.ring || !(held->second.hashing == s.hashing)) {
            dataplane.replace_lb_ring(s.id, s.ring, dataplane_hashing(s.hashing));
            if (!held->second.ring.empty()) {  // read back on bind: the same ring, rewritten
                spdlog::info("{}: virtual service {}: ring rebuilt, of {}", ifname, lb::to_string(s.key),
                             lb::to_string(s.holds));
            }
        }
        served.services[s.key] = s;
    }
    // 4. Entries whose last step waited for the rings: into or out of taking new flows.
    for (const std::uint16_t index : last_step) {
        const LbBackend& want = wanted.at(index);
        dataplane.write_lb_backend(index, want);
        served.backends[index] = want;
    }
    const lb::Assignment before = std::exchange(served.assignment, plan.assignment());
    for (const lb::PlannedService& s : plan.services) quorum_event(ifname, s, before);
}

void LoadBalancer::quorum_event(const std::string& ifname, const lb::PlannedService& s,
                                const lb::Assignment& before) const {
    const lb::Quorum& q = s.quorum;
    const auto had = before.quorum_up.find(s.key);
    if (had == before.quorum_up.end()) {
        if (!q.up) {
            spdlog::warn("{}: virtual service {} starts without quorum: its live real servers weigh {}, below {}+{}{}",
                         ifname, lb::to_string(s.key), q.live_weight, q.quorum, q.hysteresis,
                         s.holds == lb::RingHolds::sorry_server ? "; the sorry server takes its new flows" : "");
        }
        return;
    }
    if (had->second == q.up) return;
    if (q.up) {
        spdlog::info("{}: virtual service {} gained quorum: its live real servers weigh {}, at least {}+{}", ifname,
                     lb::to_string(s.key), q.live_weight, q.quorum, q.hysteresis);
    } else {
        spdlog::warn("{}: virtual service {} lost quorum: its live real servers weigh {}, below {}-{} (or none){}",
                     ifname, lb::to_string(s.key), q.live_weight, q.quorum, q.hysteresis,
                     s.holds == lb::RingHolds::sorry_server ? "; the sorry server takes its new flows" : "");
    }
    if (events_.quorum_changed) events_.quorum_changed(s.key, q);
}

void LoadBalancer::write_logged(const std::string& ifname, Served& served) {
    if (served.dataplane == nullptr) return;
    try {
        write(ifname, served);
    } catch (const std::exception& e) {
        spdlog::error("{}: virtual services not updated: {}; the data plane keeps what it held", ifname, e.what());
    }
}

void LoadBalancer::health_changed(const lb::RealServerKey& server, const lb::RealServerHealth& health) {
    const auto it = health_.find(server);
    if (it != health_.end() && it->second.up == health.up && it->second.dynamic_weight == health.dynamic_weight) {
        return;
    }
    const bool was_up = it == health_.end() || it->second.up;  // no verdict yet: up (plan.hpp)
    health_[server] = health;
    // keepalived's order: the real server's scripts, then the quorum's (from the write below).
    if (was_up != health.up && events_.real_server_changed) events_.real_server_changed(server, health.up);
    for (auto& [ifname, served] : served_) {
        const bool serves = std::any_of(served.servers.begin(), served.servers.end(),
                                        [&](const VirtualServer& vs) { return lb::key_of(vs) == server.service; });
        if (serves) write_logged(ifname, served);
    }
}

void LoadBalancer::mac_changed(const std::string& ifname, const IpAddress& backend,
                               const std::optional<MacAddress>& mac) {
    const auto it = served_.find(ifname);
    if (it == served_.end()) return;
    Served& served = it->second;
    if (!served.assignment.backend_indices.contains(backend)) return;  // not (or no longer) a backend here
    const auto known = served.macs.find(backend);
    if (known == served.macs.end() ? !mac : mac && known->second == *mac) return;
    if (mac) {
        served.macs[backend] = *mac;
        spdlog::info("{}: backend {} is at {}", ifname, backend.to_string(), format_mac(*mac));
    } else {
        served.macs.erase(backend);
        spdlog::warn("{}: backend {} has no MAC in the neighbour table: nothing is forwarded to it", ifname,
                     backend.to_string());
    }
    write_logged(ifname, served);
}

std::vector<IpAddress> LoadBalancer::backends_on(const std::string& ifname) const {
    std::set<IpAddress> out;
    if (const auto it = served_.find(ifname); it != served_.end()) {
        for (const VirtualServer& vs : it->second.servers) {
            for (const RealServer& rs : vs.real_servers) out.insert(rs.address);
            if (vs.sorry_server) out.insert(vs.sorry_server->address);
        }
    }
    return {out.begin(), out.end()};
}

std::vector<std::string> LoadBalancer::interfaces() const {
    std::vector<std::string> out;
    for (const auto& [ifname, served] : served_) out.push_back(ifname);
    return out;
}

nlohmann::json LoadBalancer::status() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [ifname, served] : served_) {
        FlowCounts flows;
        if (served.dataplane != nullptr) {
            try {
                flows = served.dataplane->lb_flows_by_backend();
            } catch (const std::exception& e) {
                spdlog::debug("{}: flows not counted: {}", ifname, e.what());
            }
        }
        const auto backend_json = [&](const IpAddress& address) {
            nlohmann::json j{{"address", address.to_string()}};
            const BackendView view = backend_view(served, flows, address);
            if (!view.index) return j;
            j["index"] = *view.index;
            j["mac"] = view.mac ? nlohmann::json(format_mac(*view.mac)) : nlohmann::json();
            j["takes_new_flows"] = view.takes_new_flows;
            j["flows"] = view.flows;
            return j;
        };
        for (const VirtualServer& vs : served.servers) {
            const lb::ServiceKey key = lb::key_of(vs);
            nlohmann::json s{{"service", lb::to_string(key)}, {"interface", ifname}};
            if (const auto held = served.services.find(key); held != served.services.end()) {
                s["id"] = held->second.id;
                s["hashing"] = hashing_text(held->second.hashing);
                s["ring"] = lb::to_string(held->second.holds);
                const lb::Quorum& q = held->second.quorum;
                s["quorum"] = {
                    {"up", q.up}, {"live_weight", q.live_weight}, {"quorum", q.quorum}, {"hysteresis", q.hysteresis}};
            } else {
                s["ring"] = "not served";
                for (const auto& skipped : served.skipped) {
                    if (skipped.service == lb::to_string(key)) s["not_served_because"] = skipped.reason;
                }
            }
            s["real_servers"] = nlohmann::json::array();
            for (const RealServer& rs : vs.real_servers) {
                nlohmann::json r = backend_json(rs.address);
                r["weight"] = rs.weight;
                r["health"] = to_string(health_of(key, rs));
                const auto health = health_.find({key, rs.address});
                if (rs.check && health != health_.end() && health->second.dynamic_weight) {
                    r["dynamic_weight"] = *health->second.dynamic_weight;
                }
                s["real_servers"].push_back(std::move(r));
            }
            if (vs.sorry_server) s["sorry_server"] = backend_json(vs.sorry_server->address);
            out.push_back(std::move(s));
        }
    }
    return out;
}

LoadBalancer::BackendView LoadBalancer::backend_view(const Served& served, const FlowCounts& counts,
                                                     const IpAddress& address) {
    BackendView view;
    const auto index = served.assignment.backend_indices.find(address);
    if (index == served.assignment.backend_indices.end()) return view;
    view.index = index->second;
    if (const auto held = served.backends.find(index->second); held != served.backends.end()) {
        view.mac = held->second.mac;
        view.takes_new_flows = held->second.usable && held->second.mac.has_value();
    }
    if (const auto flows = counts.find(index->second); flows != counts.end()) view.flows = flows->second;
    return view;
}

LbHealth LoadBalancer::health_of(const lb::ServiceKey& service, const RealServer& rs) const {
    if (!rs.check) return LbHealth::unchecked;
    const auto health = health_.find({service, rs.address});
    if (health == health_.end()) return LbHealth::unknown;
    return health->second.up ? LbHealth::up : LbHealth::down;
}

std::vector<VirtualServiceMetrics> LoadBalancer::metrics(TimePoint now) const {
    if (!flows_counted_at_ || now - *flows_counted_at_ >= std::chrono::seconds(1)) {
        for (const auto& [ifname, served] : served_) {
            if (served.dataplane == nullptr) continue;
            try {
                flow_counts_[ifname] = served.dataplane->lb_flows_by_backend();
            } catch (const std::exception& e) {  // the last counts stay
                spdlog::debug("{}: flows not counted: {}", ifname, e.what());
            }
        }
        std::erase_if(flow_counts_, [&](const auto& entry) { return !served_.contains(entry.first); });
        flows_counted_at_ = now;
    }
    std::vector<VirtualServiceMetrics> out;
    for (const auto& [ifname, served] : served_) {
        const auto counted = flow_counts_.find(ifname);
        const FlowCounts none;
        const auto backend = [&](const IpAddress& address) {
            const BackendView view =
                backend_view(served, counted == flow_counts_.end() ? none : counted->second, address);
            return LbBackendMetrics{
                .address = address.to_string(), .takes_new_flows = view.takes_new_flows, .flows = view.flows};
        };
        for (const VirtualServer& vs : served.servers) {
            const lb::ServiceKey key = lb::key_of(vs);
            VirtualServiceMetrics s{.service = lb::to_string(key),
                                    .interface = ifname,
                                    .ring = std::nullopt,
                                    .quorum = std::nullopt,
                                    .real_servers = {},
                                    .sorry_server = std::nullopt};
            if (const auto held = served.services.find(key); held != served.services.end()) {
                s.ring = held->second.holds;
                s.quorum = held->second.quorum;
            }
            for (const RealServer& rs : vs.real_servers) {
                s.real_servers.push_back(
                    {.backend = backend(rs.address), .weight = rs.weight, .health = health_of(key, rs)});
            }
            if (vs.sorry_server) s.sorry_server = backend(vs.sorry_server->address);
            out.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace xvip
