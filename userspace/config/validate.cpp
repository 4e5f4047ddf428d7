#include "config/validate.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace xvip {
namespace {

std::string where_text(const SourceLocation& where) {
    if (where.line == 0) return where.file;
    return where.file + ":" + std::to_string(where.line);
}

std::string family_name(AddressFamily family) {
    return family == AddressFamily::ipv4 ? "IPv4" : "IPv6";
}

std::string ms_text(Milliseconds value) {
    const auto ms = value.count();
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
        std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
        while (fraction.back() == '0') fraction.pop_back();
        text += "." + fraction;
    }
    return text + " s";
}

class Validator {
public:
    Validator(const Config& config, DiagnosticSink& sink) : config_(config), sink_(sink) {}

    void run() {
        for (const TrackScript& script : config_.scripts) check_script(script);
        check_unique_scripts();
        for (const BfdInstance& bfd : config_.bfds) check_bfd(bfd);
        check_unique_bfds();
        for (const Instance& instance : config_.instances) check_instance(instance);
        check_unique_names();
        check_shared_vips();
        check_shared_vrids();
        check_vip_count();
        check_gateway_count();
        for (const SyncGroup& group : config_.sync_groups) check_sync_group(group);
        check_sync_membership();
        check_flow_table();
        check_virtual_servers();
    }

private:
    std::string name(Field field) const { return std::string(setting_name(field, config_.dialect)); }

    // Errors that the cloud profile makes of provider limits; warnings elsewhere.
    void limit(const SourceLocation& at, std::string message, std::string fix) {
        if (config_.global.cloud) {
            sink_.error(at, std::move(message), std::move(fix));
        } else {
            sink_.warning(at, std::move(message) + " (a cloud provider limit; an error with the cloud profile)",
                          std::move(fix));
        }
    }

    std::string label(const Instance& instance) const {
        return "instance " + (instance.name.empty() ? std::string("(unnamed)") : instance.name);
    }

    void check_instance(const Instance& i) {
        const FieldOrigins& at = i.origins;
        if (i.name.empty()) {
            sink_.error(at.block, "instance has no name", "give it a unique " + name(Field::name));
        }
        if (i.interface.empty()) {
            sink_.error(at.block, label(i) + " has no interface",
                        "set " + name(Field::interface) + " (or a default interface in the global settings)");
        }
        if (at.unreadable(Field::vrid)) {
            // already reported by the reader
        } else if (i.vrid == 0 && at.of(Field::vrid) == at.block) {
            sink_.error(at.block, label(i) + " has no VRID",
                        "set " + name(Field::vrid) + " to 1-255, the same on every router of the VIP");
        } else if (i.vrid < 1 || i.vrid > 255) {
            sink_.error(at.of(Field::vrid), label(i) + ": VRID " + std::to_string(i.vrid) + " is out of range",
                        "set " + name(Field::vrid) + " to 1-255");
        }
        if (!at.unreadable(Field::priority) && (i.priority < 1 || i.priority > 255)) {
            sink_.error(at.of(Field::priority),
                        label(i) + ": priority " + std::to_string(i.priority) + " is out of range",
                        "set priority to 1-254 (255 only on the address owner)");
        }
        check_interval(i);
        check_addresses(i);
        check_auth(i);
        check_timers(i);
        check_tracking(i.tracked_scripts, i.tracked_interfaces, label(i));
        check_tracked_bfds(i.tracked_bfds, label(i));
        check_fast_failover(i);
    }

    // Fast failover: a backup asks the active node every interval; `multiplier` unanswered
    // requests, the latest answer multiplier x interval old, take over. It learns the active node's
    // MAC from multicast adverts with TTL 255, and sends from user space on a millisecond timer.
    void check_fast_failover(const Instance& i) {
        const FieldOrigins& at = i.origins;
        const auto ms = [](Milliseconds value) { return std::to_string(value.count()) + " ms"; };
        if (!at.unreadable(Field::fast_failover_interval) &&
            (i.fast_failover_interval < Milliseconds{1} || i.fast_failover_interval > Milliseconds{1000})) {
            sink_.error(at.of(Field::fast_failover_interval),
                        label(i) + ": fast_failover_interval " + ms(i.fast_failover_interval) +
                            " out of range (xvipd's timers resolve 1 ms; beyond 1 s VRRP is as fast)",
                        "set fast_failover_interval from 1 ms to 1 s, e.g. \"1ms\"");
        }
        if (!at.unreadable(Field::fast_failover_multiplier) &&
            (i.fast_failover_multiplier < 2 || i.fast_failover_multiplier > 255)) {
            sink_.error(at.of(Field::fast_failover_multiplier),
                        label(i) + ": fast_failover_multiplier " + std::to_string(i.fast_failover_multiplier) +
                            " out of range (1 would take over on a single lost packet)",
                        "set fast_failover_multiplier to 2-255, e.g. 3");
        }
        if (!i.fast_failover) return;
        if (i.is_unicast()) {
            sink_.error(at.of(Field::fast_failover),
                        label(i) +
                            ": fast failover needs multicast adverts (the data plane learns the active "
                            "node's MAC from adverts it can judge, sent with TTL 255 to the group)",
                        "remove fast_failover, or use multicast adverts");
        }
        if (i.use_virtual_mac) {
            sink_.error(at.of(Field::fast_failover),
                        label(i) +
                            ": fast failover cannot be used with virtual_mac (every master sends from the "
                            "same virtual MAC, which names no node to ask)",
                        "remove fast_failover or virtual_mac");
        }
        if (!at.unreadable(Field::advert_interval) &&
            i.fast_failover_interval * i.fast_failover_multiplier >= i.advert_interval) {
            sink_.error(at.of(Field::fast_failover),
                        label(i) + ": fast failover would detect in " +
                            ms(i.fast_failover_interval * i.fast_failover_multiplier) +
                            ", no faster than one advert interval (" + ms(i.advert_interval) + ")",
                        "shorten fast_failover_interval or fast_failover_multiplier, or remove fast_failover");
        }
    }

    void check_interval(const Instance& i) {
        if (i.origins.unreadable(Field::advert_interval) || i.origins.unreadable(Field::version)) return;
        const SourceLocation& at = i.origins.of(Field::advert_interval);
        const auto ms = i.advert_interval.count();
        if (i.version == VrrpVersion::v2) {
            if (ms % 1000 != 0 || ms < 1000 || ms > 255'000) {
                sink_.error(at,
                            label(i) + ": VRRPv2 advert interval " + ms_text(i.advert_interval) +
                                " is not a whole number of seconds from 1 to 255",
                            "set " + name(Field::advert_interval) +
                                " to whole seconds, or use VRRP version 3 for sub-second adverts");
            }
        } else if (ms % 10 != 0 || ms < 10 || ms > 40'950) {
            sink_.error(at,
                        label(i) + ": VRRPv3 advert interval " + ms_text(i.advert_interval) +
                            " is not a multiple of 10 ms from 10 ms to 40.95 s",
                        "set " + name(Field::advert_interval) + " in centiseconds, e.g. 0.1 or 1");
        }
    }

    void check_addresses(const Instance& i) {
        if (i.vips.empty()) {
            sink_.error(i.origins.of(Field::vips), label(i) + " has no virtual addresses",
                        "list at least one address in " + name(Field::vips));
            return;
        }
        const AddressFamily family = i.vips.front().address.family();
        std::set<IpAddress> seen;
        for (const VirtualAddress& vip : i.vips) {
            if (vip.address.family() != family) {
                sink_.error(vip.where,
                            label(i) + " mixes IPv4 and IPv6 virtual addresses (" + vip.address.to_string() + ")",
                            "put the " + family_name(vip.address.family()) +
                                " addresses in an instance of their own (the same VRID may be reused per family)");
            }
            if (!seen.insert(vip.address).second) {
                sink_.error(vip.where, label(i) + " lists " + vip.address.to_string() + " twice",
                            "remove the second entry");
            }
            if (vip.address.is_unspecified() || vip.address.is_multicast()) {
                sink_.error(vip.where, vip.address.to_string() + " cannot be a virtual address",
                            "use a unicast address of the interface's subnet");
            }
        }
        if (family == AddressFamily::ipv6) {
            if (i.version == VrrpVersion::v2) {
                sink_.error(i.origins.of(Field::version), label(i) + ": VRRPv2 carries IPv4 only",
                            "set " + name(Field::version) + " to 3 for IPv6 virtual addresses");
            }
            if (!i.vips.front().address.is_link_local()) {
                sink_.warning(i.vips.front().where,
                              label(i) + ": the first IPv6 virtual address should be link-local (RFC 5798 §5.2.9)",
                              "put a link-local address (fe80::/10) first in " + name(Field::vips));
            }
        }
        if (i.source_address && i.source_address->family() != family) {
            sink_.error(i.origins.of(Field::source_address),
                        label(i) + ": source address " + i.source_address->to_string() +
                            " is not of the VIPs' family (" + family_name(family) + ")",
                        "use a " + family_name(family) + " address of the interface");
        }
        std::set<IpAddress> peers;
        for (const UnicastPeer& peer : i.unicast_peers) {
            if (peer.address.family() != family) {
                sink_.error(peer.where,
                            label(i) + ": peer " + peer.address.to_string() + " is not of the VIPs' family (" +
                                family_name(family) + ")",
                            "list the peers' " + family_name(family) + " addresses");
            }
            if (!peers.insert(peer.address).second) {
                sink_.error(peer.where, label(i) + " lists peer " + peer.address.to_string() + " twice",
                            "remove the second entry");
            }
            if (i.source_address && peer.address == *i.source_address) {
                sink_.error(peer.where,
                            label(i) + ": peer " + peer.address.to_string() + " is this router's own source address",
                            "list the other routers only");
            }
            check_peer_ttl_range(i, peer);
        }
        check_unicast_ttl(i);
        if (i.unicast_peers.size() > cloud_max_unicast_peers) {
            limit(i.unicast_peers[cloud_max_unicast_peers].where,
                  label(i) + " has " + std::to_string(i.unicast_peers.size()) +
                      " unicast peers; at most 10 routers may share a VIP",
                  "keep at most " + std::to_string(cloud_max_unicast_peers) + " peers");
        }
        if (config_.global.cloud && i.unicast_peers.empty()) {
            sink_.warning(i.origins.block, label(i) + " uses multicast, which cloud networks usually drop",
                          "list the other routers in " + name(Field::unicast_peers));
        }
    }

    // keepalived's unicast_peer `min_ttl N max_ttl N` (vrrp_data.c reads 0-255; a TTL of 0 never
    // arrives, so xvip asks for 1-255, and refuses the empty range keepalived only warns about).
    void check_peer_ttl_range(const Instance& i, const UnicastPeer& peer) {
        const std::string who = label(i) + ": peer " + peer.address.to_string();
        bool in_range = true;
        for (const auto& [bound, value, at] : {std::tuple{"min_ttl", peer.min_ttl, &peer.min_ttl_where},
                                               std::tuple{"max_ttl", peer.max_ttl, &peer.max_ttl_where}}) {
            if (value && (*value < 1 || *value > 255)) {
                sink_.error(*at, who + ": " + bound + " " + std::to_string(*value) + " is out of range",
                            std::string("write a TTL from 1 to 255 (") + bound + " " +
                                (std::string_view(bound) == "min_ttl" ? "1" : "255") + " admits every advert)");
                in_range = false;
            }
        }
        if (in_range && peer.min_ttl && peer.max_ttl && *peer.min_ttl > *peer.max_ttl) {
            sink_.error(peer.max_ttl_where,
                        who + ": min_ttl " + std::to_string(*peer.min_ttl) + " > max_ttl " +
                            std::to_string(*peer.max_ttl) + ": every advert from it would be discarded",
                        "make max_ttl at least min_ttl");
        }
    }

    void check_unicast_ttl(const Instance& i) {
        if (!i.unicast_ttl) return;
        const SourceLocation& at = i.origins.of(Field::unicast_ttl);
        if (*i.unicast_ttl < 1 || *i.unicast_ttl > 255) {
            sink_.error(
                at,
                label(i) + ": " + name(Field::unicast_ttl) + " " + std::to_string(*i.unicast_ttl) + " is out of range",
                "write a TTL from 1 to 255, or remove it for 255");
        } else if (!i.is_unicast()) {
            // keepalived: "Cannot use unicast_ttl without unicast peers - resetting".
            sink_.warning(at,
                          label(i) + ": " + name(Field::unicast_ttl) +
                              " has no effect without unicast peers: multicast adverts carry TTL 255",
                          "remove it, or list the peers in " + name(Field::unicast_peers));
        }
    }

    void check_auth(const Instance& i) {
        if (!i.auth) return;
        const SourceLocation& at = i.origins.of(Field::auth);
        if (i.version == VrrpVersion::v3) {
            sink_.warning(at, label(i) + ": VRRPv3 has no authentication; the password is not sent",
                          "remove " + name(Field::auth) + ", or use VRRP version 2 if the peers expect it");
        }
        if (i.auth->password.empty()) {
            sink_.error(at, label(i) + ": empty authentication password", "set a password of 1 to 8 bytes");
        } else if (i.auth->password.size() > 8) {
            sink_.error(
                at,
                label(i) + ": authentication password is " + std::to_string(i.auth->password.size()) +
                    " bytes; VRRPv2 carries 8",
                "shorten it to its first 8 bytes `" + i.auth->password.substr(0, 8) + "` (what keepalived sends)");
        }
    }

    void check_timers(const Instance& i) {
        if (i.preempt_delay < Milliseconds{0} || i.preempt_delay > Milliseconds{1'000'000}) {
            sink_.error(i.origins.of(Field::preempt_delay), label(i) + ": preempt_delay out of range",
                        "set preempt_delay to 0-1000 seconds");
        }
        const GarpSettings& g = i.garp;
        const SourceLocation& at = i.origins.of(Field::garp);
        if (g.repeat < 1 || g.repeat > 255 || g.refresh_repeat < 1 || g.refresh_repeat > 255) {
            sink_.error(at, label(i) + ": gratuitous ARP repeat counts must be 1-255",
                        "set the repeat counts to 1-255");
        }
        const Milliseconds hour{3'600'000};
        for (const Milliseconds value : {g.second_burst_delay, g.refresh_period, g.interval, g.na_interval}) {
            if (value < Milliseconds{0} || value > hour) {
                sink_.error(at, label(i) + ": gratuitous ARP timing " + ms_text(value) + " out of range",
                            "use 0 to 3600 seconds");
                break;
            }
        }
        if (i.drain_deadline < Milliseconds{0} || i.drain_deadline > Milliseconds{600'000}) {
            sink_.error(i.origins.block, label(i) + ": drain_deadline out of range",
                        "set drain_deadline to 0-600 seconds");
        }
    }

    void check_tracking(const std::vector<ScriptReference>& scripts, const std::vector<TrackedInterface>& interfaces,
                        const std::string& owner) {
        for (const ScriptReference& use : scripts) {
            if (config_.find_script(use.name) == nullptr) {
                sink_.error(use.where, owner + " tracks script `" + use.name + "`, which is not defined",
                            "define it (vrrp_script / [[script]]) or remove it from " + name(Field::tracked_scripts));
            }
            if (use.weight && (*use.weight < -253 || *use.weight > 253)) {
                sink_.error(use.where, owner + ": weight " + std::to_string(*use.weight) + " out of range",
                            "use a weight from -253 to 253");
            }
        }
        for (const TrackedInterface& tracked : interfaces) {
            if (tracked.weight < -253 || tracked.weight > 253) {
                sink_.error(tracked.where, owner + ": weight " + std::to_string(tracked.weight) + " out of range",
                            "use a weight from -253 to 253");
            }
        }
    }

    void check_tracked_bfds(const std::vector<BfdReference>& uses, const std::string& owner) {
        for (const BfdReference& use : uses) {
            if (config_.find_bfd(use.name) == nullptr) {
                sink_.error(use.where, owner + " tracks BFD session `" + use.name + "`, which is not defined",
                            "define it (bfd_instance / [[bfd]]) or remove it from " + name(Field::tracked_bfds));
            }
            if (use.weight && (*use.weight < -253 || *use.weight > 253)) {
                sink_.error(use.where, owner + ": weight " + std::to_string(*use.weight) + " out of range",
                            "use a weight from -253 to 253");
            }
        }
    }

    void check_bfd(const BfdInstance& b) {
        const FieldOrigins& at = b.origins;
        const std::string what = "BFD session " + b.name;
        using std::chrono::microseconds;
        if (b.name.empty()) sink_.error(at.block, "BFD session has no name", "give it a unique name");
        if (!b.neighbor) {
            if (!at.unreadable(Field::bfd_neighbor)) {
                sink_.error(at.block, what + " has no neighbour",
                            "set " + name(Field::bfd_neighbor) + " to its address");
            }
        } else if (b.neighbor->family() != AddressFamily::ipv4) {
            sink_.error(at.of(Field::bfd_neighbor), what + ": xvip runs BFD over IPv4 only",
                        "use the neighbour's IPv4 address");
        }
        if (b.source && b.neighbor && b.source->family() != b.neighbor->family()) {
            sink_.error(at.of(Field::bfd_source), what + ": the source and the neighbour are of different families",
                        "use an IPv4 source address");
        }
        const auto interval = [&](microseconds value, Field field, microseconds low, const std::string& why) {
            if (at.unreadable(field)) return;
            if (value < low || value > microseconds(60'000'000)) {
                sink_.error(at.of(field), what + ": " + name(field) + " out of range (" + why + ")",
                            "set " + name(field) + " from " + std::to_string(low.count() / 1000) + " ms to 60 s");
            }
        };
        interval(b.min_rx, Field::bfd_min_rx, microseconds(1000), "xvipd's timers resolve 1 ms");
        interval(b.min_tx, Field::bfd_min_tx, microseconds(1000), "xvipd's timers resolve 1 ms");
        interval(b.idle_tx, Field::bfd_idle_tx, microseconds(1'000'000),
                 "RFC 5880 §6.8.3: at least 1 s while the session is not up");
        if (!at.unreadable(Field::bfd_multiplier) && (b.multiplier < 1 || b.multiplier > 255)) {
            sink_.error(at.of(Field::bfd_multiplier), what + ": multiplier must be 1-255", "set multiplier, e.g. 3");
        }
        if (!at.unreadable(Field::bfd_outgoing_ttl) && b.ttl != 255) {
            sink_.error(at.of(Field::bfd_outgoing_ttl),
                        what + ": xvip runs single-hop BFD only, whose packets leave with TTL 255 (RFC 5881 §5)",
                        "remove ttl");
        }
        if (!at.unreadable(Field::bfd_max_hops) && b.max_hops != 0) {
            sink_.error(at.of(Field::bfd_max_hops),
                        what + ": xvip runs single-hop BFD only, which takes packets with TTL 255 alone (RFC 5881 §5)",
                        "remove max_hops");
        }
        if (b.weight < -253 || b.weight > 253) {
            sink_.error(at.of(Field::bfd_weight), what + ": weight " + std::to_string(b.weight) + " out of range",
                        "use a weight from -253 to 253");
        }
    }

    void check_unique_bfds() {
        std::map<std::string, const BfdInstance*> names;
        std::map<std::string, const BfdInstance*> neighbors;
        for (const BfdInstance& b : config_.bfds) {
            const auto [it, fresh] = names.emplace(b.name, &b);
            if (!fresh && !b.name.empty()) {
                sink_.error(b.origins.block,
                            "BFD session " + b.name + " is defined twice (first at " +
                                where_text(it->second->origins.block) + ")",
                            "rename or remove one of them");
                continue;
            }
            if (!b.neighbor) continue;
            const auto [other, first] = neighbors.emplace(b.neighbor->to_string(), &b);
            if (!first) {
                sink_.error(b.origins.of(Field::bfd_neighbor),
                            "BFD sessions " + other->second->name + " and " + b.name + " both run to " +
                                b.neighbor->to_string() + "; a neighbour has one single-hop session",
                            "track the same session from every instance instead");
            }
        }
    }

    void check_script(const TrackScript& s) {
        const FieldOrigins& at = s.origins;
        const std::string what = "script " + s.name;
        if (s.name.empty()) sink_.error(at.block, "script has no name", "give it a unique name");
        if (s.command.empty()) {
            sink_.error(at.of(Field::script_path), what + " has no command", "set " + name(Field::script_path));
        }
        if (s.interval <= Milliseconds{0}) {
            sink_.error(at.of(Field::script_interval), what + ": interval must be positive",
                        "set interval, e.g. 2 seconds");
        }
        if (s.timeout && *s.timeout <= Milliseconds{0}) {
            sink_.error(at.of(Field::script_timeout), what + ": timeout must be positive",
                        "set timeout, e.g. 1 second");
        }
        if (s.rise < 1)
            sink_.error(at.of(Field::script_rise), what + ": rise must be at least 1", "set rise to 1 or more");
        if (s.fall < 1)
            sink_.error(at.of(Field::script_fall), what + ": fall must be at least 1", "set fall to 1 or more");
        if (s.weight < -253 || s.weight > 253) {
            sink_.error(at.of(Field::script_weight), what + ": weight " + std::to_string(s.weight) + " out of range",
                        "use a weight from -253 to 253");
        }
    }

    void check_unique_scripts() {
        std::map<std::string, const TrackScript*> seen;
        for (const TrackScript& s : config_.scripts) {
            const auto [it, fresh] = seen.emplace(s.name, &s);
            if (!fresh && !s.name.empty()) {
                sink_.error(
                    s.origins.block,
                    "script " + s.name + " is defined twice (first at " + where_text(it->second->origins.block) + ")",
                    "rename or remove one of them");
            }
        }
    }

    void check_unique_names() {
        std::map<std::string, const Instance*> seen;
        for (const Instance& i : config_.instances) {
            const auto [it, fresh] = seen.emplace(i.name, &i);
            if (!fresh && !i.name.empty()) {
                sink_.error(i.origins.block,
                            label(i) + " is defined twice (first at " + where_text(it->second->origins.block) + ")",
                            "give each instance a unique name");
            }
        }
    }

    void check_shared_vips() {
        std::map<IpAddress, const Instance*> owner;
        for (const Instance& i : config_.instances) {
            std::set<IpAddress> own;
            for (const VirtualAddress& vip : i.vips) {
                if (!own.insert(vip.address).second) continue;  // reported by check_addresses
                const auto [it, fresh] = owner.emplace(vip.address, &i);
                if (!fresh) {
                    sink_.error(vip.where,
                                "VIP " + vip.address.to_string() + " is in " + label(i) + " and in " +
                                    label(*it->second) + " (" + where_text(it->second->origins.block) + ")",
                                "keep each VIP in one instance");
                }
            }
        }
    }

    void check_shared_vrids() {
        using Key = std::tuple<std::string, AddressFamily, int>;
        std::map<Key, const Instance*> owner;
        for (const Instance& i : config_.instances) {
            const auto family = i.family();
            if (!family || i.vrid < 1 || i.vrid > 255) continue;
            const auto [it, fresh] = owner.emplace(Key{i.interface, *family, i.vrid}, &i);
            if (!fresh) {
                sink_.error(i.origins.of(Field::vrid),
                            label(i) + " and " + label(*it->second) + " (" + where_text(it->second->origins.block) +
                                ") both use VRID " + std::to_string(i.vrid) + " for " + family_name(*family) + " on " +
                                i.interface,
                            "give one of them another " + name(Field::vrid) + " (VRIDs are per interface and family)");
            }
        }
    }

    void check_gateway_count() {
        std::map<std::pair<std::string, AddressFamily>, std::size_t> count;
        for (const Instance& i : config_.instances) {
            const auto family = i.family();
            if (!i.gateway || !family) continue;
            if (++count[{i.interface, *family}] == max_gateway_instances + 1) {
                sink_.error(i.origins.of(Field::gateway),
                            label(i) + ": more than " + std::to_string(max_gateway_instances) + " " +
                                family_name(*family) + " gateway instances on " + i.interface,
                            "keep at most " + std::to_string(max_gateway_instances) +
                                " gateway instances per interface and family");
            }
        }
    }

    void check_vip_count() {
        std::size_t total = 0;
        for (const Instance& i : config_.instances) {
            for (const VirtualAddress& vip : i.vips) {
                if (++total == cloud_max_vips_per_host + 1) {
                    limit(vip.where, "more than " + std::to_string(cloud_max_vips_per_host) + " VIPs on this host",
                          "keep at most " + std::to_string(cloud_max_vips_per_host) + " VIPs per host");
                }
            }
        }
    }

    void check_sync_group(const SyncGroup& g) {
        const std::string what = "sync group " + g.name;
        const SourceLocation& members_at = g.origins.of(Field::sync_group_members);
        if (g.instances.size() < 2) {
            sink_.warning(members_at,
                          what + " has " + std::to_string(g.instances.size()) +
                              " member(s); a sync group keeps two or more instances together",
                          "list two or more instances in " + name(Field::sync_group_members) + ", or remove the group");
        }
        for (const std::string& member : g.instances) {
            if (config_.find_instance(member) == nullptr) {
                sink_.error(members_at, what + " names instance `" + member + "`, which is not defined",
                            "define the instance or remove it from the group");
            }
        }
        check_tracking(g.tracked_scripts, g.tracked_interfaces, what);
    }

    void check_sync_membership() {
        std::map<std::string, const SyncGroup*> group_of;
        for (const SyncGroup& g : config_.sync_groups) {
            for (const std::string& member : g.instances) {
                const auto [it, fresh] = group_of.emplace(member, &g);
                if (!fresh) {
                    sink_.error(g.origins.of(Field::sync_group_members),
                                "instance " + member + " is in sync groups " + it->second->name + " and " + g.name,
                                "keep each instance in one sync group");
                }
            }
        }
    }

    // ---- load-balancer mode ----

    void check_flow_table() {
        const std::uint32_t entries = config_.global.lb_flow_table_entries;
        if (entries < min_lb_flow_table_entries || entries > max_lb_flow_table_entries) {
            sink_.error(config_.global.lb_flow_table_entries_where,
                        "lb_flow_table_entries " + std::to_string(entries) + " is out of range",
                        "set lb_flow_table_entries from 1024 to 16777216 (default 65536)");
        }
    }

    std::string vs_label(const VirtualServer& vs) const { return "virtual_server " + vs.endpoint(); }

    // The names of a timing setting: the keepalived keyword is the same at every level; TOML
    // calls the virtual server's interval check_interval.
    std::string timing_name(Field field, bool service_level) const {
        if (field == Field::check_interval && service_level && config_.dialect == ConfigDialect::toml) {
            return "check_interval";
        }
        return name(field);
    }

    void check_timing(const CheckTiming& t, const FieldOrigins& at, const std::string& who, bool service_level) {
        const Milliseconds hour{3'600'000};
        const auto positive = [&](const std::optional<Milliseconds>& value, Field field, Milliseconds low) {
            if (!value || at.unreadable(field)) return;
            if (*value < low || *value > hour) {
                sink_.error(at.of(field),
                            who + ": " + timing_name(field, service_level) + " " + ms_text(*value) + " out of range",
                            "set " + timing_name(field, service_level) + " from " + ms_text(low) + " to 3600 s");
            }
        };
        positive(t.interval, Field::check_interval, Milliseconds{1});
        positive(t.connect_timeout, Field::check_connect_timeout, Milliseconds{1});
        positive(t.delay_before_retry, Field::check_delay_before_retry, Milliseconds{0});
        if (t.retry && !at.unreadable(Field::check_retry) && (*t.retry < 0 || *t.retry > 255)) {
            sink_.error(at.of(Field::check_retry), who + ": retry " + std::to_string(*t.retry) + " out of range",
                        "set retry from 0 to 255 (further tries before a failure counts)");
        }
        if (t.rise && (*t.rise < 1 || *t.rise > 255)) {
            sink_.error(at.of(Field::check_rise), who + ": rise " + std::to_string(*t.rise) + " out of range",
                        "set rise from 1 to 255");
        }
    }

    void check_virtual_servers() {
        std::map<IpAddress, std::vector<const Instance*>> vip_owner;
        for (const Instance& i : config_.instances) {
            for (const VirtualAddress& vip : i.vips) vip_owner[vip.address].push_back(&i);
        }
        using Key = std::tuple<IpAddress, ServiceProtocol, int>;
        std::map<Key, const VirtualServer*> seen;
        std::size_t count = 0;
        for (const VirtualServer& vs : config_.virtual_servers) {
            if (++count == max_virtual_servers + 1) {
                sink_.error(vs.origins.block, "more than " + std::to_string(max_virtual_servers) + " virtual servers",
                            "keep at most " + std::to_string(max_virtual_servers) + " virtual servers per node pair");
            }
            check_virtual_server(vs, vip_owner);
            const auto [it, fresh] = seen.emplace(Key{vs.address, vs.protocol, vs.port}, &vs);
            if (!fresh) {
                sink_.error(vs.origins.block,
                            vs_label(vs) + " (" + std::string(to_string(vs.protocol)) +
                                ") is defined twice (first at " + where_text(it->second->origins.block) + ")",
                            "merge the two into one, or remove one");
            }
        }
    }

    void check_virtual_server(const VirtualServer& vs, const std::map<IpAddress, std::vector<const Instance*>>& vips) {
        const FieldOrigins& at = vs.origins;
        const std::string who = vs_label(vs);
        if (at.unreadable(Field::vs_address)) {
            // The address or port could not be read (already reported): checks of the service
            // itself would only repeat it.
        } else if (!vs.address.is_v4()) {
            sink_.error(at.of(Field::vs_address), who + ": forwarding is IPv4 only in this version of xvip",
                        "keep this IPv6 service on IPVS, or serve it on an IPv4 VIP");
        }
        if (!at.unreadable(Field::vs_address) && (vs.port < 1 || vs.port > 65535)) {
            sink_.error(at.of(Field::vs_address), who + ": port " + std::to_string(vs.port) + " is out of range",
                        "write a port from 1 to 65535 (xvip matches a service by VIP, protocol and port)");
        }
        if (!at.unreadable(Field::vs_address) && vips.find(vs.address) == vips.end()) {
            std::string known;
            std::size_t listed = 0;
            for (const Instance& i : config_.instances) {
                for (const VirtualAddress& vip : i.vips) {
                    if (++listed > 8) continue;
                    known += (known.empty() ? "" : ", ") + vip.address.to_string() + " (" + i.name + ")";
                }
            }
            if (listed > 8) known += ", ...";
            sink_.error(at.of(Field::vs_address),
                        who + ": " + vs.address.to_string() +
                            " is not a VIP of any instance; the VIP is what the balancer pair owns and moves" +
                            (known.empty() ? std::string(" (no instance has a VIP)") : " (the VIPs: " + known + ")"),
                        "use one of the instances' VIPs, or add " + vs.address.to_string() + " to an instance's " +
                            name(Field::vips));
        }
        if (vs.persistence_timeout && !at.unreadable(Field::vs_persistence_timeout) &&
            (*vs.persistence_timeout < Milliseconds{1000} || *vs.persistence_timeout > Milliseconds{2'678'400'000})) {
            sink_.error(at.of(Field::vs_persistence_timeout),
                        who + ": persistence_timeout " + ms_text(*vs.persistence_timeout) + " out of range",
                        "set persistence_timeout from 1 s to 31 days, as IPVS allows");
        }
        if (vs.persistence_granularity && !at.unreadable(Field::vs_persistence_granularity) &&
            (*vs.persistence_granularity < 1 || *vs.persistence_granularity > (vs.address.is_v4() ? 32 : 128))) {
            sink_.error(
                at.of(Field::vs_persistence_granularity),
                who + ": persistence_granularity /" + std::to_string(*vs.persistence_granularity) + " out of range",
                "set a prefix length from 1 to 32 (keepalived: a netmask such as 255.255.255.0)");
        }
        check_timing(vs.check_defaults, at, who, true);
        if (vs.quorum < 1 && !at.unreadable(Field::vs_quorum)) {
            sink_.error(at.of(Field::vs_quorum), who + ": quorum must be at least 1", "set quorum to 1 or more");
        }
        if (vs.hysteresis < 0 && !at.unreadable(Field::vs_hysteresis)) {
            sink_.error(at.of(Field::vs_hysteresis), who + ": hysteresis must not be negative",
                        "set hysteresis to 0 or more");
        }
        if (vs.sorry_server)
            check_server_address(vs, vs.sorry_server->address, vs.sorry_server->port, vs.sorry_server->where,
                                 "sorry_server");
        if (vs.real_servers.empty()) {
            sink_.error(at.block, who + " has no real servers",
                        "add at least one real server, or remove the virtual server (keepalived skips it)");
        }
        std::map<std::pair<IpAddress, int>, const RealServer*> servers;
        std::size_t count = 0;
        for (const RealServer& rs : vs.real_servers) {
            if (++count == max_real_servers_per_service + 1) {
                sink_.error(rs.origins.block,
                            who + " has more than " + std::to_string(max_real_servers_per_service) + " real servers",
                            "keep at most " + std::to_string(max_real_servers_per_service) + " per virtual server");
            }
            check_real_server(vs, rs);
            const auto [it, fresh] = servers.emplace(std::pair{rs.address, rs.port}, &rs);
            if (!fresh) {
                sink_.error(rs.origins.block,
                            who + ": real server " + rs.address.to_string() + ":" + std::to_string(rs.port) +
                                " is listed twice (first at " + where_text(it->second->origins.block) + ")",
                            "remove the second entry");
            }
        }
        check_quorum(vs, who);
    }

    // Direct routing hands the packet on unchanged but for the destination MAC: the server must be
    // an IPv4 neighbour (its address) listening on the virtual server's port.
    void check_server_address(const VirtualServer& vs, const IpAddress& address, int port, const SourceLocation& at,
                              const std::string& what) {
        const std::string who = vs_label(vs) + ": " + what + " " + address.to_string();
        if (!address.is_v4()) {
            sink_.error(at, who + " is not IPv4: forwarding is IPv4 only in this version of xvip",
                        "use the server's IPv4 address");
        }
        if (port != vs.port) {
            sink_.error(at,
                        who + " listens on port " + std::to_string(port) + ", not the virtual server's " +
                            std::to_string(vs.port) +
                            ": direct routing changes only the destination MAC, so it cannot translate ports",
                        "make the server listen on " + std::to_string(vs.port) + " and write that port");
        }
    }

    // keepalived's adjustments (check_data.c), which xvip makes too (lb/plan.hpp): said, not refused,
    // so that a file keepalived runs runs unchanged.
    void check_quorum(const VirtualServer& vs, const std::string& who) {
        const FieldOrigins& at = vs.origins;
        if (at.unreadable(Field::vs_quorum) || at.unreadable(Field::vs_hysteresis) || vs.quorum < 1 ||
            vs.hysteresis < 0) {
            return;  // reported above
        }
        const QuorumRule used = quorum_rule(vs);
        const std::int64_t configured = used.weights;
        const int quorum = used.quorum;
        if (quorum != vs.quorum) {
            sink_.warning(at.of(Field::vs_quorum),
                          who + ": quorum " + std::to_string(vs.quorum) +
                              " is more than the weights of its real "
                              "servers add up to (" +
                              std::to_string(configured) + "): the service could never have it, so it is lowered to " +
                              std::to_string(quorum) + ", as keepalived does",
                          "set quorum to at most " + std::to_string(configured));
        }
        if (vs.hysteresis >= quorum) {
            sink_.warning(at.of(Field::vs_hysteresis),
                          who + ": hysteresis " + std::to_string(vs.hysteresis) + " is not below the quorum " +
                              std::to_string(quorum) + ": it is lowered to " + std::to_string(quorum - 1) +
                              ", as keepalived does",
                          "set hysteresis below quorum");
        }
        const std::int64_t hysteresis = used.hysteresis;
        if (configured >= 1 && quorum + hysteresis > configured) {
            sink_.warning(at.of(vs.hysteresis != 0 ? Field::vs_hysteresis : Field::vs_quorum),
                          who + ": the service can never gain its quorum: that takes live real servers weighing " +
                              std::to_string(quorum + hysteresis) + " (quorum " + std::to_string(quorum) +
                              " + hysteresis " + std::to_string(hysteresis) + "), and its real servers weigh " +
                              std::to_string(configured) + " in all; it starts without quorum and stays so, " +
                              (vs.sorry_server ? "its sorry server taking every new flow" : "as under keepalived"),
                          "lower the quorum or the hysteresis, or raise the weights");
        }
    }

    void check_real_server(const VirtualServer& vs, const RealServer& rs) {
        const FieldOrigins& at = rs.origins;
        check_server_address(vs, rs.address, rs.port, at.block, "real server");
        const std::string who = vs_label(vs) + ": real server " + rs.address.to_string();
        if (!at.unreadable(Field::rs_weight) && (rs.weight < 0 || rs.weight > max_real_server_weight)) {
            sink_.error(at.of(Field::rs_weight), who + ": weight " + std::to_string(rs.weight) + " out of range",
                        "use a weight from 0 to 65535 (relative shares of a 65537-entry table; keepalived allows "
                        "more, beyond any share the table can hold)");
        }
        if (rs.check) check_health_check(*rs.check, who);
    }

    void check_health_check(const HealthCheck& c, const std::string& owner) {
        const FieldOrigins& at = c.origins;
        const std::string who = owner + ": " + std::string(to_string(c.type)) + " check";
        check_timing(c.timing, at, who, false);
        if (c.connect_port && (*c.connect_port < 1 || *c.connect_port > 65535)) {
            sink_.error(at.of(Field::check_connect_port),
                        who + ": connect_port " + std::to_string(*c.connect_port) + " out of range",
                        "write a port from 1 to 65535");
        }
        if (c.type == CheckType::http) {
            if (c.urls.empty()) {
                sink_.error(at.block,
                            who + " has no URL to get (keepalived drops such a check, leaving the server always up)",
                            config_.dialect == ConfigDialect::keepalived ? "add `url { path /health }`"
                                                                         : "add urls = [{ path = \"/health\" }]");
            }
            for (const HttpUrl& url : c.urls) check_url(url, who);
        }
        if (c.type == CheckType::script) {
            // The rules of track script commands (check_script): the daemon splits and checks the
            // file itself when it prepares the command.
            if (c.command.empty() && !at.unreadable(Field::check_command)) {
                sink_.error(at.of(Field::check_command), who + " has no command", "set " + name(Field::check_command));
            }
            if (c.timeout && !at.unreadable(Field::check_timeout) && *c.timeout <= Milliseconds{0}) {
                sink_.error(
                    at.of(Field::check_timeout), who + ": " + name(Field::check_timeout) + " must be positive",
                    "set " + name(Field::check_timeout) + ", e.g. 1 second, or remove it for the check interval");
            }
        }
    }

    void check_url(const HttpUrl& url, const std::string& owner) {
        const FieldOrigins& at = url.origins;
        if (url.path.empty()) {
            sink_.error(at.block, owner + ": a URL without a path",
                        config_.dialect == ConfigDialect::keepalived ? "add `path /health` to the url block"
                                                                     : "add path = \"/health\"");
        } else if (url.path.front() != '/') {
            sink_.error(at.of(Field::url_path), owner + ": URL path `" + url.path + "` does not start with /",
                        "write the path as it goes in the request, e.g. /health");
        }
        if (!url.digest.empty()) {
            const bool hex =
                url.digest.size() == 32 && std::all_of(url.digest.begin(), url.digest.end(), [](char ch) {
                    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
                });
            if (!hex) {
                sink_.error(at.of(Field::url_digest), owner + ": digest `" + url.digest + "` is not 32 hex digits",
                            "write the MD5 of the expected body, e.g. from `curl -s URL | md5sum`");
            }
        }
        if (at.unreadable(Field::url_status_codes)) return;
        for (const StatusCodeRange& r : url.status_codes) {
            if (r.low < 100 || r.high > 599 || r.low > r.high) {
                sink_.error(at.of(Field::url_status_codes),
                            owner + ": status code " + to_string(r) + " is not a code or rising range within 100-599",
                            "write codes and ranges such as 200 or 200-299");
            }
        }
    }

    const Config& config_;
    DiagnosticSink& sink_;
};

}  // namespace

void validate(const Config& config, DiagnosticSink& sink) {
    Validator(config, sink).run();
}

std::vector<Diagnostic> validate(const Config& config) {
    DiagnosticSink sink;
    validate(config, sink);
    return sink.take();
}

}  // namespace xvip
