#include "xvipd/metrics.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "codec/discard_reason.hpp"

namespace xvip {

namespace {

State state_named(std::string_view keepalived_name) {
    if (keepalived_name == "BACKUP") return State::backup;
    if (keepalived_name == "MASTER") return State::master;
    if (keepalived_name == "FAULT") return State::fault;
    return State::initialize;
}

DiscardCounts discards_of(const nlohmann::json& object) {
    DiscardCounts counts{};
    const auto discards = object.find("discards");
    if (discards == object.end() || !discards->is_object()) return counts;
    for (std::size_t r = 0; r < discard_reason_count; ++r) {
        counts[r] = discards->value(std::string(to_string(static_cast<DiscardReason>(r))), std::uint64_t{0});
    }
    return counts;
}

}  // namespace

MetricsSnapshot metrics_snapshot_of_status(const nlohmann::json& status,
                                           const std::vector<InterfaceCounters>& dataplanes) {
    static const nlohmann::json no_items = nlohmann::json::array();
    static const nlohmann::json no_counters = nlohmann::json::object();
    MetricsSnapshot snapshot;
    snapshot.version = status.value("version", "");
    snapshot.uptime = std::chrono::milliseconds(status.value("uptime_ms", std::int64_t{0}));
    for (const auto& i : status.contains("instances") ? status["instances"] : no_items) {
        const auto& c = i.contains("counters") && i["counters"].is_object() ? i["counters"] : no_counters;
        const auto counter = [&](const char* name) { return c.value(name, std::uint64_t{0}); };
        InstanceMetrics m;
        m.name = i.value("name", "");
        m.interface = i.value("interface", "");
        m.family = i.value("family", "") == "ipv6" ? AddressFamily::ipv6 : AddressFamily::ipv4;
        m.vrid = i.value("vrid", std::uint8_t{0});
        m.state = state_named(i.value("state", ""));
        m.role = parse_role(i.value("role", "")).value_or(XdpRole::standby);
        m.priority = i.value("priority", std::uint8_t{0});
        m.configured_priority = i.value("configured_priority", std::uint8_t{0});
        m.maintenance = i.contains("maintenance") && i["maintenance"].is_string();
        m.lease_remaining = std::chrono::milliseconds(i.value("deadline_left_ms", std::int64_t{0}));
        m.transitions = i.value("transitions", std::uint64_t{0});
        if (i.contains("last_transition") && i["last_transition"].is_object()) {
            m.last_transition = std::chrono::system_clock::time_point(
                std::chrono::milliseconds(i["last_transition"].value("unix_time_ms", std::int64_t{0})));
        }
        m.adverts_sent = counter("adverts_sent");
        m.adverts_received = counter("adverts_received");
        m.advert_send_failures = counter("send_failures");
        m.announcements = counter("announcements");
        m.frames_sent = counter("frames_sent");
        m.frame_failures = counter("frame_failures");
        m.lease_renewals = counter("lease_renewals");
        m.stalls = counter("stalls");
        m.discards = discards_of(i);
        snapshot.instances.push_back(std::move(m));
    }
    for (const auto& f : status.contains("interfaces") ? status["interfaces"] : no_items) {
        snapshot.interfaces.push_back({f.value("name", ""), discards_of(f), std::nullopt});
    }
    for (const auto& d : dataplanes) {
        auto it = std::find_if(snapshot.interfaces.begin(), snapshot.interfaces.end(),
                               [&](const InterfaceMetrics& f) { return f.name == d.interface; });
        if (it == snapshot.interfaces.end()) it = snapshot.interfaces.insert(it, {d.interface, {}, std::nullopt});
        it->dataplane = d.counters;
    }
    return snapshot;
}

std::string render_metrics(const nlohmann::json& status, const std::vector<InterfaceCounters>& dataplanes) {
    return render_metrics(metrics_snapshot_of_status(status, dataplanes));
}

}  // namespace xvip
