// VRRP advertisements to and from the bytes that follow the IP header (RFC 3768 §5 for v2,
// RFC 5798 §5.2 for v3). Decoding never throws and never reads outside the span, whatever the input;
// anything a peer could send that is not a well-formed advert comes back as a DiscardReason.
//
// What is decided here rather than left to the receive filter:
//  - The length must be exact: header, `count` addresses, and for v2 the 8 auth bytes. Shorter is
//    `truncated`; longer, or a count of zero (RFC 5798 §5.2.5: the minimum is 1), is
//    `bad_address_count`. Ethernet padding never reaches here: parse_ipv4_vrrp_packet trims to the
//    IP total length, and the kernel does the same for IPv6.
//  - An interval of zero is `bad_interval`: a backup would compute a Master_Down_Interval of little
//    more than the skew time and take over at once.
//  - v2 exists only over IPv4 (RFC 3768): v2 in an IPv6 packet is `bad_version`.
//  - v2 auth types other than 0, 1, 2 are `auth_mismatch` (we never use one). With auth type 0 the
//    auth data is ignored on reception (RFC 3768 §5.3.10) and reads back as zeros.
//  - v3 reserved bits are ignored on reception (RFC 5798 §5.2.6).
//  - An IPv6 advert whose first address is not link-local is accepted and can be encoded.
//    RFC 5798 §5.2.9 puts that MUST on the sender's configuration, §7.1 does not ask receivers to
//    check it, and keepalived only logs it (refusing it only in strict mode, never for unicast), so
//    keepalived peers configured that way exist. Requiring it is the configuration's business.
//
// Everything that decodes can be encoded again (with the checksum form it was decoded with) and
// decodes to the same Advert; the fuzz target checks that.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "codec/advert.hpp"
#include "codec/checksum_form.hpp"
#include "codec/discard_reason.hpp"
#include "codec/value_or_error.hpp"
#include "common/ip_address.hpp"

namespace xvip {

inline constexpr std::uint8_t ip_protocol_vrrp = 112;
inline constexpr std::uint8_t vrrp_ttl = 255;  // RFC 5798 §5.1.1.3, §5.1.2.3

// The IP header fields an advert's meaning and checksum depend on: from the received packet
// (parse_ipv4_vrrp_packet, or recvmsg's address and IPV6_PKTINFO for IPv6), or the ones it will be
// sent with. Source and destination must both be of `family`.
struct IpEnvelope {
    AddressFamily family = AddressFamily::ipv4;
    IpAddress source;
    IpAddress destination;
};

struct DecodedAdvert {
    Advert advert;
    ChecksumForm checksum_form = ChecksumForm::message_only;  // the form the sender used
};

// Why an Advert cannot be put on the wire.
enum class EncodeError : std::uint8_t {
    envelope_family_mismatch,      // envelope source/destination not of the envelope's family
    unknown_version,               // neither v2 nor v3
    v2_needs_ipv4,                 // RFC 3768 is IPv4 only
    interval_out_of_range,         // v3: not 1..4095 cs; v2: not 1..255 s
    interval_not_whole_seconds,    // v2 carries whole seconds
    no_addresses,                  // RFC 5798 §5.2.5: at least one
    too_many_addresses,            // the count is 8 bits
    address_family_mismatch,       // an address not of the envelope's family
    unknown_auth_type,             // v2 auth type not 0, 1 or 2
    checksum_form_not_applicable,  // e.g. a pseudo-header for v2, or message-only over IPv6
};

std::string_view to_string(EncodeError error);

using AdvertDecodeResult = ValueOrError<DecodedAdvert, DiscardReason>;
using AdvertEncodeResult = ValueOrError<std::vector<std::uint8_t>, EncodeError>;

// Decodes the VRRP message `message` received in `envelope`. For v3 over IPv4 the checksum is tried
// in the forms ipv4_pseudo_header, ipv4_pseudo_header_vrrp_group, message_only, and the first that
// matches is reported.
AdvertDecodeResult decode_advert(std::span<const std::uint8_t> message, const IpEnvelope& envelope);

// The checksum form xvip sends by default: keepalived's (the pseudo-header with the real
// destination for v3 over IPv4), and the only one possible otherwise.
ChecksumForm default_checksum_form(VrrpVersion version, AddressFamily family);

// The VRRP message for `advert` as it will be sent in `envelope`, checksum included.
AdvertEncodeResult encode_advert(const Advert& advert, const IpEnvelope& envelope, ChecksumForm checksum_form);
AdvertEncodeResult encode_advert(const Advert& advert, const IpEnvelope& envelope);

}  // namespace xvip
