// toml++ is used header-only with exceptions off: the reader must not throw on any input, and the
// fuzzer builds this file without the packaged shared library (built with exceptions on, so its
// ABI differs).
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include "config/toml_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "common/duration.hpp"
#include "config/instance_defaults.hpp"
#include "config/spelling.hpp"
#include "config/toml_input_screen.hpp"
#include "config/validate.hpp"
#include "config/value_text.hpp"

namespace xvip {
namespace {

// Configuration times have millisecond resolution; the shared duration syntax goes finer.
std::optional<Milliseconds> parse_config_duration(std::string_view text) {
    const auto exact = parse_duration(text);
    if (!exact || exact->count() < 0 || exact->count() % 1'000'000 != 0) return std::nullopt;
    return std::chrono::duration_cast<Milliseconds>(*exact);
}

// Reads the keys of one TOML table, each at most once, and reports the keys nobody asked for.
class TableReader {
public:
    TableReader(const toml::table& table, std::string context, std::string file, DiagnosticSink& sink)
        : table_(table), context_(std::move(context)), file_(std::move(file)), sink_(sink) {}

    ~TableReader() { report_unknown_keys(); }
    TableReader(const TableReader&) = delete;
    TableReader& operator=(const TableReader&) = delete;

    SourceLocation at(const toml::source_region& region) const {
        return {file_, region.begin.line, region.begin.column};
    }
    SourceLocation here() const { return at(table_.source()); }

    const toml::node* node(std::string_view key) {
        known_.push_back(key);
        return table_.get(key);
    }
    SourceLocation where(std::string_view key) {
        const toml::node* n = table_.get(key);
        return n != nullptr ? at(n->source()) : here();
    }

    template <typename T>
    std::optional<T> value(std::string_view key, std::string_view expected) {
        const toml::node* n = node(key);
        if (n == nullptr) return std::nullopt;
        if (auto v = n->value_exact<T>()) return v;
        wrong_type(*n, key, expected);
        return std::nullopt;
    }

    std::optional<std::string> string(std::string_view key) { return value<std::string>(key, "a string"); }
    std::optional<bool> boolean(std::string_view key) { return value<bool>(key, "true or false"); }

    std::optional<int> integer(std::string_view key) {
        const auto v = value<std::int64_t>(key, "an integer");
        if (!v) return std::nullopt;
        constexpr std::int64_t limit = 1'000'000'000;
        if (*v < -limit || *v > limit) {
            sink_.error(where(key), key_name(key) + " = " + std::to_string(*v) + " is out of range",
                        "use a realistic value");
            return std::nullopt;
        }
        return static_cast<int>(*v);
    }

    std::optional<Milliseconds> duration(std::string_view key) {
        const auto text = value<std::string>(key, "a duration string such as \"1s\" or \"100ms\"");
        if (!text) return std::nullopt;
        const auto parsed = parse_config_duration(*text);
        if (!parsed) {
            sink_.error(where(key), key_name(key) + " = \"" + *text + "\" is not a duration in whole milliseconds",
                        "write a number with a unit, e.g. \"1s\", \"0.1s\" or \"100ms\"");
        }
        return parsed;
    }

    // BFD intervals: microsecond resolution ("10ms", "3.312ms", "500us").
    std::optional<std::chrono::microseconds> fine_duration(std::string_view key) {
        const auto text = value<std::string>(key, "a duration string such as \"10ms\"");
        if (!text) return std::nullopt;
        const auto exact = parse_duration(*text);
        if (!exact || exact->count() < 0 || exact->count() % 1'000 != 0) {
            sink_.error(where(key), key_name(key) + " = \"" + *text + "\" is not a duration in whole microseconds",
                        "write a number with a unit, e.g. \"10ms\" or \"2.5ms\"");
            return std::nullopt;
        }
        return std::chrono::duration_cast<std::chrono::microseconds>(*exact);
    }

    std::optional<IpAddress> address(std::string_view key) {
        const auto text = string(key);
        if (!text) return std::nullopt;
        const auto parsed = IpAddress::parse(*text);
        if (!parsed) {
            sink_.error(where(key), "\"" + *text + "\" is not an IP address",
                        "write an IPv4 or IPv6 address without a prefix length");
        }
        return parsed;
    }

    const toml::table* table(std::string_view key) {
        const toml::node* n = node(key);
        if (n == nullptr) return nullptr;
        if (const toml::table* t = n->as_table()) return t;
        wrong_type(*n, key, "a table");
        return nullptr;
    }

    const toml::array* array(std::string_view key, std::string_view expected) {
        const toml::node* n = node(key);
        if (n == nullptr) return nullptr;
        if (const toml::array* a = n->as_array()) return a;
        wrong_type(*n, key, expected);
        return nullptr;
    }

    std::string key_name(std::string_view key) const {
        return context_.empty() ? std::string(key) : context_ + "." + std::string(key);
    }
    const std::string& file() const { return file_; }
    DiagnosticSink& sink() { return sink_; }

private:
    void wrong_type(const toml::node& n, std::string_view key, std::string_view expected) {
        sink_.error(at(n.source()), key_name(key) + " must be " + std::string(expected),
                    "write " + key_name(key) + " as " + std::string(expected));
    }

    void report_unknown_keys() {
        for (const auto& [key, n] : table_) {
            if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
            std::string fix = did_you_mean(key.str(), known_);
            if (fix.empty()) fix = "remove it; docs/config.md lists every key";
            sink_.error(at(key.source()), "unknown key `" + key_name(key.str()) + "`", std::move(fix));
        }
    }

    const toml::table& table_;
    std::string context_;
    std::string file_;
    DiagnosticSink& sink_;
    std::vector<std::string_view> known_;
};

class TomlReader {
public:
    TomlReader(std::string file, DiagnosticSink& sink) : file_(std::move(file)), sink_(sink) {}

    Config read(const toml::table& root) {
        config_.dialect = ConfigDialect::toml;
        {
            TableReader top(root, "", file_, sink_);
            if (const toml::table* g = top.table("global")) global(*g);
            if (const toml::table* d = top.table("defaults")) defaults(*d);
            each_table(top, "script", [&](const toml::table& t) { script(t); });
            each_table(top, "bfd", [&](const toml::table& t) { bfd(t); });
            each_table(top, "instance", [&](const toml::table& t) { instance(t); });
            each_table(top, "sync_group", [&](const toml::table& t) { sync_group(t); });
            each_table(top, "virtual_server", [&](const toml::table& t) { virtual_server(t); });
        }
        resolve_instance_defaults(config_, defaults_, overrides_);
        return std::move(config_);
    }

private:
    template <typename Each>
    void each_table(TableReader& parent, std::string_view key, Each each) {
        const toml::array* items = parent.array(key, "an array of tables ([[" + std::string(key) + "]])");
        if (items == nullptr) return;
        for (const toml::node& item : *items) {
            if (const toml::table* t = item.as_table()) {
                each(*t);
            } else {
                // Named by its whole path: `real_server` alone does not say where.
                const std::string name = parent.key_name(key);
                sink_.error(parent.at(item.source()), name + " entries must be tables",
                            "write each one as a [[" + name + "]] table, or as an inline table { ... } in the array");
            }
        }
    }

    void global(const toml::table& t) {
        TableReader r(t, "global", file_, sink_);
        GlobalSettings& g = config_.global;
        g.where = r.here();
        g.cloud = r.boolean("cloud").value_or(g.cloud);
        g.default_interface = r.string("default_interface").value_or(g.default_interface);
        g.pin_dir = r.string("pin_dir").value_or(g.pin_dir);
        g.notify_fifo = r.string("notify_fifo").value_or(g.notify_fifo);
        g.notify_fifo_script = r.string("notify_fifo_script").value_or(g.notify_fifo_script);
        g.script_user = r.string("script_user").value_or(g.script_user);
        if (const auto level = r.string("log_level")) {
            static constexpr std::array<std::string_view, 4> names{"error", "warning", "info", "debug"};
            const auto found = std::find(names.begin(), names.end(), *level);
            if (found == names.end()) {
                sink_.error(r.where("log_level"), "unknown log_level \"" + *level + "\"",
                            "use one of error, warning, info, debug");
            } else {
                g.log_level = static_cast<LogLevel>(found - names.begin());
            }
        }
        if (const auto form = checksum(r)) g.v3_ipv4_checksum = *form;
        if (r.node("lb_flow_table_entries") != nullptr) {
            g.lb_flow_table_entries_where = r.where("lb_flow_table_entries");
            const auto v = r.value<std::int64_t>("lb_flow_table_entries", "an integer");
            if (v) {
                // Out of range is the validator's to say; keep it out of range, not wrapped.
                g.lb_flow_table_entries =
                    *v < 0 ? 0 : static_cast<std::uint32_t>(std::min<std::int64_t>(*v, 0xffffffff));
            }
        }
    }

    std::optional<V3Ipv4Checksum> checksum(TableReader& r) {
        const auto text = r.string("v3_ipv4_checksum");
        if (!text) return std::nullopt;
        if (*text == "pseudo-header") return V3Ipv4Checksum::pseudo_header_real_destination;
        if (*text == "pseudo-header-multicast") return V3Ipv4Checksum::pseudo_header_multicast_group;
        if (*text == "message-only") return V3Ipv4Checksum::message_only;
        sink_.error(r.where("v3_ipv4_checksum"), "unknown v3_ipv4_checksum \"" + *text + "\"",
                    "use \"pseudo-header\" (keepalived's default), \"pseudo-header-multicast\" or \"message-only\"");
        return std::nullopt;
    }

    std::optional<VrrpVersion> version(TableReader& r) {
        const auto number = r.integer("version");
        if (!number) return std::nullopt;
        if (*number == 2) return VrrpVersion::v2;
        if (*number == 3) return VrrpVersion::v3;
        sink_.error(r.where("version"), "VRRP version must be 2 or 3, got " + std::to_string(*number),
                    "write version = 3 (or 2 for old peers)");
        return std::nullopt;
    }

    void garp(TableReader& parent, GarpOverrides& into, FieldOrigins* origins) {
        const toml::table* t = parent.table("garp");
        if (t == nullptr) return;
        TableReader r(*t, parent.key_name("garp"), file_, sink_);
        if (origins != nullptr) origins->set(Field::garp, r.here());
        if (auto v = r.integer("repeat")) into.repeat = v;
        if (auto v = r.duration("second_burst_delay")) into.second_burst_delay = v;
        if (auto v = r.duration("refresh_period")) into.refresh_period = v;
        if (auto v = r.integer("refresh_repeat")) into.refresh_repeat = v;
        if (auto v = r.duration("interval")) into.interval = v;
        if (auto v = r.duration("na_interval")) into.na_interval = v;
    }

    void defaults(const toml::table& t) {
        TableReader r(t, "defaults", file_, sink_);
        defaults_.version = version(r);
        defaults_.v3_ipv4_checksum = checksum(r);
        garp(r, defaults_.garp, nullptr);
    }

    void notify(TableReader& parent, NotifyHooks& hooks, FieldOrigins& origins) {
        const toml::table* t = parent.table("notify");
        if (t == nullptr) return;
        TableReader r(*t, parent.key_name("notify"), file_, sink_);
        origins.set(Field::notify, r.here());
        hooks.any = r.string("any").value_or("");
        hooks.active = r.string("active").value_or("");
        hooks.backup = r.string("backup").value_or("");
        hooks.fault = r.string("fault").value_or("");
        hooks.stop = r.string("stop").value_or("");
    }

    void tracked_interfaces(TableReader& parent, std::vector<TrackedInterface>& into, FieldOrigins& origins) {
        const toml::array* items = parent.array("track_interfaces", "an array of tables");
        if (items == nullptr) return;
        origins.set(Field::tracked_interfaces, parent.where("track_interfaces"));
        for (const toml::node& item : *items) {
            const toml::table* t = item.as_table();
            if (t == nullptr) {
                sink_.error(parent.at(item.source()), "track_interfaces entries must be tables",
                            "write { name = \"eth1\", weight = -10 }");
                continue;
            }
            TableReader r(*t, parent.key_name("track_interfaces"), file_, sink_);
            TrackedInterface tracked;
            tracked.where = r.here();
            tracked.name = required_string(r, "name");
            tracked.weight = r.integer("weight").value_or(0);
            tracked.weight_reversed = r.boolean("weight_reversed").value_or(false);
            into.push_back(std::move(tracked));
        }
    }

    void tracked_scripts(TableReader& parent, std::vector<ScriptReference>& into, FieldOrigins& origins) {
        const toml::array* items = parent.array("track_scripts", "an array of tables");
        if (items == nullptr) return;
        origins.set(Field::tracked_scripts, parent.where("track_scripts"));
        for (const toml::node& item : *items) {
            const toml::table* t = item.as_table();
            if (t == nullptr) {
                sink_.error(parent.at(item.source()), "track_scripts entries must be tables",
                            "write { name = \"chk_service\", weight = -20 }");
                continue;
            }
            TableReader r(*t, parent.key_name("track_scripts"), file_, sink_);
            ScriptReference use;
            use.where = r.here();
            use.name = required_string(r, "name");
            use.weight = r.integer("weight");
            use.weight_reversed = r.boolean("weight_reversed").value_or(false);
            into.push_back(std::move(use));
        }
    }

    void tracked_bfds(TableReader& parent, std::vector<BfdReference>& into, FieldOrigins& origins) {
        const toml::array* items = parent.array("track_bfds", "an array of tables");
        if (items == nullptr) return;
        origins.set(Field::tracked_bfds, parent.where("track_bfds"));
        for (const toml::node& item : *items) {
            const toml::table* t = item.as_table();
            if (t == nullptr) {
                sink_.error(parent.at(item.source()), "track_bfds entries must be tables",
                            "write { name = \"gateway\", weight = -20 }");
                continue;
            }
            TableReader r(*t, parent.key_name("track_bfds"), file_, sink_);
            BfdReference use;
            use.where = r.here();
            use.name = required_string(r, "name");
            use.weight = r.integer("weight");
            use.weight_reversed = r.boolean("weight_reversed").value_or(false);
            into.push_back(std::move(use));
        }
    }

    void bfd(const toml::table& t) {
        TableReader r(t, "bfd", file_, sink_);
        BfdInstance b;
        FieldOrigins& o = b.origins;
        o.block = r.here();
        b.name = required_string(r, "name");
        read_field(r, "neighbor", Field::bfd_neighbor, o, [&] {
            b.neighbor = r.address("neighbor");
            return b.neighbor.has_value();
        });
        read_field(r, "source", Field::bfd_source, o, [&] {
            b.source = r.address("source");
            return b.source.has_value();
        });
        auto interval = [&](std::string_view key, Field field, std::chrono::microseconds& into) {
            read_field(r, key, field, o, [&] {
                const auto v = r.fine_duration(key);
                if (v) into = *v;
                return v.has_value();
            });
        };
        interval("min_rx", Field::bfd_min_rx, b.min_rx);
        interval("min_tx", Field::bfd_min_tx, b.min_tx);
        interval("idle_tx", Field::bfd_idle_tx, b.idle_tx);
        read_field(r, "multiplier", Field::bfd_multiplier, o, [&] {
            const auto v = r.integer("multiplier");
            if (v) b.multiplier = *v;
            return v.has_value();
        });
        b.passive = r.boolean("passive").value_or(false);
        read_field(r, "weight", Field::bfd_weight, o, [&] {
            const auto v = r.integer("weight");
            if (v) b.weight = *v;
            return v.has_value();
        });
        b.weight_reversed = r.boolean("weight_reversed").value_or(false);
        config_.bfds.push_back(std::move(b));
    }

    std::string required_string(TableReader& r, std::string_view key) {
        auto text = r.string(key);
        if (!text) {
            if (r.node(key) == nullptr) {
                sink_.error(r.here(), r.key_name(key) + " is missing", "add " + std::string(key) + " = \"...\"");
            }
            return {};
        }
        return std::move(*text);
    }

    void script(const toml::table& t) {
        TableReader r(t, "script", file_, sink_);
        TrackScript s;
        s.origins.block = r.here();
        s.name = required_string(r, "name");
        s.command = required_string(r, "command");
        s.origins.set(Field::script_path, r.where("command"));
        if (auto v = r.duration("interval")) s.interval = *v;
        s.origins.set(Field::script_interval, r.where("interval"));
        s.timeout = r.duration("timeout");
        s.origins.set(Field::script_timeout, r.where("timeout"));
        s.rise = r.integer("rise").value_or(s.rise);
        s.origins.set(Field::script_rise, r.where("rise"));
        s.fall = r.integer("fall").value_or(s.fall);
        s.origins.set(Field::script_fall, r.where("fall"));
        s.weight = r.integer("weight").value_or(s.weight);
        s.origins.set(Field::script_weight, r.where("weight"));
        s.weight_reversed = r.boolean("weight_reversed").value_or(false);
        s.user = r.string("user").value_or("");
        s.initially_failed = r.boolean("initially_failed").value_or(false);
        config_.scripts.push_back(std::move(s));
    }

    // Reads one key when present, recording where it was and whether it could be understood.
    template <typename Read>
    void read_field(TableReader& r, std::string_view key, Field field, FieldOrigins& origins, Read read) {
        if (r.node(key) == nullptr) return;
        origins.set(field, r.where(key));
        if (!read()) origins.set_unreadable(field);
    }

    void instance(const toml::table& t) {
        TableReader r(t, "instance", file_, sink_);
        Instance i;
        InstanceSettingsOverrides overrides;
        FieldOrigins& o = i.origins;
        o.block = r.here();
        i.name = required_string(r, "name");
        i.interface = r.string("interface").value_or("");
        if (r.node("interface") != nullptr) o.set(Field::interface, r.where("interface"));
        read_field(r, "vrid", Field::vrid, o, [&] {
            const auto v = r.integer("vrid");
            if (v) i.vrid = *v;
            return v.has_value();
        });
        read_field(r, "priority", Field::priority, o, [&] {
            const auto v = r.integer("priority");
            if (v) i.priority = *v;
            return v.has_value();
        });
        read_field(r, "version", Field::version, o, [&] {
            overrides.version = version(r);
            return overrides.version.has_value();
        });
        read_field(r, "advert_interval", Field::advert_interval, o, [&] {
            const auto v = r.duration("advert_interval");
            if (v) i.advert_interval = *v;
            return v.has_value();
        });
        vips(r, i);
        i.preempt = r.boolean("preempt").value_or(i.preempt);
        i.preempt_delay = r.duration("preempt_delay").value_or(i.preempt_delay);
        o.set(Field::preempt_delay, r.where("preempt_delay"));
        i.source_address = r.address("source_address");
        o.set(Field::source_address, r.where("source_address"));
        peers(r, i);
        i.unicast_ttl = r.integer("unicast_ttl");
        o.set(Field::unicast_ttl, r.where("unicast_ttl"));
        if (auto password = r.string("auth_password")) i.auth = SimplePasswordAuth{std::move(*password)};
        o.set(Field::auth, r.where("auth_password"));
        i.use_virtual_mac = r.boolean("virtual_mac").value_or(i.use_virtual_mac);
        i.drain_deadline = r.duration("drain_deadline").value_or(i.drain_deadline);
        i.local_traffic_follows_active =
            r.boolean("local_traffic_follows_active").value_or(i.local_traffic_follows_active);
        read_field(r, "gateway", Field::gateway, o, [&] {
            const auto v = r.boolean("gateway");
            if (v) i.gateway = *v;
            return v.has_value();
        });
        read_field(r, "fast_failover", Field::fast_failover, o, [&] {
            const auto v = r.boolean("fast_failover");
            if (v) i.fast_failover = *v;
            return v.has_value();
        });
        read_field(r, "fast_failover_interval", Field::fast_failover_interval, o, [&] {
            const auto v = r.duration("fast_failover_interval");
            if (v) i.fast_failover_interval = *v;
            return v.has_value();
        });
        read_field(r, "fast_failover_multiplier", Field::fast_failover_multiplier, o, [&] {
            const auto v = r.integer("fast_failover_multiplier");
            if (v) i.fast_failover_multiplier = *v;
            return v.has_value();
        });
        overrides.v3_ipv4_checksum = checksum(r);
        garp(r, overrides.garp, &o);
        tracked_interfaces(r, i.tracked_interfaces, o);
        tracked_scripts(r, i.tracked_scripts, o);
        tracked_bfds(r, i.tracked_bfds, o);
        notify(r, i.notify, o);
        config_.instances.push_back(std::move(i));
        overrides_.push_back(overrides);
    }

    // Each element of a string array, with its own location.
    template <typename Each>
    void each_string(TableReader& r, std::string_view key, Each each) {
        const toml::array* items = r.array(key, "an array of strings");
        if (items == nullptr) return;
        for (const toml::node& item : *items) {
            if (const auto text = item.value_exact<std::string>()) {
                each(*text, r.at(item.source()));
            } else {
                sink_.error(r.at(item.source()), r.key_name(key) + " entries must be strings", "quote each entry");
            }
        }
    }

    void vips(TableReader& r, Instance& i) {
        i.origins.set(Field::vips, r.where("vips"));
        each_string(r, "vips", [&](const std::string& text, const SourceLocation& at) {
            if (const auto parsed = parse_address_with_prefix(text)) {
                i.vips.push_back({parsed->address, parsed->prefix_length, at});
            } else {
                sink_.error(at, "\"" + text + "\" is not an IP address",
                            "write \"ADDRESS\" or \"ADDRESS/PREFIX-LENGTH\", e.g. \"10.0.0.100/24\"");
            }
        });
    }

    // Each entry is the peer's address, or an inline table that also bounds the TTL its adverts
    // may arrive with: { address = "10.0.0.3", min_ttl = 250, max_ttl = 255 }.
    void peers(TableReader& r, Instance& i) {
        i.origins.set(Field::unicast_peers, r.where("unicast_peers"));
        const toml::array* items = r.array("unicast_peers", "an array of addresses");
        if (items == nullptr) return;
        for (const toml::node& item : *items) {
            const SourceLocation at = r.at(item.source());
            std::optional<std::string> text = item.value_exact<std::string>();
            UnicastPeer peer;
            if (const toml::table* t = item.as_table()) {
                TableReader p(*t, "instance.unicast_peers", file_, sink_);
                text = p.string("address");
                if (!text && p.node("address") == nullptr) {
                    sink_.error(at, "a unicast_peers table needs an address",
                                "write { address = \"ADDRESS\", min_ttl = N, max_ttl = N }");
                }
                peer.min_ttl = p.integer("min_ttl");
                peer.min_ttl_where = p.where("min_ttl");
                peer.max_ttl = p.integer("max_ttl");
                peer.max_ttl_where = p.where("max_ttl");
            } else if (!text) {
                sink_.error(at, "instance.unicast_peers entries must be addresses",
                            "write \"ADDRESS\" or { address = \"ADDRESS\", min_ttl = N, max_ttl = N }");
            }
            if (!text) continue;
            const auto parsed = IpAddress::parse(*text);
            if (!parsed) {
                sink_.error(at, "\"" + *text + "\" is not an IP address", "write the peer's address");
                continue;
            }
            peer.address = *parsed;
            peer.where = at;
            i.unicast_peers.push_back(std::move(peer));
        }
    }

    void sync_group(const toml::table& t) {
        TableReader r(t, "sync_group", file_, sink_);
        SyncGroup g;
        g.origins.block = r.here();
        g.name = required_string(r, "name");
        g.origins.set(Field::sync_group_members, r.where("instances"));
        each_string(r, "instances",
                    [&](const std::string& text, const SourceLocation&) { g.instances.push_back(text); });
        tracked_interfaces(r, g.tracked_interfaces, g.origins);
        tracked_scripts(r, g.tracked_scripts, g.origins);
        notify(r, g.notify, g.origins);
        config_.sync_groups.push_back(std::move(g));
    }

    // ---- [[virtual_server]]: the load-balancer mode ----

    void virtual_server(const toml::table& t) {
        TableReader r(t, "virtual_server", file_, sink_);
        VirtualServer vs;
        FieldOrigins& o = vs.origins;
        o.block = r.here();
        // Without an address and a port there is no service to check further (already reported).
        bool readable = true;
        if (r.node("address") == nullptr) {
            sink_.error(r.here(), "virtual_server.address is missing", "add address = \"VIP\"");
            readable = false;
        } else if (const auto a = r.address("address")) {
            vs.address = *a;
            o.block = r.where("address");
        } else {
            readable = false;
        }
        if (r.node("port") == nullptr) {
            sink_.error(r.here(), "virtual_server.port is missing",
                        "add port = N (xvip matches a service by VIP, protocol and port)");
            readable = false;
        } else if (const auto port = r.integer("port")) {
            vs.port = *port;
        } else {
            readable = false;
        }
        o.set(Field::vs_address, o.block);
        if (!readable) o.set_unreadable(Field::vs_address);
        read_field(r, "protocol", Field::vs_protocol, o, [&] {
            const auto text = r.string("protocol");
            if (!text) return false;
            if (*text == "tcp") {
                vs.protocol = ServiceProtocol::tcp;
            } else if (*text == "udp") {
                vs.protocol = ServiceProtocol::udp;
            } else {
                sink_.error(r.where("protocol"), "unknown protocol \"" + *text + "\"",
                            *text == "sctp" ? "xvip forwards TCP and UDP only: keep SCTP services on IPVS"
                                            : "use \"tcp\" or \"udp\"");
                return false;
            }
            return true;
        });
        read_field(r, "scheduler", Field::vs_scheduler, o, [&] {
            const auto text = r.string("scheduler");
            if (text && *text != "maglev") {
                sink_.error(r.where("scheduler"), "unknown scheduler \"" + *text + "\"",
                            "write scheduler = \"maglev\" (weighted consistent hashing, xvip's only scheduler), or "
                            "leave it out");
                return false;
            }
            return text.has_value();
        });
        read_field(r, "persistence_timeout", Field::vs_persistence_timeout, o, [&] {
            vs.persistence_timeout = r.duration("persistence_timeout");
            return vs.persistence_timeout.has_value();
        });
        read_field(r, "persistence_granularity", Field::vs_persistence_granularity, o, [&] {
            vs.persistence_granularity = r.integer("persistence_granularity");
            return vs.persistence_granularity.has_value();
        });
        // As in keepalived: a granularity alone makes the service persistent for 6 minutes.
        if (vs.persistence_granularity && !vs.persistence_timeout) vs.persistence_timeout = Milliseconds{360'000};
        timing(r, vs.check_defaults, o, "check_interval");
        vs.inhibit_on_failure = r.boolean("inhibit_on_failure").value_or(false);
        if (const toml::table* sorry = r.table("sorry_server")) {
            TableReader s(*sorry, "virtual_server.sorry_server", file_, sink_);
            o.set(Field::vs_sorry_server, s.here());
            if (s.node("address") == nullptr) {
                sink_.error(s.here(), "virtual_server.sorry_server.address is missing", "add address = \"ADDRESS\"");
            } else if (const auto a = s.address("address")) {
                vs.sorry_server = SorryServer{*a, s.integer("port").value_or(vs.port), s.here()};
            }
        }
        read_field(r, "quorum", Field::vs_quorum, o, [&] {
            const auto v = r.integer("quorum");
            if (v) vs.quorum = *v;
            return v.has_value();
        });
        read_field(r, "hysteresis", Field::vs_hysteresis, o, [&] {
            const auto v = r.integer("hysteresis");
            if (v) vs.hysteresis = *v;
            return v.has_value();
        });
        vs.quorum_up = r.string("quorum_up").value_or("");
        o.set(Field::vs_quorum_up, r.where("quorum_up"));
        vs.quorum_down = r.string("quorum_down").value_or("");
        o.set(Field::vs_quorum_down, r.where("quorum_down"));
        each_table(r, "real_server", [&](const toml::table& rt) { real_server(rt, vs); });
        config_.virtual_servers.push_back(std::move(vs));
    }

    // interval (check_interval on a virtual server), connect_timeout, retry, delay_before_retry, rise.
    void timing(TableReader& r, CheckTiming& t, FieldOrigins& o, std::string_view interval_key) {
        auto duration = [&](std::string_view key, Field field, std::optional<Milliseconds>& into) {
            read_field(r, key, field, o, [&] {
                into = r.duration(key);
                return into.has_value();
            });
        };
        auto integer = [&](std::string_view key, Field field, std::optional<int>& into) {
            read_field(r, key, field, o, [&] {
                into = r.integer(key);
                return into.has_value();
            });
        };
        duration(interval_key, Field::check_interval, t.interval);
        duration("connect_timeout", Field::check_connect_timeout, t.connect_timeout);
        integer("retry", Field::check_retry, t.retry);
        duration("delay_before_retry", Field::check_delay_before_retry, t.delay_before_retry);
        integer("rise", Field::check_rise, t.rise);
    }

    void real_server(const toml::table& t, VirtualServer& vs) {
        TableReader r(t, "virtual_server.real_server", file_, sink_);
        RealServer rs;
        FieldOrigins& o = rs.origins;
        o.block = r.here();
        if (r.node("address") == nullptr) {
            sink_.error(r.here(), "virtual_server.real_server.address is missing", "add address = \"ADDRESS\"");
        } else if (const auto a = r.address("address")) {
            rs.address = *a;
            o.block = r.where("address");
        }
        o.set(Field::rs_address, o.block);
        rs.port = r.integer("port").value_or(vs.port);
        read_field(r, "weight", Field::rs_weight, o, [&] {
            const auto v = r.integer("weight");
            if (v) rs.weight = *v;
            return v.has_value();
        });
        rs.inhibit_on_failure = r.boolean("inhibit_on_failure");
        rs.notify_up = r.string("notify_up").value_or("");
        o.set(Field::rs_notify_up, r.where("notify_up"));
        rs.notify_down = r.string("notify_down").value_or("");
        o.set(Field::rs_notify_down, r.where("notify_down"));
        if (const toml::table* c = r.table("check")) rs.check = health_check(*c);
        vs.real_servers.push_back(std::move(rs));
    }

    HealthCheck health_check(const toml::table& t) {
        TableReader r(t, "virtual_server.real_server.check", file_, sink_);
        HealthCheck c;
        FieldOrigins& o = c.origins;
        o.block = r.here();
        o.set(Field::check_type, r.where("type"));
        const auto type = r.string("type");
        if (!type) {
            if (r.node("type") == nullptr) {
                sink_.error(r.here(), "virtual_server.real_server.check.type is missing",
                            "add type = \"tcp\", \"http\" or \"script\"");
            }
            return c;
        }
        if (*type == "tcp") {
            c.type = CheckType::tcp;
        } else if (*type == "http") {
            c.type = CheckType::http;
        } else if (*type == "script") {
            c.type = CheckType::script;
        } else {
            static constexpr std::array<std::string_view, 3> types{"tcp", "http", "script"};
            std::string fix = did_you_mean(*type, types);
            sink_.error(r.where("type"), "unknown check type \"" + *type + "\"",
                        fix.empty()
                            ? "use \"tcp\", \"http\" or \"script\" (keepalived's TCP_CHECK, HTTP_GET, MISC_CHECK)"
                            : fix);
            return c;
        }
        timing(r, c.timing, o, "interval");
        if (c.type != CheckType::script) {
            read_field(r, "connect_ip", Field::check_connect_ip, o, [&] {
                c.connect_ip = r.address("connect_ip");
                return c.connect_ip.has_value();
            });
            read_field(r, "connect_port", Field::check_connect_port, o, [&] {
                c.connect_port = r.integer("connect_port");
                return c.connect_port.has_value();
            });
            read_field(r, "bind_to", Field::check_bind_to, o, [&] {
                c.bind_to = r.address("bind_to");
                return c.bind_to.has_value();
            });
        }
        if (c.type == CheckType::http) {
            c.virtualhost = r.string("virtualhost").value_or("");
            o.set(Field::check_urls, r.where("urls"));
            each_table(r, "urls", [&](const toml::table& u) { c.urls.push_back(http_url(u)); });
        }
        if (c.type == CheckType::script) {
            c.command = required_string(r, "command");
            o.set(Field::check_command, r.where("command"));
            if (r.node("command") == nullptr) o.set_unreadable(Field::check_command);  // reported just now
            read_field(r, "timeout", Field::check_timeout, o, [&] {
                c.timeout = r.duration("timeout");
                return c.timeout.has_value();
            });
            c.dynamic = r.boolean("dynamic").value_or(false);
            c.user = r.string("user").value_or("");
            o.set(Field::check_user, r.where("user"));
        }
        return c;
    }

    HttpUrl http_url(const toml::table& t) {
        TableReader r(t, "virtual_server.real_server.check.urls", file_, sink_);
        HttpUrl url;
        FieldOrigins& o = url.origins;
        o.block = r.here();
        url.path = required_string(r, "path");
        o.set(Field::url_path, r.where("path"));
        url.digest = r.string("digest").value_or("");
        o.set(Field::url_digest, r.where("digest"));
        url.virtualhost = r.string("virtualhost").value_or("");
        // Each entry a code (200) or a range ("200-299"), as keepalived's status_code.
        o.set(Field::url_status_codes, r.where("status_codes"));
        const toml::array* codes = r.array("status_codes", "an array of codes and ranges, e.g. [200, \"300-399\"]");
        if (codes == nullptr) return url;
        for (const toml::node& item : *codes) {
            std::optional<StatusCodeRange> range;
            if (const auto number = item.value_exact<std::int64_t>()) {
                if (*number >= 0 && *number <= 999)
                    range = StatusCodeRange{static_cast<int>(*number), static_cast<int>(*number)};
            } else if (const auto text = item.value_exact<std::string>()) {
                range = parse_status_code_range(*text);
            }
            if (range) {
                url.status_codes.push_back(*range);
            } else {
                sink_.error(r.at(item.source()), "status_codes entries must be codes or ranges",
                            "write e.g. status_codes = [200, \"300-399\"]");
                o.set_unreadable(Field::url_status_codes);
            }
        }
        return url;
    }

    std::string file_;
    DiagnosticSink& sink_;
    Config config_;
    InstanceSettingsOverrides defaults_;
    std::vector<InstanceSettingsOverrides> overrides_;
};

}  // namespace

ReadResult read_toml_config(std::string_view text, std::string_view file_name) {
    DiagnosticSink sink;
    ReadResult result;
    const std::string file(file_name);
    result.config.dialect = ConfigDialect::toml;
    if (const auto problem = screen_toml_input(text, file)) {
        sink.error(problem->where, problem->message, "fix the TOML syntax at this place");
        result.diagnostics = sink.take();
        return result;
    }
    // toml++ 3.3 classifies non-ASCII characters it meets outside a string with a function that is
    // undefined for most of them (unicode_autogenerated.h: is_non_ascii_horizontal_whitespace), and
    // on malformed input its idea of where strings are is not ours. So it first parses a stand-in
    // with every non-ASCII byte replaced by `~`, which is fine in strings and comments and an error
    // anywhere else: only input whose non-ASCII text sits in strings and comments reaches it as is.
    std::string stand_in(text);
    for (auto& c : stand_in) {
        if (static_cast<unsigned char>(c) >= 0x80) c = '~';
    }
    toml::parse_result parsed = toml::parse(stand_in, file_name);
    if (parsed && stand_in != text) parsed = toml::parse(text, file_name);
    if (!parsed) {
        const toml::parse_error& error = parsed.error();
        sink.error({file, error.source().begin.line, error.source().begin.column},
                   "TOML syntax: " + std::string(error.description()), "fix the TOML syntax at this place");
        result.diagnostics = sink.take();
        return result;
    }
    result.config = TomlReader(file, sink).read(parsed.table());
    validate(result.config, sink);
    result.diagnostics = sink.take();
    return result;
}

ReadResult read_toml_config_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    if (file) text << file.rdbuf();
    if (!file || file.bad()) {
        ReadResult result;
        result.diagnostics.push_back(
            {Severity::error, path, 0, 0, "cannot read the configuration file", "check the path and its permissions"});
        return result;
    }
    return read_toml_config(std::move(text).str(), path);
}

}  // namespace xvip
