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

nlohmann::json timing(const ResolvedCheckTiming& t) {
    return {{"interval", ms(t.interval)},
            {"connect_timeout", ms(t.connect_timeout)},
            {"retry", t.retry},
            {"delay_before_retry", ms(t.delay_before_retry)},
            {"rise", t.rise}};
}

nlohmann::json check(const HealthCheck& c, const RealServer& rs, const VirtualServer& vs) {
    const ResolvedCheckTiming resolved = resolve_check_timing(c.timing, vs.check_defaults);
    nlohmann::json j = {{"type", to_string(c.type)}, {"timing", timing(resolved)}};
    if (c.type == CheckType::script) {
        j["command"] = c.command;
        // keepalived's misc_timeout default: the check interval.
        j["timeout"] = ms(c.timeout.value_or(resolved.interval));
        j["dynamic"] = c.dynamic;
        if (!c.user.empty()) j["user"] = c.user;
        return j;
    }
    j["connect"] = (c.connect_ip ? *c.connect_ip : rs.address).to_string() + ":" +
                   std::to_string(c.connect_port.value_or(rs.port));
    if (c.bind_to) j["bind_to"] = c.bind_to->to_string();
    if (c.type == CheckType::http) {
        nlohmann::json urls = nlohmann::json::array();
        for (const HttpUrl& u : c.urls) {
            nlohmann::json codes = nlohmann::json::array();
            for (const StatusCodeRange& r : u.status_codes) codes.push_back(to_string(r));
            if (codes.empty()) codes.push_back(to_string(StatusCodeRange{}));  // keepalived's default
            urls.push_back({{"path", u.path},
                            {"status_codes", codes},
                            {"digest", u.digest.empty() ? nlohmann::json() : nlohmann::json(u.digest)},
                            {"virtualhost", !u.virtualhost.empty() ? u.virtualhost : c.virtualhost}});
        }
        j["urls"] = urls;
    }
    return j;
}

nlohmann::json virtual_server(const VirtualServer& vs) {
    nlohmann::json real_servers = nlohmann::json::array();
    for (const RealServer& rs : vs.real_servers) {
        real_servers.push_back({
            {"address", rs.address.to_string() + ":" + std::to_string(rs.port)},
            {"weight", rs.weight},
            {"inhibit_on_failure", rs.inhibit_on_failure.value_or(vs.inhibit_on_failure)},
            {"check", rs.check ? check(*rs.check, rs, vs) : nlohmann::json("none: always up")},
        });
        if (!rs.notify_up.empty()) real_servers.back()["notify_up"] = rs.notify_up;
        if (!rs.notify_down.empty()) real_servers.back()["notify_down"] = rs.notify_down;
    }
    nlohmann::json j = {
        {"address", vs.endpoint()},
        {"protocol", to_string(vs.protocol)},
        {"forwarding", "direct routing"},
        {"scheduler", "maglev"},
        {"persistence", vs.persistence_timeout
                            ? nlohmann::json{{"timeout", ms(*vs.persistence_timeout)},
                                             {"granularity", vs.persistence_granularity.value_or(32)}}
                            : nlohmann::json(false)},
        {"check_defaults", timing(resolve_check_timing({}, vs.check_defaults))},
        {"real_servers", real_servers},
    };
    // As planned (keepalived's adjustments made), and the scripts its changes run.
    const QuorumRule rule = quorum_rule(vs);
    nlohmann::json quorum{{"quorum", rule.quorum}, {"hysteresis", rule.hysteresis}};
    if (!vs.quorum_up.empty()) quorum["quorum_up"] = vs.quorum_up;
    if (!vs.quorum_down.empty()) quorum["quorum_down"] = vs.quorum_down;
    j["quorum"] = std::move(quorum);
    if (vs.keepalived_scheduler) j["keepalived_lb_algo"] = to_string(*vs.keepalived_scheduler);
    if (vs.sorry_server) {
        j["sorry_server"] = vs.sorry_server->address.to_string() + ":" + std::to_string(vs.sorry_server->port);
    }
    return j;
}

}  // namespace

nlohmann::json effective_config(const Config& config) {
    nlohmann::json j;
    j["global"] = {{"cloud", config.global.cloud},
                   {"log_level", to_string(config.global.log_level)},
                   {"pin_dir", config.global.pin_dir},
                   {"notify_fifo", config.global.notify_fifo},
                   {"lb_flow_table_entries", config.global.lb_flow_table_entries}};
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
    j["virtual_servers"] = nlohmann::json::array();
    for (const VirtualServer& vs : config.virtual_servers) j["virtual_servers"].push_back(virtual_server(vs));
    return j;
}

}  // namespace xvip
