#include "election/receive_filter.hpp"

#include <algorithm>

namespace xvip {

namespace {

constexpr std::uint8_t required_ttl = 255;
constexpr std::size_t max_reported_mismatches = 32;

bool contains(const std::vector<IpAddress>& list, const IpAddress& address) {
    return std::find(list.begin(), list.end(), address) != list.end();
}

const AcceptedPeer* find_peer(const std::vector<AcceptedPeer>& peers, const IpAddress& address) {
    const auto found =
        std::find_if(peers.begin(), peers.end(), [&](const AcceptedPeer& p) { return p.address == address; });
    return found == peers.end() ? nullptr : &*found;
}

std::vector<IpAddress> sorted(std::vector<IpAddress> list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    return list;
}

}  // namespace

ReceiveFilter::ReceiveFilter(ReceiveConfig config)
    : config_(std::move(config)), sorted_vips_(sorted(config_.virtual_addresses)) {}

ReceiveVerdict ReceiveFilter::check(const Advert& advert, const ReceiveMetadata& meta) {
    // A multicast instance holds every advert to the RFC's 255, whatever its destination. A
    // unicast instance does not (keepalived 2.2.7 vrrp.c, vrrp_check_packet: "MUST verify that the
    // IPv4 TTL/IPv6 HL is 255 (but not if unicast)"); it checks the peer's own range instead.
    const bool unicast_instance = !config_.unicast_peers.empty();
    if (!unicast_instance && meta.ttl != required_ttl) return {DiscardReason::bad_ttl, {}};
    if (advert.version != config_.version) return {DiscardReason::bad_version, {}};
    if (advert.vrid != config_.vrid) return {DiscardReason::unknown_vrid, {}};
    if (contains(config_.own_addresses, meta.source)) return {DiscardReason::own_advert, {}};
    if (unicast_instance) {
        // keepalived's check_unicast_src, always on here.
        const AcceptedPeer* peer = find_peer(config_.unicast_peers, meta.source);
        if (peer == nullptr) return {DiscardReason::not_a_peer, {}};
        if (!peer->admits(meta.ttl)) return {DiscardReason::bad_ttl, {}};
    }
    if (advert.version == VrrpVersion::v2) {
        if (!auth_matches(advert)) return {DiscardReason::auth_mismatch, {}};
        if (advert.interval_cs != to_centiseconds(config_.advert_interval)) {
            return {DiscardReason::interval_mismatch, {}};
        }
    }
    ReceiveVerdict verdict;
    if (!same_addresses(advert.addresses)) {
        if (first_report(meta.source, advert.addresses)) {
            verdict.new_mismatch = AddressMismatch{meta.source, config_.virtual_addresses, advert.addresses};
        }
        if (!config_.accept_address_mismatch && advert.priority != 255) {
            verdict.discard = DiscardReason::address_mismatch;
        }
    }
    return verdict;
}

bool ReceiveFilter::same_addresses(const std::vector<IpAddress>& theirs) const {
    // Order does not matter (keepalived compares as sets too); duplicates do not add anything.
    return sorted(theirs) == sorted_vips_;
}

bool ReceiveFilter::auth_matches(const Advert& advert) const {
    if (advert.auth_type != config_.auth_type) return false;
    // RFC 3768 §5.3.10: only simple-password auth carries a secret in the advert.
    return config_.auth_type != AuthType::simple_password || advert.auth_data == config_.auth_data;
}

bool ReceiveFilter::first_report(const IpAddress& source, const std::vector<IpAddress>& theirs) {
    const auto key = sorted(theirs);
    for (const auto& seen : reported_) {
        if (seen.source == source && seen.theirs == key) return false;
    }
    if (reported_.size() >= max_reported_mismatches) return false;
    reported_.push_back(AddressMismatch{source, {}, key});
    return true;
}

}  // namespace xvip
