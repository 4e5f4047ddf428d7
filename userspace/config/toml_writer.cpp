#include "config/toml_writer.hpp"

#include <cstdio>
#include <sstream>

#include "common/duration.hpp"

namespace xvip {

namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

// Durations as people write them ("1s", "100ms"), exact for whole milliseconds.
std::string duration(std::chrono::milliseconds d) {
    return quoted(format_duration(d));
}

std::string boolean(bool b) {
    return b ? "true" : "false";
}

template <typename T, typename Render>
std::string list(const std::vector<T>& items, Render render) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + render(items[i]);
    return out + "]";
}

void hooks(std::ostringstream& out, const std::string& table, const NotifyHooks& n) {
    if (n == NotifyHooks{}) return;
    out << "\n[" << table << ".notify]\n";
    for (const auto& [key, value] : {std::pair{"any", &n.any},
                                     {"active", &n.active},
                                     {"backup", &n.backup},
                                     {"fault", &n.fault},
                                     {"stop", &n.stop}}) {
        if (!value->empty()) out << key << " = " << quoted(*value) << "\n";
    }
}

std::string tracked_interfaces(const std::vector<TrackedInterface>& items) {
    return list(items, [](const TrackedInterface& t) {
        return "{ name = " + quoted(t.name) + ", weight = " + std::to_string(t.weight) +
               (t.weight_reversed ? ", weight_reversed = true" : "") + " }";
    });
}

std::string tracked_scripts(const std::vector<ScriptReference>& items) {
    return list(items, [](const ScriptReference& t) {
        return "{ name = " + quoted(t.name) + (t.weight ? ", weight = " + std::to_string(*t.weight) : "") +
               (t.weight_reversed ? ", weight_reversed = true" : "") + " }";
    });
}

std::string tracked_bfds(const std::vector<BfdReference>& items) {
    return list(items, [](const BfdReference& t) {
        return "{ name = " + quoted(t.name) + (t.weight ? ", weight = " + std::to_string(*t.weight) : "") +
               (t.weight_reversed ? ", weight_reversed = true" : "") + " }";
    });
}

// Whole microseconds, in the largest unit that keeps them exact.
std::string fine_duration(std::chrono::microseconds d) {
    const auto us = d.count();
    if (us % 1000 != 0) return quoted(std::to_string(us) + "us");
    return duration(std::chrono::duration_cast<Milliseconds>(d));
}

void timing(std::ostringstream& out, const CheckTiming& t, std::string_view interval_key) {
    if (t.interval) out << interval_key << " = " << duration(*t.interval) << "\n";
    if (t.connect_timeout) out << "connect_timeout = " << duration(*t.connect_timeout) << "\n";
    if (t.retry) out << "retry = " << *t.retry << "\n";
    if (t.delay_before_retry) out << "delay_before_retry = " << duration(*t.delay_before_retry) << "\n";
    if (t.rise) out << "rise = " << *t.rise << "\n";
}

std::string status_codes(const std::vector<StatusCodeRange>& codes) {
    return list(codes, [](const StatusCodeRange& r) {
        return r.low == r.high ? to_string(r) : quoted(to_string(r));  // a range is a string in TOML
    });
}

void health_check(std::ostringstream& out, const HealthCheck& c) {
    out << "\n[virtual_server.real_server.check]\n"
        << "type = " << quoted(to_string(c.type)) << "\n";
    timing(out, c.timing, "interval");
    if (c.connect_ip) out << "connect_ip = " << quoted(c.connect_ip->to_string()) << "\n";
    if (c.connect_port) out << "connect_port = " << *c.connect_port << "\n";
    if (c.bind_to) out << "bind_to = " << quoted(c.bind_to->to_string()) << "\n";
    if (c.type == CheckType::http) {
        if (!c.virtualhost.empty()) out << "virtualhost = " << quoted(c.virtualhost) << "\n";
        out << "urls = " << list(c.urls, [](const HttpUrl& u) {
            std::string t = "{ path = " + quoted(u.path);
            if (!u.digest.empty()) t += ", digest = " + quoted(u.digest);
            if (!u.status_codes.empty()) t += ", status_codes = " + status_codes(u.status_codes);
            if (!u.virtualhost.empty()) t += ", virtualhost = " + quoted(u.virtualhost);
            return t + " }";
        }) << "\n";
    }
    if (c.type == CheckType::script) {
        out << "command = " << quoted(c.command) << "\n";
        if (c.timeout) out << "timeout = " << duration(*c.timeout) << "\n";
        if (c.dynamic) out << "dynamic = true\n";
        if (!c.user.empty()) out << "user = " << quoted(c.user) << "\n";
    }
}

void virtual_server(std::ostringstream& out, const VirtualServer& vs) {
    out << "\n[[virtual_server]]\n";
    if (vs.keepalived_scheduler) {
        out << "# keepalived: lb_algo " << to_string(*vs.keepalived_scheduler)
            << ", lb_kind DR (xvip's only scheduler and forwarding; docs/config.md)\n";
    }
    out << "address = " << quoted(vs.address.to_string()) << "\n"
        << "port = " << vs.port << "\n"
        << "protocol = " << quoted(to_string(vs.protocol)) << "\n"
        << "scheduler = \"maglev\"\n";
    if (vs.persistence_timeout) out << "persistence_timeout = " << duration(*vs.persistence_timeout) << "\n";
    if (vs.persistence_granularity) out << "persistence_granularity = " << *vs.persistence_granularity << "\n";
    timing(out, vs.check_defaults, "check_interval");
    out << "inhibit_on_failure = " << boolean(vs.inhibit_on_failure) << "\n"
        << "quorum = " << vs.quorum << "\n"
        << "hysteresis = " << vs.hysteresis << "\n";
    if (vs.sorry_server) {
        out << "sorry_server = { address = " << quoted(vs.sorry_server->address.to_string())
            << ", port = " << vs.sorry_server->port << " }\n";
    }
    if (!vs.quorum_up.empty()) out << "quorum_up = " << quoted(vs.quorum_up) << "\n";
    if (!vs.quorum_down.empty()) out << "quorum_down = " << quoted(vs.quorum_down) << "\n";
    for (const RealServer& rs : vs.real_servers) {
        out << "\n[[virtual_server.real_server]]\n"
            << "address = " << quoted(rs.address.to_string()) << "\n"
            << "port = " << rs.port << "\n"
            << "weight = " << rs.weight << "\n";
        if (rs.inhibit_on_failure) out << "inhibit_on_failure = " << boolean(*rs.inhibit_on_failure) << "\n";
        if (!rs.notify_up.empty()) out << "notify_up = " << quoted(rs.notify_up) << "\n";
        if (!rs.notify_down.empty()) out << "notify_down = " << quoted(rs.notify_down) << "\n";
        if (rs.check) health_check(out, *rs.check);
    }
}

}  // namespace

std::string write_toml(const Config& config) {
    std::ostringstream out;
    const auto& g = config.global;
    out << "[global]\n"
        << "cloud = " << boolean(g.cloud) << "\n"
        << "log_level = " << quoted(to_string(g.log_level)) << "\n"
        << "pin_dir = " << quoted(g.pin_dir) << "\n"
        << "v3_ipv4_checksum = " << quoted(to_string(g.v3_ipv4_checksum)) << "\n";
    if (!g.default_interface.empty()) out << "default_interface = " << quoted(g.default_interface) << "\n";
    if (!g.notify_fifo.empty()) out << "notify_fifo = " << quoted(g.notify_fifo) << "\n";
    if (!g.notify_fifo_script.empty()) out << "notify_fifo_script = " << quoted(g.notify_fifo_script) << "\n";
    if (!g.script_user.empty()) out << "script_user = " << quoted(g.script_user) << "\n";
    if (!config.virtual_servers.empty() || g.lb_flow_table_entries != GlobalSettings{}.lb_flow_table_entries) {
        out << "lb_flow_table_entries = " << g.lb_flow_table_entries << "\n";
    }

    for (const auto& s : config.scripts) {
        out << "\n[[script]]\n"
            << "name = " << quoted(s.name) << "\n"
            << "command = " << quoted(s.command) << "\n"
            << "interval = " << duration(s.interval) << "\n";
        if (s.timeout) out << "timeout = " << duration(*s.timeout) << "\n";
        out << "rise = " << s.rise << "\nfall = " << s.fall << "\nweight = " << s.weight << "\n";
        if (s.weight_reversed) out << "weight_reversed = true\n";
        if (!s.user.empty()) out << "user = " << quoted(s.user) << "\n";
        if (s.initially_failed) out << "initially_failed = true\n";
    }

    for (const auto& b : config.bfds) {
        out << "\n[[bfd]]\n"
            << "name = " << quoted(b.name) << "\n";
        if (b.neighbor) out << "neighbor = " << quoted(b.neighbor->to_string()) << "\n";
        if (b.source) out << "source = " << quoted(b.source->to_string()) << "\n";
        out << "min_rx = " << fine_duration(b.min_rx) << "\nmin_tx = " << fine_duration(b.min_tx)
            << "\nidle_tx = " << fine_duration(b.idle_tx) << "\nmultiplier = " << b.multiplier
            << "\npassive = " << boolean(b.passive) << "\nweight = " << b.weight << "\n";
        if (b.weight_reversed) out << "weight_reversed = true\n";
    }

    for (const auto& i : config.instances) {
        out << "\n[[instance]]\n"
            << "name = " << quoted(i.name) << "\n"
            << "interface = " << quoted(i.interface) << "\n"
            << "vrid = " << i.vrid << "\n"
            << "priority = " << i.priority << "\n"
            << "version = " << (i.version == VrrpVersion::v2 ? 2 : 3) << "\n"
            << "advert_interval = " << duration(i.advert_interval) << "\n"
            << "vips = "
            << list(i.vips,
                    [](const VirtualAddress& v) {
                        return quoted(v.address.to_string() + "/" + std::to_string(v.prefix_length));
                    })
            << "\n"
            << "preempt = " << boolean(i.preempt) << "\n"
            << "preempt_delay = " << duration(i.preempt_delay) << "\n";
        if (i.source_address) out << "source_address = " << quoted(i.source_address->to_string()) << "\n";
        if (!i.unicast_peers.empty()) {
            out << "unicast_peers = " << list(i.unicast_peers, [](const UnicastPeer& p) {
                if (!p.has_ttl_range()) return quoted(p.address.to_string());
                std::string t = "{ address = " + quoted(p.address.to_string());
                if (p.min_ttl) t += ", min_ttl = " + std::to_string(*p.min_ttl);
                if (p.max_ttl) t += ", max_ttl = " + std::to_string(*p.max_ttl);
                return t + " }";
            }) << "\n";
        }
        if (i.unicast_ttl) out << "unicast_ttl = " << *i.unicast_ttl << "\n";
        if (i.auth) out << "auth_password = " << quoted(i.auth->password) << "\n";
        out << "v3_ipv4_checksum = " << quoted(to_string(i.v3_ipv4_checksum)) << "\n"
            << "virtual_mac = " << boolean(i.use_virtual_mac) << "\n"
            << "drain_deadline = " << duration(i.drain_deadline) << "\n"
            << "local_traffic_follows_active = " << boolean(i.local_traffic_follows_active) << "\n"
            << "gateway = " << boolean(i.gateway) << "\n";
        if (i.fast_failover) {
            out << "fast_failover = true\n"
                << "fast_failover_interval = " << duration(i.fast_failover_interval) << "\n"
                << "fast_failover_multiplier = " << i.fast_failover_multiplier << "\n";
        }
        if (!i.tracked_interfaces.empty())
            out << "track_interfaces = " << tracked_interfaces(i.tracked_interfaces) << "\n";
        if (!i.tracked_scripts.empty()) out << "track_scripts = " << tracked_scripts(i.tracked_scripts) << "\n";
        if (!i.tracked_bfds.empty()) out << "track_bfds = " << tracked_bfds(i.tracked_bfds) << "\n";
        out << "\n[instance.garp]\n"
            << "repeat = " << i.garp.repeat << "\n"
            << "second_burst_delay = " << duration(i.garp.second_burst_delay) << "\n"
            << "refresh_period = " << duration(i.garp.refresh_period) << "\n"
            << "refresh_repeat = " << i.garp.refresh_repeat << "\n"
            << "interval = " << duration(i.garp.interval) << "\n"
            << "na_interval = " << duration(i.garp.na_interval) << "\n";
        hooks(out, "instance", i.notify);
    }

    for (const auto& g2 : config.sync_groups) {
        out << "\n[[sync_group]]\n"
            << "name = " << quoted(g2.name) << "\n"
            << "instances = " << list(g2.instances, [](const std::string& n) { return quoted(n); }) << "\n";
        if (!g2.tracked_interfaces.empty())
            out << "track_interfaces = " << tracked_interfaces(g2.tracked_interfaces) << "\n";
        if (!g2.tracked_scripts.empty()) out << "track_scripts = " << tracked_scripts(g2.tracked_scripts) << "\n";
        hooks(out, "sync_group", g2.notify);
    }

    for (const auto& vs : config.virtual_servers) virtual_server(out, vs);
    return out.str();
}

}  // namespace xvip
