#include "config/keepalived_conf.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <functional>

#include "config/instance_defaults.hpp"
#include "config/keepalived_keywords.hpp"
#include "config/spelling.hpp"
#include "config/validate.hpp"
#include "config/value_text.hpp"

namespace xvip {
namespace {

std::string quoted(std::string_view keyword) {
    return "`" + std::string(keyword) + "`";
}

class KeepalivedReader {
public:
    explicit KeepalivedReader(DiagnosticSink& sink) : sink_(sink) {
        config_.dialect = ConfigDialect::keepalived;
        // keepalived's default VRRP version is 2, not the model's 3: a keepalived.conf without
        // vrrp_version must keep speaking v2 to its peers.
        defaults_.version = VrrpVersion::v2;
    }

    Config read(const std::vector<Statement>& top) {
        walk(KeywordSection::top_level, top, [this](const Statement& s) { top_level(s); });
        resolve_instance_defaults(config_, defaults_, overrides_);
        return std::move(config_);
    }

private:
    using Handler = std::function<void(const Statement&)>;

    // Checks each statement against the table; hands supported ones to `handle`.
    void walk(KeywordSection section, const std::vector<Statement>& statements, const Handler& handle) {
        for (const Statement& statement : statements) {
            const KeywordRule* rule = classify(section, statement);
            if (rule == nullptr) continue;
            switch (rule->support) {
                case KeywordSupport::supported: handle(statement); break;
                case KeywordSupport::ignored:
                    sink_.warning(statement.keyword.where,
                                  quoted(statement.keyword.text) + " is ignored: " + std::string(rule->note),
                                  "remove it to silence this warning");
                    if (rule->shape == KeywordShape::block) check_silently(rule->opens, statement.block);
                    break;
                case KeywordSupport::refused:
                    sink_.error(statement.keyword.where, quoted(statement.keyword.text) + " is not supported by xvip",
                                std::string(rule->note));
                    break;
            }
        }
    }

    // Inside an ignored block nothing takes effect, but a misspelt keyword is still an error:
    // keepalived would refuse it too.
    void check_silently(KeywordSection section, const std::vector<Statement>& statements) {
        for (const Statement& statement : statements) {
            const KeywordRule* rule = classify(section, statement);
            if (rule != nullptr && rule->shape == KeywordShape::block) {
                check_silently(rule->opens, statement.block);
            }
        }
    }

    // The statement's rule, after checking that its shape (block or not) matches; nullptr after
    // reporting an error.
    const KeywordRule* classify(KeywordSection section, const Statement& statement) {
        const KeywordRule* rule = find_keepalived_keyword(section, statement.keyword.text);
        if (rule == nullptr) {
            const auto candidates = keepalived_keywords_of(section);
            std::string fix = did_you_mean(statement.keyword.text, candidates);
            // xvip's gateway option has no keepalived keyword (keepalived users toggle
            // net.ipv4.ip_forward from notify scripts): it is set in xvip's TOML only.
            if (section == KeywordSection::vrrp_instance && statement.keyword.text == "gateway") {
                fix =
                    "gateway is xvip's own option, set in xvip.toml only: convert with `xvipctl "
                    "import-keepalived` and set `gateway = true` in the instance (docs/config.md)";
            }
            if (section == KeywordSection::vrrp_instance && statement.keyword.text.starts_with("fast_failover")) {
                fix =
                    "fast failover is xvip's own option, set in xvip.toml only: convert with `xvipctl "
                    "import-keepalived` and set `fast_failover = true` in the instance (docs/config.md)";
            }
            if (fix.empty()) fix = "remove it; docs/keepalived-keywords.md lists every keyword xvip reads";
            sink_.error(statement.keyword.where,
                        "unknown keyword " + quoted(statement.keyword.text) + " in " + std::string(to_string(section)),
                        std::move(fix));
            return nullptr;
        }
        const bool wants_block = rule->shape != KeywordShape::value;
        if (wants_block && !statement.has_block) {
            sink_.error(statement.keyword.where, quoted(rule->keyword) + " needs a { } block",
                        "write `" + std::string(rule->keyword) + " { ... }`");
            return nullptr;
        }
        if (!wants_block && statement.has_block) {
            sink_.error(statement.keyword.where, quoted(rule->keyword) + " takes no { } block",
                        "write its value on the same line");
            return nullptr;
        }
        return rule;
    }

    // ---- argument helpers: each reports what is wrong and returns nothing ----

    const Word* single_argument(const Statement& s) {
        if (s.arguments.size() == 1) return &s.arguments.front();
        sink_.error(s.keyword.where,
                    quoted(s.keyword.text) + " takes one value, got " + std::to_string(s.arguments.size()),
                    "write `" + s.keyword.text + " VALUE`");
        return nullptr;
    }

    std::optional<std::string> joined_arguments(const Statement& s) {
        if (s.arguments.empty()) {
            sink_.error(s.keyword.where, quoted(s.keyword.text) + " needs a value",
                        "write `" + s.keyword.text + " VALUE`");
            return std::nullopt;
        }
        std::string text;
        for (const Word& word : s.arguments) {
            if (!text.empty()) text += ' ';
            text += word.text;
        }
        return text;
    }

    std::optional<int> integer_argument(const Statement& s) {
        const Word* word = single_argument(s);
        if (word == nullptr) return std::nullopt;
        return integer_word(s.keyword.text, *word);
    }

    std::optional<int> integer_word(std::string_view keyword, const Word& word) {
        const auto value = parse_integer(word.text);
        constexpr long long limit = 1'000'000'000;
        if (!value || *value < -limit || *value > limit) {
            sink_.error(word.where, quoted(keyword) + " must be an integer, got " + quoted(word.text),
                        "write a whole number");
            return std::nullopt;
        }
        return static_cast<int>(*value);
    }

    std::optional<Milliseconds> seconds_argument(const Statement& s) {
        const Word* word = single_argument(s);
        if (word == nullptr) return std::nullopt;
        const auto value = parse_seconds(word->text);
        if (!value) {
            sink_.error(word->where, quoted(s.keyword.text) + " must be a number of seconds, got " + quoted(word->text),
                        "write seconds with at most 3 decimals, e.g. `1` or `0.5`");
        }
        return value;
    }

    std::optional<IpAddress> address_argument(const Statement& s) {
        const Word* word = single_argument(s);
        if (word == nullptr) return std::nullopt;
        const auto address = IpAddress::parse(word->text);
        if (!address) {
            sink_.error(word->where, quoted(word->text) + " is not an IP address",
                        "write an IPv4 or IPv6 address without a prefix length");
        }
        return address;
    }

    // `keyword` alone means yes; keepalived also accepts an explicit true/false on some flags.
    std::optional<bool> flag_argument(const Statement& s) {
        if (s.arguments.empty()) return true;
        if (s.arguments.size() == 1) {
            const std::string& text = s.arguments.front().text;
            if (text == "true" || text == "on" || text == "yes") return true;
            if (text == "false" || text == "off" || text == "no") return false;
        }
        sink_.error(s.keyword.where, quoted(s.keyword.text) + " takes no value or true/false",
                    "write `" + s.keyword.text + "` alone");
        return std::nullopt;
    }

    void no_arguments(const Statement& s) {
        if (!s.arguments.empty()) {
            sink_.error(s.arguments.front().where, quoted(s.keyword.text) + " takes no value",
                        "remove " + quoted(s.arguments.front().text));
        }
    }

    // `weight N [reverse]` after a name, as in track_interface and track_script lines.
    struct Weight {
        std::optional<int> value;
        bool reversed = false;
    };
    Weight weight_words(const Statement& line, std::size_t first) {
        Weight weight;
        const auto& words = line.arguments;
        if (words.size() <= first) return weight;
        if (words[first].text != "weight" || words.size() < first + 2 || words.size() > first + 3 ||
            (words.size() == first + 3 && words[first + 2].text != "reverse")) {
            sink_.error(words[first].where, "expected `weight N [reverse]` after " + quoted(line.keyword.text),
                        "write `" + line.keyword.text + " weight -20`, or the name alone");
            return weight;
        }
        weight.value = integer_word("weight", words[first + 1]);
        weight.reversed = words.size() == first + 3;
        return weight;
    }

    // ---- sections ----

    void top_level(const Statement& s) {
        const std::string& keyword = s.keyword.text;
        if (keyword == "global_defs") {
            no_arguments(s);
            config_.global.where = s.keyword.where;
            walk(KeywordSection::global_defs, s.block, [this](const Statement& g) { global(g); });
        } else if (keyword == "vrrp_instance") {
            instance(s);
        } else if (keyword == "vrrp_script") {
            script(s);
        } else if (keyword == "vrrp_sync_group") {
            sync_group(s);
        } else if (keyword == "bfd_instance") {
            bfd_instance(s);
        } else if (keyword == "virtual_server") {
            virtual_server(s);
        } else if (keyword == "include") {
            // Reaching here means the syntax reader saw it mid-line or after a conditional;
            // it only expands `include` at the start of a line.
            sink_.error(s.keyword.where, "`include` must start its line", "put it on a line of its own");
        }
    }

    std::optional<std::string> block_name(const Statement& s) {
        if (s.arguments.size() == 1) return s.arguments.front().text;
        sink_.error(s.keyword.where, quoted(s.keyword.text) + " needs one name",
                    "write `" + s.keyword.text + " NAME {`");
        return std::nullopt;
    }

    void global(const Statement& s) {
        const std::string& k = s.keyword.text;
        GlobalSettings& g = config_.global;
        if (k == "default_interface") {
            if (const Word* w = single_argument(s)) g.default_interface = w->text;
        } else if (k == "v3_checksum_as_v2") {
            if (const auto on = flag_argument(s); on && *on) {
                g.v3_ipv4_checksum = V3Ipv4Checksum::message_only;
            }
        } else if (k == "vrrp_mcast_group4" || k == "vrrp_mcast_group6") {
            const bool v4 = k == "vrrp_mcast_group4";
            const auto group = address_argument(s);
            const auto standard = IpAddress::parse(v4 ? "224.0.0.18" : "ff02::12");
            if (group && group != standard) {
                sink_.error(s.arguments.front().where,
                            "xvip sends multicast adverts to " + standard->to_string() + " only",
                            "remove " + quoted(k) + "; every router of the VRID must use the standard group");
            }
        } else if (k == "vrrp_garp_master_delay") {
            defaults_.garp.second_burst_delay = seconds_argument(s);
        } else if (k == "vrrp_garp_master_repeat") {
            defaults_.garp.repeat = integer_argument(s);
        } else if (k == "vrrp_garp_master_refresh") {
            defaults_.garp.refresh_period = seconds_argument(s);
        } else if (k == "vrrp_garp_master_refresh_repeat") {
            defaults_.garp.refresh_repeat = integer_argument(s);
        } else if (k == "vrrp_garp_interval") {
            defaults_.garp.interval = seconds_argument(s);
        } else if (k == "vrrp_gna_interval") {
            defaults_.garp.na_interval = seconds_argument(s);
        } else if (k == "vrrp_min_garp") {
            if (const auto on = flag_argument(s); on && *on) {
                defaults_.garp.repeat = 1;
                defaults_.garp.second_burst_delay = Milliseconds{0};
                defaults_.garp.refresh_period = Milliseconds{0};
            }
        } else if (k == "vrrp_version") {
            defaults_.version = version_argument(s);
        } else if (k == "notify_fifo" || k == "vrrp_notify_fifo") {
            if (const Word* w = single_argument(s)) g.notify_fifo = w->text;
        } else if (k == "notify_fifo_script" || k == "vrrp_notify_fifo_script") {
            if (auto text = joined_arguments(s)) g.notify_fifo_script = std::move(*text);
        } else if (k == "vrrp_check_unicast_src") {
            no_arguments(s);  // always on in xvip, as check_unicast_src
        } else if (k == "script_user") {
            if (s.arguments.empty() || s.arguments.size() > 2) {
                single_argument(s);
            } else {
                g.script_user = s.arguments.front().text;
                if (s.arguments.size() == 2) {
                    sink_.warning(s.arguments[1].where,
                                  "the script group is ignored: scripts run with the user's groups",
                                  "write `script_user " + g.script_user + "`");
                }
            }
        }
    }

    std::optional<VrrpVersion> version_argument(const Statement& s) {
        const auto number = integer_argument(s);
        if (!number) return std::nullopt;
        if (*number == 2) return VrrpVersion::v2;
        if (*number == 3) return VrrpVersion::v3;
        sink_.error(s.arguments.front().where, "VRRP version must be 2 or 3, got " + std::to_string(*number),
                    "write `" + s.keyword.text + " 3` (or 2 for old peers)");
        return std::nullopt;
    }

    void instance(const Statement& s) {
        Instance instance;
        InstanceSettingsOverrides overrides;
        instance.origins.block = s.keyword.where;
        instance.origins.set(Field::name, s.keyword.where);
        if (auto name = block_name(s)) instance.name = std::move(*name);
        walk(KeywordSection::vrrp_instance, s.block,
             [&](const Statement& i) { instance_keyword(i, instance, overrides); });
        config_.instances.push_back(std::move(instance));
        overrides_.push_back(overrides);
    }

    void instance_keyword(const Statement& s, Instance& instance, InstanceSettingsOverrides& overrides) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        if (k == "interface") {
            if (const Word* w = single_argument(s)) instance.interface = w->text;
            instance.origins.set(Field::interface, at);
        } else if (k == "virtual_router_id") {
            instance.origins.set(Field::vrid, at);
            if (const auto v = integer_argument(s))
                instance.vrid = *v;
            else
                instance.origins.set_unreadable(Field::vrid);
        } else if (k == "priority") {
            instance.origins.set(Field::priority, at);
            if (const auto v = integer_argument(s))
                instance.priority = *v;
            else
                instance.origins.set_unreadable(Field::priority);
        } else if (k == "version") {
            overrides.version = version_argument(s);
            instance.origins.set(Field::version, at);
            if (!overrides.version) instance.origins.set_unreadable(Field::version);
        } else if (k == "advert_int") {
            instance.origins.set(Field::advert_interval, at);
            if (const auto v = seconds_argument(s))
                instance.advert_interval = *v;
            else
                instance.origins.set_unreadable(Field::advert_interval);
        } else if (k == "virtual_ipaddress") {
            instance.origins.set(Field::vips, at);
            for (const Statement& line : s.block) virtual_address(line, instance);
        } else if (k == "preempt" || k == "nopreempt") {
            no_arguments(s);
            instance.preempt = k == "preempt";
            instance.origins.set(Field::preempt, at);
        } else if (k == "preempt_delay") {
            if (const auto v = seconds_argument(s)) instance.preempt_delay = *v;
            instance.origins.set(Field::preempt_delay, at);
        } else if (k == "unicast_src_ip" || k == "mcast_src_ip") {
            if (const auto a = address_argument(s)) instance.source_address = *a;
            instance.origins.set(Field::source_address, at);
        } else if (k == "unicast_peer") {
            instance.origins.set(Field::unicast_peers, at);
            for (const Statement& line : s.block) unicast_peer(line, instance);
        } else if (k == "unicast_ttl") {
            instance.origins.set(Field::unicast_ttl, at);
            if (const Word* w = single_argument(s)) {
                instance.origins.set(Field::unicast_ttl, w->where);
                instance.unicast_ttl = integer_word(k, *w);
            }
        } else if (k == "check_unicast_src") {
            // Always on in xvip: adverts from anyone but the unicast peers are `not_a_peer`.
            no_arguments(s);
        } else if (k == "authentication") {
            no_arguments(s);
            instance.origins.set(Field::auth, at);
            authentication(s, instance);
        } else if (k == "use_vmac" || k == "use_vmac_addr") {
            instance.use_virtual_mac = true;
        } else if (k == "garp_master_delay") {
            overrides.garp.second_burst_delay = seconds_argument(s);
        } else if (k == "garp_master_repeat") {
            overrides.garp.repeat = integer_argument(s);
        } else if (k == "garp_master_refresh") {
            overrides.garp.refresh_period = seconds_argument(s);
        } else if (k == "garp_master_refresh_repeat") {
            overrides.garp.refresh_repeat = integer_argument(s);
        } else if (k == "track_interface") {
            instance.origins.set(Field::tracked_interfaces, at);
            track_interfaces(s, instance.tracked_interfaces);
        } else if (k == "track_script") {
            instance.origins.set(Field::tracked_scripts, at);
            track_scripts(s, instance.tracked_scripts);
        } else if (k == "track_bfd") {
            instance.origins.set(Field::tracked_bfds, at);
            for (const Statement& line : s.block) {
                const Weight weight = weight_words(line, 0);
                instance.tracked_bfds.push_back({line.keyword.text, weight.value, weight.reversed, line.keyword.where});
            }
        } else if (k == "v3_checksum_as_v2") {
            if (const auto on = flag_argument(s); on && *on) {
                overrides.v3_ipv4_checksum = V3Ipv4Checksum::message_only;
            }
        } else if (k == "old_unicast_checksum") {
            no_arguments(s);
            overrides.v3_ipv4_checksum = V3Ipv4Checksum::pseudo_header_multicast_group;
        } else if (!notify_hook(s, instance.notify)) {
            sink_.error(at, "internal: supported keyword " + quoted(k) + " has no handler", "report this bug");
        }
        if (k.starts_with("notify")) instance.origins.set(Field::notify, at);
    }

    bool notify_hook(const Statement& s, NotifyHooks& hooks) {
        const std::string& k = s.keyword.text;
        std::string* target = k == "notify"          ? &hooks.any
                              : k == "notify_master" ? &hooks.active
                              : k == "notify_backup" ? &hooks.backup
                              : k == "notify_fault"  ? &hooks.fault
                              : k == "notify_stop"   ? &hooks.stop
                                                     : nullptr;
        if (target == nullptr) return false;
        if (auto text = joined_arguments(s)) *target = std::move(*text);
        return true;
    }

    void virtual_address(const Statement& line, Instance& instance) {
        if (line.has_block) {
            sink_.error(line.keyword.where, "an address line takes no { } block", "remove the block");
            return;
        }
        const auto parsed = parse_address_with_prefix(line.keyword.text);
        if (!parsed) {
            sink_.error(line.keyword.where, quoted(line.keyword.text) + " is not an IP address",
                        "write ADDRESS or ADDRESS/PREFIX-LENGTH, e.g. 10.0.0.100/24");
            return;
        }
        instance.vips.push_back({parsed->address, parsed->prefix_length, line.keyword.where});
        std::vector<std::string> ignored_options;
        SourceLocation first_ignored;
        for (std::size_t i = 0; i < line.arguments.size(); ++i) {
            const Word& option = line.arguments[i];
            if (option.text == "dev" && i + 1 < line.arguments.size()) {
                const Word& device = line.arguments[++i];
                if (!instance.interface.empty() && device.text != instance.interface) {
                    sink_.error(device.where,
                                "VIP " + line.keyword.text + " is on " + device.text + " but the instance runs on " +
                                    instance.interface,
                                "remove `dev " + device.text + "`, or move the VIP to an instance on " + device.text);
                }
            } else {
                if (ignored_options.empty()) first_ignored = option.where;
                ignored_options.push_back(option.text);
            }
        }
        if (!ignored_options.empty()) {
            std::string options;
            for (const auto& o : ignored_options) options += (options.empty() ? "" : " ") + o;
            sink_.warning(first_ignored,
                          "address options `" + options + "` are ignored: xvip holds IPv4 VIPs on lo as /32",
                          "write the address alone");
        }
    }

    void unicast_peer(const Statement& line, Instance& instance) {
        if (line.has_block) {
            sink_.error(line.keyword.where, "a peer line takes no { } block", "remove the block");
            return;
        }
        const auto address = IpAddress::parse(line.keyword.text);
        if (!address) {
            sink_.error(line.keyword.where, quoted(line.keyword.text) + " is not an IP address",
                        "write one peer address per line");
            return;
        }
        UnicastPeer peer{*address, line.keyword.where};
        // keepalived (vrrp_data.c, alloc_vrrp_unicast_peer): `ADDRESS [min_ttl N] [max_ttl N]`.
        // The ranges are checked by the validator, which knows where each value was written.
        const auto& options = line.arguments;
        for (std::size_t n = 0; n < options.size(); n += 2) {
            const Word& option = options[n];
            if (option.text != "min_ttl" && option.text != "max_ttl") {
                sink_.error(option.where, "unknown unicast_peer option " + quoted(option.text),
                            "write `ADDRESS`, optionally followed by `min_ttl N` and `max_ttl N`");
                break;
            }
            if (n + 1 >= options.size()) {
                sink_.error(option.where, quoted(option.text) + " needs a value",
                            "write `" + option.text + " N` with N from 1 to 255");
                break;
            }
            const auto value = integer_word(option.text, options[n + 1]);
            if (!value) break;
            if (option.text == "min_ttl") {
                peer.min_ttl = value;
                peer.min_ttl_where = options[n + 1].where;
            } else {
                peer.max_ttl = value;
                peer.max_ttl_where = options[n + 1].where;
            }
        }
        instance.unicast_peers.push_back(std::move(peer));
    }

    void authentication(const Statement& s, Instance& instance) {
        std::optional<std::string> type;
        std::optional<std::string> password;
        SourceLocation type_at = s.keyword.where;
        walk(KeywordSection::authentication, s.block, [&](const Statement& a) {
            if (a.keyword.text == "auth_type") {
                if (const Word* w = single_argument(a)) {
                    type = w->text;
                    type_at = w->where;
                }
            } else if (const Word* w = single_argument(a)) {
                password = w->text;
            }
        });
        if (type == "AH") {
            sink_.error(type_at,
                        "IPsec AH authentication is not supported (RFC 3768 §5.3.6.2; keepalived "
                        "dropped it too)",
                        "remove the authentication block, or use `auth_type PASS` if the peers send a password");
            return;
        }
        if (type && type != "PASS") {
            sink_.error(type_at, "unknown auth_type " + quoted(*type), "write `auth_type PASS`");
            return;
        }
        if (!type) {
            sink_.error(s.keyword.where, "authentication without auth_type", "add `auth_type PASS`");
            return;
        }
        if (!password) {
            sink_.error(s.keyword.where, "auth_type PASS without auth_pass", "add `auth_pass PASSWORD`");
            return;
        }
        instance.auth = SimplePasswordAuth{std::move(*password)};
    }

    void track_interfaces(const Statement& s, std::vector<TrackedInterface>& into) {
        for (const Statement& line : s.block) {
            const Weight weight = weight_words(line, 0);
            into.push_back({line.keyword.text, weight.value.value_or(0), weight.reversed, line.keyword.where});
        }
    }

    void track_scripts(const Statement& s, std::vector<ScriptReference>& into) {
        for (const Statement& line : s.block) {
            const Weight weight = weight_words(line, 0);
            into.push_back({line.keyword.text, weight.value, weight.reversed, line.keyword.where});
        }
    }

    void script(const Statement& s) {
        TrackScript script;
        script.origins.block = s.keyword.where;
        if (auto name = block_name(s)) script.name = std::move(*name);
        walk(KeywordSection::vrrp_script, s.block, [&](const Statement& k) { script_keyword(k, script); });
        config_.scripts.push_back(std::move(script));
    }

    void script_keyword(const Statement& s, TrackScript& script) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        if (k == "script") {
            if (auto text = joined_arguments(s)) script.command = std::move(*text);
            script.origins.set(Field::script_path, at);
        } else if (k == "interval") {
            if (const auto v = seconds_argument(s)) script.interval = *v;
            script.origins.set(Field::script_interval, at);
        } else if (k == "timeout") {
            script.timeout = seconds_argument(s);
            script.origins.set(Field::script_timeout, at);
        } else if (k == "rise") {
            if (const auto v = integer_argument(s)) script.rise = *v;
            script.origins.set(Field::script_rise, at);
        } else if (k == "fall") {
            if (const auto v = integer_argument(s)) script.fall = *v;
            script.origins.set(Field::script_fall, at);
        } else if (k == "weight") {
            script.origins.set(Field::script_weight, at);
            if (s.arguments.empty() || s.arguments.size() > 2 ||
                (s.arguments.size() == 2 && s.arguments[1].text != "reverse")) {
                sink_.error(at, "`weight` takes a number and an optional `reverse`", "write e.g. `weight -20`");
                return;
            }
            if (const auto v = integer_word("weight", s.arguments[0])) script.weight = *v;
            script.weight_reversed = s.arguments.size() == 2;
        } else if (k == "user") {
            if (s.arguments.empty() || s.arguments.size() > 2) {
                single_argument(s);
                return;
            }
            script.user = s.arguments[0].text;
            if (s.arguments.size() == 2) {
                sink_.warning(s.arguments[1].where, "the script group is ignored: scripts run with the user's groups",
                              "write `user " + script.user + "`");
            }
        } else if (k == "init_fail") {
            no_arguments(s);
            script.initially_failed = true;
        }
    }

    // keepalived's BFD intervals: decimal milliseconds, to the microsecond ("3.312").
    std::optional<std::chrono::microseconds> milliseconds_argument(const Statement& s) {
        const Word* word = single_argument(s);
        if (word == nullptr) return std::nullopt;
        // Decimal seconds to the millisecond are, read as milliseconds, microseconds.
        const auto value = parse_seconds(word->text);
        if (!value) {
            sink_.error(word->where,
                        quoted(s.keyword.text) + " must be a number of milliseconds, got " + quoted(word->text),
                        "write milliseconds with at most 3 decimals, e.g. `10` or `0.5`");
            return std::nullopt;
        }
        return std::chrono::microseconds(value->count());
    }

    void bfd_instance(const Statement& s) {
        BfdInstance bfd;
        bfd.origins.block = s.keyword.where;
        if (auto name = block_name(s)) bfd.name = std::move(*name);
        walk(KeywordSection::bfd_instance, s.block, [&](const Statement& k) { bfd_keyword(k, bfd); });
        config_.bfds.push_back(std::move(bfd));
    }

    void bfd_keyword(const Statement& s, BfdInstance& bfd) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        auto interval = [&](std::chrono::microseconds& into, Field field) {
            bfd.origins.set(field, at);
            if (const auto v = milliseconds_argument(s)) {
                into = *v;
            } else {
                bfd.origins.set_unreadable(field);
            }
        };
        auto integer = [&](int& into, Field field) {
            bfd.origins.set(field, at);
            if (const auto v = integer_argument(s)) {
                into = *v;
            } else {
                bfd.origins.set_unreadable(field);
            }
        };
        if (k == "neighbor_ip" || k == "neighbour_ip") {
            bfd.origins.set(Field::bfd_neighbor, at);
            bfd.neighbor = address_argument(s);
            if (!bfd.neighbor) bfd.origins.set_unreadable(Field::bfd_neighbor);
        } else if (k == "source_ip") {
            bfd.origins.set(Field::bfd_source, at);
            bfd.source = address_argument(s);
            if (!bfd.source) bfd.origins.set_unreadable(Field::bfd_source);
        } else if (k == "min_rx") {
            interval(bfd.min_rx, Field::bfd_min_rx);
        } else if (k == "min_tx") {
            interval(bfd.min_tx, Field::bfd_min_tx);
        } else if (k == "idle_tx") {
            interval(bfd.idle_tx, Field::bfd_idle_tx);
        } else if (k == "multiplier") {
            integer(bfd.multiplier, Field::bfd_multiplier);
        } else if (k == "ttl") {
            integer(bfd.ttl, Field::bfd_outgoing_ttl);
        } else if (k == "max_hops") {
            integer(bfd.max_hops, Field::bfd_max_hops);
        } else if (k == "passive") {
            no_arguments(s);
            bfd.passive = true;
        } else if (k == "weight") {
            bfd.origins.set(Field::bfd_weight, at);
            if (s.arguments.empty() || s.arguments.size() > 2 ||
                (s.arguments.size() == 2 && s.arguments[1].text != "reverse")) {
                sink_.error(at, "`weight` takes a number and an optional `reverse`", "write e.g. `weight -20`");
                return;
            }
            if (const auto v = integer_word("weight", s.arguments[0])) bfd.weight = *v;
            bfd.weight_reversed = s.arguments.size() == 2;
        } else if (k == "vrrp") {
            no_arguments(s);
        }
    }

    // ---- virtual_server: the load-balancer mode (LVS direct routing) ----

    // What a virtual_server block leaves to its end: keepalived lets real servers take their
    // weight, and HTTP checks their Host, from keywords that may come after them.
    struct VirtualServerReading {
        bool forwarding_seen = false;
        bool protocol_seen = false;
        std::optional<int> default_weight;  // the block's `weight`
        std::string virtualhost;
        SourceLocation scheduler_at;
        std::vector<bool> weight_set;  // per real server
        std::vector<std::string> real_server_virtualhost;
    };

    std::optional<int> port_word(const Word& word) {
        const auto value = parse_integer(word.text);
        if (!value || *value < 0 || *value > 65535) {
            sink_.error(word.where, quoted(word.text) + " is not a port", "write a port from 1 to 65535");
            return std::nullopt;
        }
        return static_cast<int>(*value);
    }

    void virtual_server(const Statement& s) {
        const auto& args = s.arguments;
        if (!args.empty() && args[0].text == "fwmark") {
            sink_.error(args[0].where,
                        "`virtual_server fwmark` is not supported: xvip matches a service by VIP, protocol and "
                        "port, not by firewall mark",
                        "write one `virtual_server VIP PORT { ... }` block per address and port the mark covers");
            return;
        }
        if (!args.empty() && args[0].text == "group") {
            sink_.error(args[0].where,
                        "`virtual_server group` is not supported: xvip has no virtual_server_group, it matches "
                        "a service by VIP, protocol and port",
                        "write one `virtual_server VIP PORT { ... }` block per address and port of the group");
            return;
        }
        if (args.size() != 2) {
            sink_.error(s.keyword.where,
                        "`virtual_server` needs an address and a port (xvip matches a service by VIP, protocol "
                        "and port)",
                        "write `virtual_server VIP PORT {`");
            return;
        }
        VirtualServer vs;
        VirtualServerReading reading;
        vs.origins.block = args[0].where;
        vs.origins.set(Field::vs_address, args[0].where);
        const auto address = IpAddress::parse(args[0].text);
        if (!address) {
            sink_.error(args[0].where, quoted(args[0].text) + " is not an IP address",
                        "write the VIP without a prefix length");
            return;
        }
        vs.address = *address;
        const auto port = port_word(args[1]);
        if (!port) return;
        vs.port = *port;
        walk(KeywordSection::virtual_server, s.block,
             [&](const Statement& k) { virtual_server_keyword(k, vs, reading); });
        finish_virtual_server(vs, reading);
        config_.virtual_servers.push_back(std::move(vs));
    }

    void finish_virtual_server(VirtualServer& vs, VirtualServerReading& reading) {
        if (!reading.forwarding_seen) {
            sink_.error(vs.origins.block,
                        "virtual_server " + vs.endpoint() +
                            " has no lb_kind: keepalived's default is NAT, which xvip does not do",
                        "add `lb_kind DR` once the real servers are set up for direct routing (the VIP on their "
                        "loopback, arp_ignore); xvip forwards by direct routing only");
        }
        if (!reading.protocol_seen) {
            sink_.error(vs.origins.block,
                        "virtual_server " + vs.endpoint() +
                            " has no protocol: keepalived then runs the service as UDP (and says so), which is "
                            "rarely what was meant",
                        "add `protocol TCP` (or `protocol UDP`)");
        }
        // keepalived (check_parser.c, pgr_handler): a granularity alone makes the service persistent
        // for IPVS_SVC_PERSISTENT_TIMEOUT, 6 minutes.
        if (vs.persistence_granularity && !vs.persistence_timeout) vs.persistence_timeout = Milliseconds{360'000};
        // keepalived's default scheduler (ipvswrapper.h, IPVS_DEF_SCHED); no warning for what the
        // file does not say.
        if (!vs.keepalived_scheduler) {
            vs.keepalived_scheduler = IpvsScheduler::wlc;
        } else {
            scheduler_warning(vs, reading.scheduler_at);
        }
        if (vs.sorry_server && vs.sorry_server->port == 0) vs.sorry_server->port = vs.port;
        for (std::size_t i = 0; i < vs.real_servers.size(); ++i) {
            RealServer& rs = vs.real_servers[i];
            if (!reading.weight_set[i]) rs.weight = reading.default_weight.value_or(1);
            if (rs.check && rs.check->type == CheckType::http && rs.check->virtualhost.empty()) {
                rs.check->virtualhost = reading.real_server_virtualhost[i].empty() ? reading.virtualhost
                                                                                   : reading.real_server_virtualhost[i];
            }
        }
    }

    void scheduler_warning(const VirtualServer& vs, const SourceLocation& at) {
        const std::string algo = std::string(to_string(*vs.keepalived_scheduler));
        const std::string head = "virtual_server " + vs.endpoint() + ": `lb_algo " + algo +
                                 "` maps to xvip's one scheduler, weighted consistent hashing (Maglev) of the flow: ";
        const std::string fix =
            "nothing to change if the shares are what matters; docs/config.md compares the schedulers";
        switch (*vs.keepalived_scheduler) {
            case IpvsScheduler::rr:
            case IpvsScheduler::wrr:
                sink_.warning(at,
                              head +
                                  "each flow is hashed to a real server instead of connections taking turns: the same "
                                  "shares on average, not a strict rotation",
                              fix);
                break;
            case IpvsScheduler::lc:
            case IpvsScheduler::wlc:
                sink_.warning(at,
                              head +
                                  "xvip does not count connections, so a real server's share of new flows follows its "
                                  "weight, not its load",
                              fix);
                break;
            case IpvsScheduler::sh:
                if (vs.persistence_timeout) {
                    sink_.warning(
                        at,
                        head +
                            "with persistence it hashes the client's address alone, as sh does, but to other real "
                            "servers than IPVS picks: clients move once when the service moves from IPVS to xvip",
                        fix);
                } else {
                    sink_.warning(at,
                                  head +
                                      "IPVS hashes the client's address alone, xvip the whole 5-tuple, so one client's "
                                      "connections may reach different real servers",
                                  "set persistence_timeout to keep each client on one real server");
                }
                break;
            case IpvsScheduler::mh:
                sink_.warning(
                    at,
                    head +
                        "IPVS's Maglev table is not xvip's (other hash, other table), so IPVS and xvip send the same "
                        "flow to different real servers: they cannot serve one service side by side during a migration",
                    fix);
                break;
        }
    }

    // lb_kind, lvs_method, sorry_server_lvs_method: DR or nothing.
    void forwarding(const Statement& s, FieldOrigins& origins) {
        origins.set(Field::vs_forwarding, s.keyword.where);
        if (s.arguments.empty()) {
            single_argument(s);
            return;
        }
        const Word& method = s.arguments.front();
        if (method.text == "DR") {
            if (s.arguments.size() > 1) no_arguments_after(s, 1);
            return;
        }
        if (method.text == "NAT" || method.text == "TUN") {
            sink_.error(method.where,
                        quoted(s.keyword.text + " " + method.text) +
                            " is not supported: xvip forwards by rewriting the destination MAC (direct routing), so "
                            "it " +
                            (method.text == "NAT" ? "cannot translate addresses" : "cannot tunnel"),
                        "use `" + s.keyword.text +
                            " DR` with the real servers on the VIP's network and the VIP on their loopback, or "
                            "keep this service on IPVS");
            return;
        }
        sink_.error(method.where, "unknown " + quoted(s.keyword.text) + " " + quoted(method.text),
                    "write `" + s.keyword.text + " DR`");
    }

    void no_arguments_after(const Statement& s, std::size_t count) {
        sink_.error(s.arguments[count].where, quoted(s.keyword.text) + " takes " + std::to_string(count) + " value(s)",
                    "remove " + quoted(s.arguments[count].text));
    }

    // delay_loop, connect_timeout, retry (nb_get_retry), delay_before_retry, at any level.
    bool timing_keyword(const Statement& s, CheckTiming& timing, FieldOrigins& origins) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        auto seconds = [&](std::optional<Milliseconds>& into, Field field) {
            origins.set(field, at);
            into = seconds_argument(s);
            if (!into) origins.set_unreadable(field);
        };
        if (k == "delay_loop") {
            seconds(timing.interval, Field::check_interval);
        } else if (k == "connect_timeout") {
            seconds(timing.connect_timeout, Field::check_connect_timeout);
        } else if (k == "delay_before_retry") {
            seconds(timing.delay_before_retry, Field::check_delay_before_retry);
        } else if (k == "retry" || k == "nb_get_retry") {
            origins.set(Field::check_retry, at);
            timing.retry = integer_argument(s);
            if (!timing.retry) origins.set_unreadable(Field::check_retry);
        } else {
            return false;
        }
        return true;
    }

    void virtual_server_keyword(const Statement& s, VirtualServer& vs, VirtualServerReading& reading) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        FieldOrigins& o = vs.origins;
        if (timing_keyword(s, vs.check_defaults, o)) return;
        if (k == "lb_kind" || k == "lvs_method") {
            reading.forwarding_seen = true;
            forwarding(s, o);
        } else if (k == "sorry_server_lvs_method") {
            forwarding(s, o);
        } else if (k == "lb_algo" || k == "lvs_sched") {
            o.set(Field::vs_scheduler, at);
            if (const Word* w = single_argument(s)) scheduler(*w, vs, reading);
        } else if (k == "protocol") {
            reading.protocol_seen = true;
            o.set(Field::vs_protocol, at);
            if (const Word* w = single_argument(s)) protocol(*w, vs);
        } else if (k == "persistence_timeout") {
            o.set(Field::vs_persistence_timeout, at);
            if (s.arguments.empty()) {
                vs.persistence_timeout = Milliseconds{360'000};  // keepalived: 6 minutes
            } else if (const auto v = integer_argument(s)) {
                vs.persistence_timeout = Milliseconds{static_cast<long long>(*v) * 1000};
            } else {
                o.set_unreadable(Field::vs_persistence_timeout);
            }
        } else if (k == "persistence_granularity") {
            o.set(Field::vs_persistence_granularity, at);
            if (const Word* w = single_argument(s)) granularity(*w, vs);
        } else if (k == "inhibit_on_failure") {
            if (const auto on = flag_argument(s)) vs.inhibit_on_failure = *on;
        } else if (k == "sorry_server") {
            o.set(Field::vs_sorry_server, at);
            if (s.arguments.empty() || s.arguments.size() > 2) {
                sink_.error(at, "`sorry_server` takes an address and an optional port",
                            "write `sorry_server ADDRESS PORT`");
                return;
            }
            const auto address = IpAddress::parse(s.arguments[0].text);
            if (!address) {
                sink_.error(s.arguments[0].where, quoted(s.arguments[0].text) + " is not an IP address",
                            "write the sorry server's address");
                return;
            }
            SorryServer sorry{*address, 0, s.arguments[0].where};
            if (s.arguments.size() == 2) {
                const auto port = port_word(s.arguments[1]);
                if (!port) return;
                sorry.port = *port;
            }
            vs.sorry_server = sorry;
        } else if (k == "quorum") {
            o.set(Field::vs_quorum, at);
            if (const auto v = integer_argument(s))
                vs.quorum = *v;
            else
                o.set_unreadable(Field::vs_quorum);
        } else if (k == "hysteresis") {
            o.set(Field::vs_hysteresis, at);
            if (const auto v = integer_argument(s))
                vs.hysteresis = *v;
            else
                o.set_unreadable(Field::vs_hysteresis);
        } else if (k == "quorum_up") {
            o.set(Field::vs_quorum_up, at);
            if (auto text = joined_arguments(s)) vs.quorum_up = std::move(*text);
        } else if (k == "quorum_down") {
            o.set(Field::vs_quorum_down, at);
            if (auto text = joined_arguments(s)) vs.quorum_down = std::move(*text);
        } else if (k == "weight") {
            if (const auto v = integer_argument(s)) reading.default_weight = *v;
        } else if (k == "virtualhost") {
            if (const Word* w = single_argument(s)) reading.virtualhost = w->text;
        } else if (k == "ip_family") {
            if (const Word* w = single_argument(s)) {
                const bool v6 = w->text == "inet6";
                if (w->text != "inet" && !v6) {
                    sink_.error(w->where, "unknown ip_family " + quoted(w->text),
                                "write `inet` or `inet6`, or remove it");
                } else if (v6 != !vs.address.is_v4()) {
                    sink_.error(w->where,
                                "ip_family " + w->text + " does not match the address " + vs.address.to_string(),
                                "remove ip_family: the address says the family");
                }
            }
        } else if (k == "real_server") {
            real_server(s, vs, reading);
        } else {
            sink_.error(at, "internal: supported keyword " + quoted(k) + " has no handler", "report this bug");
        }
    }

    void scheduler(const Word& w, VirtualServer& vs, VirtualServerReading& reading) {
        static constexpr std::array<std::pair<std::string_view, IpvsScheduler>, 6> served{{
            {"rr", IpvsScheduler::rr},
            {"wrr", IpvsScheduler::wrr},
            {"lc", IpvsScheduler::lc},
            {"wlc", IpvsScheduler::wlc},
            {"sh", IpvsScheduler::sh},
            {"mh", IpvsScheduler::mh},
        }};
        for (const auto& [name, value] : served) {
            if (w.text == name) {
                vs.keepalived_scheduler = value;
                reading.scheduler_at = w.where;
                return;
            }
        }
        // keepalived's other schedulers (check_parser.c, lvs_schedulers)
        static constexpr std::array<std::string_view, 8> others{"dh", "lblc", "lblcr", "sed",
                                                                "nq", "fo",   "ovf",   "twos"};
        const bool known = std::find(others.begin(), others.end(), w.text) != others.end();
        std::string message =
            known ? "`lb_algo " + w.text +
                        "` is not supported: xvip schedules by weighted consistent hashing (Maglev) of the flow only"
                  : "unknown lb_algo " + quoted(w.text);
        sink_.error(w.where, std::move(message),
                    "use one of rr, wrr, lc, wlc, sh, mh: all map to weighted Maglev (docs/config.md says how "
                    "each differs)");
    }

    void protocol(const Word& w, VirtualServer& vs) {
        std::string upper;
        for (const char c : w.text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper == "TCP") {
            vs.protocol = ServiceProtocol::tcp;
        } else if (upper == "UDP") {
            vs.protocol = ServiceProtocol::udp;
        } else if (upper == "SCTP") {
            sink_.error(w.where, "protocol SCTP is not supported: xvip forwards TCP and UDP",
                        "keep this service on IPVS");
        } else {
            sink_.error(w.where, "unknown protocol " + quoted(w.text), "write `protocol TCP` or `protocol UDP`");
        }
    }

    // keepalived: an IPv4 netmask (255.255.255.0), or a prefix length for IPv6.
    void granularity(const Word& w, VirtualServer& vs) {
        if (w.text.find('.') == std::string::npos) {
            const auto length = parse_integer(w.text);
            if (!length || *length < 1 || *length > 128) {
                sink_.error(w.where, quoted(w.text) + " is not a netmask", "write an IPv4 netmask, e.g. 255.255.255.0");
                vs.origins.set_unreadable(Field::vs_persistence_granularity);
                return;
            }
            vs.persistence_granularity = static_cast<int>(*length);
            return;
        }
        const auto mask = IpAddress::parse(w.text);
        if (!mask || !mask->is_v4()) {
            sink_.error(w.where, quoted(w.text) + " is not a netmask", "write an IPv4 netmask, e.g. 255.255.255.0");
            vs.origins.set_unreadable(Field::vs_persistence_granularity);
            return;
        }
        const auto bytes = mask->bytes();
        const std::uint32_t bits = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                   (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
        const int length = std::popcount(bits);
        if (length == 0 || bits != ~std::uint32_t{0} << (32 - length)) {
            sink_.error(w.where,
                        "netmask " + w.text + " is not contiguous (xvip masks the client's address to a prefix)",
                        "write a netmask of leading ones, e.g. 255.255.255.0");
            vs.origins.set_unreadable(Field::vs_persistence_granularity);
            return;
        }
        vs.persistence_granularity = length;
    }

    void real_server(const Statement& s, VirtualServer& vs, VirtualServerReading& reading) {
        const auto& args = s.arguments;
        if (args.empty() || args.size() > 2) {
            sink_.error(s.keyword.where, "`real_server` needs an address and a port",
                        "write `real_server ADDRESS PORT {`");
            return;
        }
        RealServer rs;
        rs.origins.block = args[0].where;
        rs.origins.set(Field::rs_address, args[0].where);
        const auto address = IpAddress::parse(args[0].text);
        if (!address) {
            sink_.error(args[0].where, quoted(args[0].text) + " is not an IP address",
                        "write the real server's address");
            return;
        }
        rs.address = *address;
        rs.port = vs.port;  // keepalived: without a port, the virtual server's (all DR can do)
        if (args.size() == 2) {
            const auto port = port_word(args[1]);
            if (!port) return;
            rs.port = *port;
        }
        bool weight_set = false;
        std::string virtualhost;
        CheckTiming timing;  // the real server's own defaults for its check
        FieldOrigins timing_origins;
        walk(KeywordSection::real_server, s.block, [&](const Statement& k) {
            const std::string& key = k.keyword.text;
            const SourceLocation& at = k.keyword.where;
            if (timing_keyword(k, timing, timing_origins)) return;
            if (key == "weight") {
                weight_set = true;
                rs.origins.set(Field::rs_weight, at);
                if (const auto v = integer_argument(k))
                    rs.weight = *v;
                else
                    rs.origins.set_unreadable(Field::rs_weight);
            } else if (key == "lvs_method") {
                forwarding(k, rs.origins);
            } else if (key == "inhibit_on_failure") {
                rs.inhibit_on_failure = flag_argument(k);
            } else if (key == "notify_up") {
                rs.origins.set(Field::rs_notify_up, at);
                if (auto text = joined_arguments(k)) rs.notify_up = std::move(*text);
            } else if (key == "notify_down") {
                rs.origins.set(Field::rs_notify_down, at);
                if (auto text = joined_arguments(k)) rs.notify_down = std::move(*text);
            } else if (key == "virtualhost") {
                if (const Word* w = single_argument(k)) virtualhost = w->text;
            } else if (key == "TCP_CHECK" || key == "HTTP_GET" || key == "MISC_CHECK") {
                if (rs.check) {
                    sink_.error(
                        at,
                        "real_server " + args[0].text + " has a second checker (the first is at line " +
                            std::to_string(rs.check->origins.block.line) + "); xvip runs one check per real server",
                        "keep the one that tests what clients use, or test everything in one MISC_CHECK script");
                    return;
                }
                rs.check = checker(k);
            } else {
                sink_.error(at, "internal: supported keyword " + quoted(key) + " has no handler", "report this bug");
            }
        });
        if (rs.check) {
            // The real server's delay_loop, connect_timeout, ... stand for its check's unset ones.
            CheckTiming& own = rs.check->timing;
            auto inherit = [&](auto& mine, const auto& theirs, Field field) {
                if (mine || !theirs) return;
                mine = theirs;
                rs.check->origins.set(field, timing_origins.of(field));
            };
            inherit(own.interval, timing.interval, Field::check_interval);
            inherit(own.connect_timeout, timing.connect_timeout, Field::check_connect_timeout);
            inherit(own.retry, timing.retry, Field::check_retry);
            inherit(own.delay_before_retry, timing.delay_before_retry, Field::check_delay_before_retry);
        }
        vs.real_servers.push_back(std::move(rs));
        reading.weight_set.push_back(weight_set);
        reading.real_server_virtualhost.push_back(std::move(virtualhost));
    }

    HealthCheck checker(const Statement& s) {
        HealthCheck check;
        check.origins.block = s.keyword.where;
        check.origins.set(Field::check_type, s.keyword.where);
        no_arguments(s);
        const std::string& kind = s.keyword.text;
        const KeywordSection section = kind == "TCP_CHECK"  ? KeywordSection::tcp_check
                                       : kind == "HTTP_GET" ? KeywordSection::http_get
                                                            : KeywordSection::misc_check;
        check.type = kind == "TCP_CHECK" ? CheckType::tcp : kind == "HTTP_GET" ? CheckType::http : CheckType::script;
        walk(section, s.block, [&](const Statement& k) { checker_keyword(k, check); });
        return check;
    }

    void checker_keyword(const Statement& s, HealthCheck& check) {
        const std::string& k = s.keyword.text;
        const SourceLocation& at = s.keyword.where;
        FieldOrigins& o = check.origins;
        if (timing_keyword(s, check.timing, o)) return;
        if (k == "connect_ip") {
            o.set(Field::check_connect_ip, at);
            check.connect_ip = address_argument(s);
        } else if (k == "connect_port") {
            o.set(Field::check_connect_port, at);
            if (const Word* w = single_argument(s)) check.connect_port = port_word(*w);
        } else if (k == "bindto") {
            o.set(Field::check_bind_to, at);
            check.bind_to = address_argument(s);
        } else if (k == "virtualhost") {
            if (const Word* w = single_argument(s)) check.virtualhost = w->text;
        } else if (k == "url") {
            o.set(Field::check_urls, at);
            no_arguments(s);
            check.urls.push_back(url(s));
        } else if (k == "misc_path") {
            o.set(Field::check_command, at);
            if (auto text = joined_arguments(s)) check.command = std::move(*text);
        } else if (k == "misc_timeout") {
            o.set(Field::check_timeout, at);
            check.timeout = seconds_argument(s);
            if (!check.timeout) o.set_unreadable(Field::check_timeout);
        } else if (k == "misc_dynamic") {
            no_arguments(s);
            check.dynamic = true;
        } else if (k == "user") {
            o.set(Field::check_user, at);
            if (s.arguments.empty() || s.arguments.size() > 2) {
                single_argument(s);
                return;
            }
            check.user = s.arguments[0].text;
            if (s.arguments.size() == 2) {
                sink_.warning(s.arguments[1].where, "the script group is ignored: scripts run with the user's groups",
                              "write `user " + check.user + "`");
            }
        } else {
            sink_.error(at, "internal: supported keyword " + quoted(k) + " has no handler", "report this bug");
        }
    }

    HttpUrl url(const Statement& s) {
        HttpUrl url;
        url.origins.block = s.keyword.where;
        walk(KeywordSection::url, s.block, [&](const Statement& k) {
            const std::string& key = k.keyword.text;
            const SourceLocation& at = k.keyword.where;
            if (key == "path") {
                url.origins.set(Field::url_path, at);
                if (const Word* w = single_argument(k)) url.path = w->text;
            } else if (key == "digest") {
                url.origins.set(Field::url_digest, at);
                if (const Word* w = single_argument(k)) url.digest = w->text;
            } else if (key == "status_code") {
                url.origins.set(Field::url_status_codes, at);
                if (k.arguments.empty()) single_argument(k);
                for (const Word& w : k.arguments) {
                    if (const auto range = parse_status_code_range(w.text)) {
                        url.status_codes.push_back(*range);
                    } else {
                        sink_.error(w.where, quoted(w.text) + " is not an HTTP status code or range",
                                    "write codes and ranges such as `200 204 300-399`");
                        url.origins.set_unreadable(Field::url_status_codes);
                    }
                }
            } else if (key == "virtualhost") {
                if (const Word* w = single_argument(k)) url.virtualhost = w->text;
            }
        });
        return url;
    }

    void sync_group(const Statement& s) {
        SyncGroup group;
        group.origins.block = s.keyword.where;
        if (auto name = block_name(s)) group.name = std::move(*name);
        walk(KeywordSection::vrrp_sync_group, s.block, [&](const Statement& k) {
            const SourceLocation& at = k.keyword.where;
            if (k.keyword.text == "group") {
                group.origins.set(Field::sync_group_members, at);
                for (const Statement& line : k.block) {
                    group.instances.push_back(line.keyword.text);
                    for (const Word& more : line.arguments) group.instances.push_back(more.text);
                }
            } else if (k.keyword.text == "track_interface") {
                track_interfaces(k, group.tracked_interfaces);
            } else if (k.keyword.text == "track_script") {
                group.origins.set(Field::tracked_scripts, at);
                track_scripts(k, group.tracked_scripts);
            } else {
                notify_hook(k, group.notify);
            }
        });
        config_.sync_groups.push_back(std::move(group));
    }

    DiagnosticSink& sink_;
    Config config_;
    InstanceSettingsOverrides defaults_;
    std::vector<InstanceSettingsOverrides> overrides_;
};

}  // namespace

ReadResult read_keepalived_conf(std::string_view text, std::string_view file_name, IncludeResolver& resolver,
                                const SyntaxOptions& options) {
    DiagnosticSink sink;
    const std::vector<Statement> statements = parse_keepalived_syntax(text, file_name, resolver, sink, options);
    ReadResult result;
    result.config = KeepalivedReader(sink).read(statements);
    validate(result.config, sink);
    result.diagnostics = sink.take();
    return result;
}

ReadResult read_keepalived_conf_file(const std::string& path, const SyntaxOptions& options) {
    FilesystemIncludeResolver resolver;
    const auto text = resolver.read(path);
    if (!text) {
        ReadResult result;
        result.diagnostics.push_back(
            {Severity::error, path, 0, 0, "cannot read the configuration file", "check the path and its permissions"});
        return result;
    }
    return read_keepalived_conf(*text, path, resolver, options);
}

}  // namespace xvip
