#include "lb/plan.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace xvip::lb {

namespace {

std::string service_name(const VirtualServer& vs) {
    return std::string(to_string(vs.protocol)) + " " + vs.endpoint();
}

// Why the real servers of `vs` cannot be planned; nothing when they can.
std::optional<std::string> unplannable_real_servers(const VirtualServer& vs) {
    if (vs.real_servers.size() > max_real_servers_per_service) {
        return std::to_string(vs.real_servers.size()) + " real servers, more than " +
               std::to_string(max_real_servers_per_service);
    }
    std::set<IpAddress> seen;
    for (const RealServer& rs : vs.real_servers) {
        const std::string name = "real server " + rs.address.to_string();
        if (!rs.address.is_v4()) return name + " is not IPv4";
        if (!seen.insert(rs.address).second) return name + " is listed twice";
        if (rs.weight < 0 || rs.weight > max_real_server_weight) {
            return name + " has weight " + std::to_string(rs.weight) + ", outside 0-" +
                   std::to_string(max_real_server_weight);
        }
    }
    return std::nullopt;
}

// Why `vs` cannot be planned (the validator refuses all of these); nothing when it can.
std::optional<std::string> unplannable(const VirtualServer& vs) {
    if (!vs.address.is_v4()) return "the VIP is not IPv4: the data plane forwards IPv4 only";
    if (vs.protocol != ServiceProtocol::tcp && vs.protocol != ServiceProtocol::udp) return "neither TCP nor UDP";
    if (vs.port < 1 || vs.port > 65535) return "port " + std::to_string(vs.port) + " is outside 1-65535";
    if (vs.persistence_granularity && (*vs.persistence_granularity < 0 || *vs.persistence_granularity > 32)) {
        return "persistence_granularity " + std::to_string(*vs.persistence_granularity) + " is outside 0-32";
    }
    if (vs.sorry_server && !vs.sorry_server->address.is_v4()) return "the sorry server is not IPv4";
    return unplannable_real_servers(vs);
}

// The services to plan, in configuration order; the others go to `skipped` with the reason.
std::vector<const VirtualServer*> plannable(std::span<const VirtualServer> configured,
                                            std::vector<SkippedService>& skipped) {
    std::vector<const VirtualServer*> out;
    std::set<ServiceKey> keys;
    for (const VirtualServer& vs : configured) {
        std::optional<std::string> reason = unplannable(vs);
        if (!reason && !keys.insert(key_of(vs)).second) reason = "the same service as an earlier virtual server";
        if (reason) {
            skipped.push_back({service_name(vs), *reason});
        } else {
            out.push_back(&vs);
        }
    }
    return out;
}

// Gives each of `wanted` (no duplicates, fewer than `capacity`) a number below `capacity`: the one
// `previous` gave it where that is in range and no key before it in `previous` took it, else the
// lowest free one, in the order of `wanted`. Service ids and backend indices are both kept so.
template <typename Key, typename Number>
std::map<Key, Number> keep_then_fill(const std::vector<Key>& wanted, const std::map<Key, Number>& previous,
                                     std::size_t capacity) {
    const std::set<Key> wanted_set(wanted.begin(), wanted.end());
    std::map<Key, Number> out;
    std::vector<bool> taken(capacity, false);
    for (const auto& [key, number] : previous) {
        if (!wanted_set.contains(key) || number >= capacity || taken[number]) continue;
        out.emplace(key, number);
        taken[number] = true;
    }
    std::size_t next_free = 0;
    for (const Key& key : wanted) {
        if (out.contains(key)) continue;
        while (taken[next_free]) ++next_free;
        out.emplace(key, static_cast<Number>(next_free));
        taken[next_free] = true;
    }
    return out;
}

std::map<ServiceKey, std::uint8_t> assign_ids(const std::vector<const VirtualServer*>& services,
                                              const Assignment& previous) {
    if (services.size() > kMaxServices) {
        throw PlanError(std::to_string(services.size()) + " virtual services, more than the " +
                        std::to_string(kMaxServices) + " the data plane holds: remove " +
                        std::to_string(services.size() - kMaxServices));
    }
    std::vector<ServiceKey> keys;
    for (const VirtualServer* vs : services) keys.push_back(key_of(*vs));
    return keep_then_fill(keys, previous.service_ids, kMaxServices);
}

// Every real server's and sorry server's address, once, in address order.
std::map<IpAddress, std::uint16_t> assign_backend_indices(const std::vector<const VirtualServer*>& services,
                                                          const Assignment& previous) {
    std::set<IpAddress> addresses;
    for (const VirtualServer* vs : services) {
        for (const RealServer& rs : vs->real_servers) addresses.insert(rs.address);
        if (vs->sorry_server) addresses.insert(vs->sorry_server->address);
    }
    if (addresses.size() > kMaxBackends) {
        throw PlanError(std::to_string(addresses.size()) + " distinct real and sorry server addresses, more than the " +
                        std::to_string(kMaxBackends) + " backends the data plane holds");
    }
    return keep_then_fill(std::vector<IpAddress>(addresses.begin(), addresses.end()), previous.backend_indices,
                          kMaxBackends);
}

Hashing hashing_of(const VirtualServer& vs) {
    if (!vs.persistence_timeout) return {};
    return {true, static_cast<std::uint8_t>(vs.persistence_granularity.value_or(32))};
}

// The weight the real server's new flows are shared by: 0 while it is down.
std::uint32_t effective_weight(const RealServer& rs, const ServiceKey& service, const HealthMap& health) {
    const auto it = health.find({service, rs.address});
    if (it == health.end()) return static_cast<std::uint32_t>(rs.weight);
    if (!it->second.up) return 0;
    const int weight = it->second.dynamic_weight.value_or(rs.weight);
    return static_cast<std::uint32_t>(std::clamp(weight, 0, max_real_server_weight));
}

// The quorum of `vs` given its live weight and whether it had quorum before (nothing: a first plan).
Quorum quorum_of(const VirtualServer& vs, std::int64_t live_weight, std::optional<bool> was_up) {
    const QuorumRule rule = quorum_rule(vs);
    Quorum q{.up = false, .live_weight = live_weight, .quorum = rule.quorum, .hysteresis = rule.hysteresis};
    const std::int64_t gain_at = std::int64_t{q.quorum} + q.hysteresis;
    const std::int64_t lose_below = std::int64_t{q.quorum} - q.hysteresis;
    if (was_up.value_or(false)) {
        q.up = live_weight > 0 && live_weight >= lose_below;
    } else {
        q.up = live_weight >= gain_at;
    }
    return q;
}

// The ring of one service, and the backend indices it names.
struct Ring {
    Quorum quorum;
    RingHolds holds = RingHolds::nothing;
    std::vector<std::uint16_t> entries;
};

Ring build_ring(const VirtualServer& vs, const ServiceKey& key, const HealthMap& health,
                const std::map<IpAddress, std::uint16_t>& backend_index, std::optional<bool> had_quorum) {
    std::vector<MaglevBackend> members;
    std::vector<std::uint16_t> index_of_member;
    std::int64_t live_weight = 0;
    for (const RealServer& rs : vs.real_servers) {
        const std::uint32_t weight = effective_weight(rs, key, health);
        if (weight == 0) continue;
        live_weight += weight;
        // The service's port, not the real server's as written: it is where the flows go, and the
        // key must not depend on how the file spelled it.
        members.push_back({rs.address.to_string() + ":" + std::to_string(key.port), weight});
        index_of_member.push_back(backend_index.at(rs.address));
    }
    const Quorum quorum = quorum_of(vs, live_weight, had_quorum);
    // With one backend, Maglev gives it every entry: no need to hash the sorry server's key.
    if (!quorum.up && vs.sorry_server) {
        return {quorum, RingHolds::sorry_server, std::vector(kRingSize, backend_index.at(vs.sorry_server->address))};
    }
    if (!members.empty()) {
        std::vector<std::uint16_t> entries = build_maglev_table(members, kRingSize);
        for (std::uint16_t& e : entries) e = index_of_member.at(e);
        return {quorum, RingHolds::real_servers, std::move(entries)};
    }
    return {quorum, RingHolds::nothing, std::vector<std::uint16_t>(kRingSize, kNoBackend)};
}

}  // namespace

ServiceKey key_of(const VirtualServer& vs) {
    return {vs.address, vs.protocol, static_cast<std::uint16_t>(vs.port)};
}

std::string to_string(const ServiceKey& key) {
    return std::string(to_string(key.protocol)) + " " + key.vip.to_string() + ":" + std::to_string(key.port);
}

std::string_view to_string(RingHolds holds) {
    switch (holds) {
        case RingHolds::real_servers: return "real servers";
        case RingHolds::sorry_server: return "sorry server";
        case RingHolds::nothing: return "nothing";
    }
    return "?";
}

Assignment Plan::assignment() const {
    Assignment out;
    for (const PlannedService& s : services) {
        out.service_ids.emplace(s.key, s.id);
        out.quorum_up.emplace(s.key, s.quorum.up);
    }
    for (const PlannedBackend& b : backends) out.backend_indices.emplace(b.address, b.index);
    return out;
}

Plan plan_services(std::span<const VirtualServer> configured, const HealthMap& health, const Assignment& previous) {
    Plan plan;
    const std::vector<const VirtualServer*> services = plannable(configured, plan.skipped);
    const std::map<ServiceKey, std::uint8_t> ids = assign_ids(services, previous);
    const std::map<IpAddress, std::uint16_t> backend_index = assign_backend_indices(services, previous);

    std::vector<bool> in_a_ring(kMaxBackends, false);
    for (const VirtualServer* vs : services) {
        const ServiceKey key = key_of(*vs);
        const auto had = previous.quorum_up.find(key);
        Ring ring = build_ring(*vs, key, health, backend_index,
                               had == previous.quorum_up.end() ? std::nullopt : std::optional(had->second));
        for (std::uint16_t e : ring.entries) {
            if (e != kNoBackend) in_a_ring[e] = true;
        }
        plan.services.push_back({key, ids.at(key), hashing_of(*vs), ring.quorum, ring.holds, std::move(ring.entries)});
    }

    for (const auto& [address, index] : backend_index) {
        plan.backends.push_back({index, address, in_a_ring[index]});
    }
    std::sort(plan.backends.begin(), plan.backends.end(),
              [](const PlannedBackend& a, const PlannedBackend& b) { return a.index < b.index; });
    return plan;
}

}  // namespace xvip::lb
