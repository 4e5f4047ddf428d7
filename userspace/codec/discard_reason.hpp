// Why a received advert was not given to the election (RFC 5798 §7.1, RFC 3768 §7.1). Every discard
// is counted under exactly one of these; the daemon exports the counts by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xvip {

enum class DiscardReason : std::uint8_t {
    // Found by the decoder (advert_codec.hpp): the bytes themselves are wrong.
    truncated,          // shorter than its header or than the address count says
    bad_ip_header,      // the IPv4 header around it is not a plain VRRP packet
    bad_ttl,            // TTL / hop limit is not 255
    bad_version,        // neither 2 nor 3, or not the version configured
    bad_type,           // type is not 1 (advertisement)
    bad_checksum,       // in none of the accepted forms
    bad_address_count,  // zero addresses, or a count that does not fit the length
    bad_interval,       // advert interval of zero: no timer can be derived from it
    // Found by the receive filter, against the instance's configuration.
    unknown_vrid,       // no instance here for this VRID and address family
    auth_mismatch,      // v2: auth type or password differs from ours
    interval_mismatch,  // v2: advert interval differs from ours
    address_mismatch,   // address list differs from ours
    not_a_peer,         // unicast: the source is not one of the configured peers
    own_advert,         // our own advert looped back
};

inline constexpr std::size_t discard_reason_count = 14;

constexpr std::string_view to_string(DiscardReason reason) {
    switch (reason) {
        case DiscardReason::truncated: return "truncated";
        case DiscardReason::bad_ip_header: return "bad_ip_header";
        case DiscardReason::bad_ttl: return "bad_ttl";
        case DiscardReason::bad_version: return "bad_version";
        case DiscardReason::bad_type: return "bad_type";
        case DiscardReason::bad_checksum: return "bad_checksum";
        case DiscardReason::bad_address_count: return "bad_address_count";
        case DiscardReason::bad_interval: return "bad_interval";
        case DiscardReason::unknown_vrid: return "unknown_vrid";
        case DiscardReason::auth_mismatch: return "auth_mismatch";
        case DiscardReason::interval_mismatch: return "interval_mismatch";
        case DiscardReason::address_mismatch: return "address_mismatch";
        case DiscardReason::not_a_peer: return "not_a_peer";
        case DiscardReason::own_advert: return "own_advert";
    }
    return "unknown";
}

}  // namespace xvip
