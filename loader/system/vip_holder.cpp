#include "system/vip_holder.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "system/netlink_socket.hpp"
#include "system/rtnetlink_queries.hpp"
#include "system/sysctl.hpp"
#include "system/system_error.hpp"

namespace xvip {

namespace {

constexpr const char* loopback = "lo";

// Where a VIP lives in the kernel. On `lo` the kernel delivers traffic for it from any interface
// but never answers ARP or a neighbour solicitation for it on another (IPv6: ndisc looks only at
// the receiving interface's addresses). A link-local VIP can only live on its link.
HeldAddress placement(const std::string& ifname, const IpAddress& vip) {
    if (vip.is_v4()) return {.address = vip, .prefix_length = 32, .ifname = loopback};
    return {.address = vip, .prefix_length = 128, .ifname = vip.is_link_local() ? ifname : loopback};
}

// Every node holds every VIP, so duplicate address detection would fail on all but the first; and
// a VIP is never the source the kernel picks for the node's own traffic (as keepalived's
// preferred_lft 0), nor one xvipd picks for its adverts.
constexpr AddressFlags ipv6_vip_flags{.nodad = true, .deprecated = true};

std::string describe(const HeldAddress& held) {
    return held.address.to_string() + "/" + std::to_string(held.prefix_length) + " on " + held.ifname;
}

bool contains_address(const std::vector<InterfacePrefix>& prefixes, const IpAddress& address) {
    return std::ranges::any_of(prefixes, [&](const InterfacePrefix& p) { return p.address == address; });
}

// Whatever was done by the hold() under way, to be undone if a later step fails.
struct Journal {
    std::vector<std::pair<std::string, std::string>> sysctls_before;  // key, value before
    std::vector<std::pair<HeldAddress, int>> addresses_added;         // address, interface index

    void undo(NetlinkSocket& netlink) noexcept {
        for (auto it = addresses_added.rbegin(); it != addresses_added.rend(); ++it) {
            (void)change_address(netlink, AddressChange::remove, it->second, it->first.address,
                                 it->first.prefix_length);
        }
        for (auto it = sysctls_before.rbegin(); it != sysctls_before.rend(); ++it) {
            try {
                write_sysctl(it->first, it->second);
            } catch (...) {
                // Best effort: the error that made us undo is the one worth reporting.
            }
        }
    }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> vip_sysctls(const std::string& ifname,
                                                             const std::vector<IpAddress>& vips) {
    std::vector<std::pair<std::string, std::string>> sysctls;
    const bool ipv4 = std::ranges::any_of(vips, [](const IpAddress& v) { return v.is_v4(); });
    const bool ipv6 = std::ranges::any_of(vips, [](const IpAddress& v) { return v.is_v6(); });
    if (ipv4) {
        // The kernel applies the larger of `all` and the interface's arp_ignore and arp_announce.
        sysctls.emplace_back("net/ipv4/conf/all/arp_ignore", "1");
        sysctls.emplace_back("net/ipv4/conf/" + ifname + "/arp_ignore", "1");
        sysctls.emplace_back("net/ipv4/conf/all/arp_announce", "2");
        sysctls.emplace_back("net/ipv4/conf/" + ifname + "/arp_announce", "2");
        sysctls.emplace_back("net/ipv4/conf/" + ifname + "/arp_notify", "0");
    }
    if (ipv6) sysctls.emplace_back("net/ipv6/conf/" + ifname + "/ndisc_notify", "0");
    return sysctls;
}

VipHolder::VipHolder(VipHolderOptions options)
    : options_(std::move(options)),
      state_file_(options_.state_dir / (options_.ifname + ".state")),
      netns_(current_network_namespace()) {}

VipHolder::~VipHolder() {
    if (!held_) return;
    try {
        release();
    } catch (...) {
        // The state file stays; the next xvipd adopts it, or `release` retries it.
    }
}

void VipHolder::require_own_namespace(const char* doing) const {
    const NetworkNamespaceId here = current_network_namespace();
    if (here != netns_) {
        throw std::logic_error(std::string(doing) + " for " + options_.ifname + ": called from network namespace " +
                               here.to_string() + ", but the VipHolder belongs to " + netns_.to_string());
    }
}

std::vector<IpAddress> VipHolder::restore_flushed() {
    require_own_namespace("restore the VIPs");
    std::vector<IpAddress> restored;
    if (!held_) return restored;
    NetlinkSocket netlink;
    const int if_index = query_link(netlink, options_.ifname).index;
    const std::vector<InterfacePrefix> on_if = query_addresses(netlink, if_index);
    for (const auto& held : state_.added_addresses) {
        if (held.ifname != options_.ifname || contains_address(on_if, held.address)) continue;
        const int error = change_address(netlink, AddressChange::add, if_index, held.address, held.prefix_length,
                                         held.address.is_v6() ? ipv6_vip_flags : AddressFlags{});
        if (error != 0 && error != EEXIST) throw_system_error("add back VIP " + describe(held), error);
        restored.push_back(held.address);
    }
    return restored;
}

void VipHolder::hold() {
    require_own_namespace("hold the VIPs");
    if (held_) return;
    const std::optional<VipHoldState> previous = load_vip_hold_state(state_file_);
    if (previous && (previous->ifname != options_.ifname || previous->netns != netns_)) {
        throw std::runtime_error("the VIP state file " + state_file_.string() + " belongs to interface " +
                                 previous->ifname + " in network namespace " + previous->netns.to_string() + ", not " +
                                 options_.ifname + " in " + netns_.to_string() +
                                 ": give each namespace its own state directory, or remove the file if "
                                 "that namespace no longer exists");
    }

    // Look everything up before changing anything: a missing interface fails here, with nothing done.
    NetlinkSocket netlink;
    const int if_index = query_link(netlink, options_.ifname).index;
    const int lo_index = query_link(netlink, loopback).index;
    const auto index_of = [&](const HeldAddress& held) { return held.ifname == loopback ? lo_index : if_index; };
    const std::vector<InterfacePrefix> on_lo = query_addresses(netlink, lo_index);
    const std::vector<InterfacePrefix> on_if = query_addresses(netlink, if_index);

    VipHoldState state = previous.value_or(VipHoldState{.ifname = options_.ifname, .netns = netns_});
    const auto sysctls = vip_sysctls(options_.ifname, options_.vips);
    std::vector<std::string> found;
    for (const auto& [key, wanted] : sysctls) {
        found.push_back(read_sysctl(key));
        // Adopting: the value now is our own; the original is the one recorded.
        state.original_sysctls.try_emplace(key, found.back());
    }
    std::vector<HeldAddress> to_add;
    for (const auto& vip : options_.vips) {
        const HeldAddress held = placement(options_.ifname, vip);
        if (contains_address(held.ifname == loopback ? on_lo : on_if, vip)) continue;  // ours or not, it is there
        if (std::ranges::find(to_add, held) != to_add.end()) continue;
        to_add.push_back(held);
        if (std::ranges::find(state.added_addresses, held) == state.added_addresses.end()) {
            state.added_addresses.push_back(held);
        }
    }
    std::vector<HeldAddress> stale;  // added by an earlier xvipd for a VIP no longer configured
    for (const auto& held : state.added_addresses) {
        const bool configured = std::ranges::any_of(
            options_.vips, [&](const IpAddress& vip) { return placement(options_.ifname, vip) == held; });
        if (!configured) stale.push_back(held);
    }

    // Write ahead: a crash from here on leaves a file that covers every change made.
    save_vip_hold_state(state_file_, state);
    Journal journal;
    try {
        for (std::size_t i = 0; i < sysctls.size(); ++i) {
            const auto& [key, wanted] = sysctls[i];
            if (found[i] == wanted) continue;
            write_sysctl(key, wanted);
            journal.sysctls_before.emplace_back(key, found[i]);
        }
        for (const auto& held : to_add) {
            const int index = index_of(held);
            const int error = change_address(netlink, AddressChange::add, index, held.address, held.prefix_length,
                                             held.address.is_v6() ? ipv6_vip_flags : AddressFlags{});
            if (error == EEXIST) {  // appeared since we looked: someone else's, leave it to them
                std::erase(state.added_addresses, held);
                continue;
            }
            if (error != 0) throw_system_error("add VIP " + describe(held), error);
            journal.addresses_added.emplace_back(held, index);
        }
        for (const auto& held : stale) {
            const int index = held.ifname == loopback          ? lo_index
                              : held.ifname == options_.ifname ? if_index
                                                               : query_link(netlink, held.ifname).index;
            const int error = change_address(netlink, AddressChange::remove, index, held.address, held.prefix_length);
            if (error != 0 && error != EADDRNOTAVAIL) {
                throw_system_error("remove " + describe(held) + ", a VIP no longer configured", error);
            }
            std::erase(state.added_addresses, held);
        }
        save_vip_hold_state(state_file_, state);
    } catch (...) {
        journal.undo(netlink);
        try {
            if (previous) {
                save_vip_hold_state(state_file_, *previous);
            } else {
                remove_vip_hold_state(state_file_);
            }
        } catch (...) {
            // The first failure is the one to report.
        }
        throw;
    }
    state_ = std::move(state);
    adopted_ = previous.has_value();
    held_ = true;
}

void VipHolder::release() {
    require_own_namespace("release the VIPs");
    std::optional<VipHoldState> state;
    if (held_) {
        state = state_;
    } else {
        state = load_vip_hold_state(state_file_);
        if (!state) return;  // nothing held, nothing recorded
        if (state->netns != netns_) {
            throw std::runtime_error("the VIP state file " + state_file_.string() + " belongs to network namespace " +
                                     state->netns.to_string() + ", not " + netns_.to_string());
        }
    }
    std::vector<std::string> failures;
    int first_error = 0;
    const auto failed = [&](const std::string& what, int error) {
        failures.push_back(what + ": " + std::generic_category().message(error));
        if (first_error == 0) first_error = error;
    };

    // Addresses first, sysctls after: the kernel must never hold a VIP without the ARP settings.
    NetlinkSocket netlink;
    std::vector<HeldAddress> remaining;
    for (const auto& held : state->added_addresses) {
        int index = 0;
        try {
            index = query_link(netlink, held.ifname).index;
        } catch (const std::system_error& e) {
            if (e.code().value() == ENODEV) continue;  // the interface went, and its addresses with it
            failed("look up " + held.ifname + " to remove " + describe(held), e.code().value());
            remaining.push_back(held);
            continue;
        }
        const int error = change_address(netlink, AddressChange::remove, index, held.address, held.prefix_length);
        if (error != 0 && error != EADDRNOTAVAIL) {
            failed("remove VIP " + describe(held), error);
            remaining.push_back(held);
        }
    }
    for (const auto& [key, original] : state->original_sysctls) {
        try {
            write_sysctl(key, original);
        } catch (const std::system_error& e) {
            // An interface that is gone took its sysctls with it.
            if (e.code().value() == ENOENT) continue;
            failed("restore " + sysctl_path(key) + " to " + original, e.code().value());
        }
    }

    if (failures.empty()) {
        remove_vip_hold_state(state_file_);
        held_ = false;
        return;
    }
    state->added_addresses = remaining;
    save_vip_hold_state(state_file_, *state);  // what is left, for a retry
    state_ = *state;
    std::string message = "release the VIPs of " + options_.ifname + " (state kept in " + state_file_.string() + ")";
    for (const auto& failure : failures) message += "; " + failure;
    throw std::system_error(first_error, std::generic_category(), message);
}

void VipHolder::keep() {
    require_own_namespace("keep the VIPs");
    held_ = false;
}

}  // namespace xvip
