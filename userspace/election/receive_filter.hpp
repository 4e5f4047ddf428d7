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

struct ReceiveConfig {
    VrrpVersion version = VrrpVersion::v3;
    std::uint8_t vrid = 0;
    Duration advert_interval = std::chrono::seconds(1);  // checked for v2 only
    std::vector<IpAddress> virtual_addresses;
    // Our own source address(es) on this interface; an advert from one of them is our own echo.
    std::vector<IpAddress> own_addresses;
    // Empty: multicast. Otherwise only these sources are accepted.
    std::vector<IpAddress> unicast_peers;
    AuthType auth_type = AuthType::none;  // v2 only
    std::array<std::uint8_t, 8> auth_data{};
    // RFC: TTL/hop limit must be 255. keepalived skips the check for unicast peers (which may be
    // routed); set false to do the same.
    bool check_ttl_for_unicast = true;
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
