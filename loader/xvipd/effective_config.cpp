#include "xvipd/effective_config.hpp"

#include "common/duration.hpp"

namespace xvip {

namespace {

std::string ms(std::chrono::milliseconds d) {
    return format_duration(d);
}

nlohmann::json hooks(const NotifyHooks& n) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, value] : {std::pair{"notify", &n.any},
                                     {"notify_master", &n.active},
                                     {"notify_backup", &n.backup},
                                     {"notify_fault", &n.fault},
                                     {"notify_stop", &n.stop}}) {
        if (!value->empty()) j[key] = *value;
    }
    return j;
}

}  // namespace

nlohmann::json effective_config(const Config& config) {
    nlohmann::json j;
    j["global"] = {{"cloud", config.global.cloud},
                   {"log_level", to_string(config.global.log_level)},
                   {"pin_dir", config.global.pin_dir},
                   {"notify_fifo", config.global.notify_fifo}};
    j["instances"] = nlohmann::json::array();
    for (const auto& i : config.instances) {
        nlohmann::json vips = nlohmann::json::array(), peers = nlohmann::json::array();
        for (const auto& v : i.vips) vips.push_back(v.address.to_string() + "/" + std::to_string(v.prefix_length));
        for (const auto& p : i.unicast_peers) peers.push_back(p.address.to_string());
        nlohmann::json tracked_interfaces = nlohmann::json::array(), tracked_scripts = nlohmann::json::array();
        for (const auto& t : i.tracked_interfaces)
            tracked_interfaces.push_back({{"name", t.name}, {"weight", t.weight}});
        for (const auto& t : i.tracked_scripts) {
            tracked_scripts.push_back(
                {{"name", t.name}, {"weight", t.weight ? nlohmann::json(*t.weight) : nlohmann::json()}});
        }
        j["instances"].push_back({
            {"name", i.name},
            {"interface", i.interface},
            {"family", i.family() ? std::string(to_string(*i.family())) : "none"},
            {"vrid", i.vrid},
            {"priority", i.priority},
            {"version", i.version == VrrpVersion::v2 ? 2 : 3},
            {"advert_interval", ms(i.advert_interval)},
            {"vips", vips},
            {"preempt", i.preempt},
            {"preempt_delay", ms(i.preempt_delay)},
            {"source", i.source_address ? i.source_address->to_string() : "interface's own"},
            {"transport", i.is_unicast() ? "unicast" : "multicast"},
            {"unicast_peers", peers},
            {"auth", i.auth ? "PASS" : "none"},
            {"v3_ipv4_checksum", to_string(i.v3_ipv4_checksum)},
            {"use_virtual_mac", i.use_virtual_mac},
            {"garp",
             {{"repeat", i.garp.repeat},
              {"second_burst_delay", ms(i.garp.second_burst_delay)},
              {"refresh_period", ms(i.garp.refresh_period)},
              {"refresh_repeat", i.garp.refresh_repeat},
              {"interval", ms(i.garp.interval)},
              {"na_interval", ms(i.garp.na_interval)}}},
            {"drain_deadline", ms(i.drain_deadline)},
            {"local_traffic_follows_active", i.local_traffic_follows_active},
            {"gateway", i.gateway},
            {"fast_failover", i.fast_failover ? nlohmann::json{{"interval_ms", i.fast_failover_interval.count()},
                                                               {"multiplier", i.fast_failover_multiplier}}
                                              : nlohmann::json(false)},
            {"tracked_interfaces", tracked_interfaces},
            {"tracked_scripts", tracked_scripts},
            {"notify", hooks(i.notify)},
        });
    }
    return j;
}

}  // namespace xvip
