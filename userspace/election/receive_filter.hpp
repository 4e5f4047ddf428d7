// The RFC 5798 §7.1 / RFC 3768 §7.1 receive checks that need this instance's configuration,
// applied after the decoder has checked the bytes (length, type, checksum). What passes goes to
// the Election as an AdvertReceived.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "codec/advert.hpp"
#include "codec/discard_reason.hpp"
#include "common/ip_address.hpp"
#include "election/timing.hpp"

namespace xvip {

// A unicast peer as the filter sees it: the address its adverts must come from, and the TTL (IPv6:
// hop limit) they may arrive with (keepalived's unicast_peer `min_ttl` / `max_ttl`; by default
// any, as keepalived: a unicast peer may be routed, and keepalived sends IPv6 unicast adverts with
// the kernel's default hop limit).
struct AcceptedPeer {
    IpAddress address;
    std::uint8_t min_ttl = 0;
    std::uint8_t max_ttl = 255;

    AcceptedPeer() = default;
    AcceptedPeer(IpAddress peer_address, std::uint8_t min = 0, std::uint8_t max = 255)  // NOLINT: implicit
        : address(peer_address), min_ttl(min), max_ttl(max) {}
    bool admits(std::uint8_t ttl) const { return ttl >= min_ttl && ttl <= max_ttl; }
    friend bool operator==(const AcceptedPeer&, const AcceptedPeer&) = default;
};

struct ReceiveConfig {
    VrrpVersion version = VrrpVersion::v3;
    std::uint8_t vrid = 0;
    Duration advert_interval = std::chrono::seconds(1);  // checked for v2 only
    std::vector<IpAddress> virtual_addresses;
    // Our own source address(es) on this interface; an advert from one of them is our own echo.
    std::vector<IpAddress> own_addresses;
    // Empty: multicast, and the TTL / hop limit must be 255 (RFC 5798 §7.1, RFC 3768 §7.1).
    // Otherwise only these sources are accepted (`not_a_peer`), each within its TTL range, and
    // the RFC's 255 is not required: keepalived's vrrp_check_packet skips it for unicast.
    std::vector<AcceptedPeer> unicast_peers;
    AuthType auth_type = AuthType::none;  // v2 only
    std::array<std::uint8_t, 8> auth_data{};
    // RFC §7.1: an address-list mismatch drops the advert unless it comes from the owner (255).
    // keepalived only logs and counts it; set true for that.
    bool accept_address_mismatch = false;
};

// How the advert arrived, from the IP header and the socket.
struct ReceiveMetadata {
    std::uint8_t ttl = 255;  // TTL or hop limit
    IpAddress source;
    IpAddress destination;
    bool unicast = false;  // sent to our address rather than the VRRP group
};

struct AddressMismatch {
    IpAddress source;
    std::vector<IpAddress> ours;
    std::vector<IpAddress> theirs;
};

struct ReceiveVerdict {
    std::optional<DiscardReason> discard;
    // Set the first time a given sender shows a given differing list, so the caller logs it
    // once with both lists. Also set for an owner's advert that is accepted regardless.
    std::optional<AddressMismatch> new_mismatch;

    bool accepted() const { return !discard; }
};

class ReceiveFilter {
public:
    explicit ReceiveFilter(ReceiveConfig config);

    ReceiveVerdict check(const Advert& advert, const ReceiveMetadata& meta);
    const ReceiveConfig& config() const { return config_; }

private:
    bool same_addresses(const std::vector<IpAddress>& theirs) const;
    bool auth_matches(const Advert& advert) const;
    // Remembers what was reported; bounded so a flood of forged lists cannot grow it.
    bool first_report(const IpAddress& source, const std::vector<IpAddress>& theirs);

    ReceiveConfig config_;
    std::vector<IpAddress> sorted_vips_;
    std::vector<AddressMismatch> reported_;
};

}  // namespace xvip
