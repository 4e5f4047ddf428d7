#include "codec/advert_codec.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "codec/big_endian.hpp"
#include "codec/inet_checksum.hpp"

namespace xvip {

namespace {

// Layout shared by v2 and v3 (RFC 3768 §5.1, RFC 5798 §5.1):
//   0 version<<4 | type   1 VRID   2 priority   3 count
//   4..5 v2: auth type, adver int (s) | v3: 4 reserved bits, max adver int (cs, 12 bits)
//   6..7 checksum   8.. addresses   then, v2 only, 8 bytes of auth data
constexpr std::size_t header_size = 8;
constexpr std::size_t checksum_offset = 6;
constexpr std::size_t v2_auth_data_size = 8;
constexpr std::uint8_t type_advertisement = 1;
constexpr std::uint16_t v3_interval_mask = 0x0fff;
constexpr std::uint16_t v3_max_interval_cs = 4095;
constexpr std::uint16_t v2_max_interval_s = 255;
constexpr std::size_t max_address_count = 255;

// keepalived before 1.3.6 put this in the pseudo-header even for unicast adverts.
const IpAddress vrrp_ipv4_group = IpAddress::v4({224, 0, 0, 18});

std::size_t address_size(AddressFamily family) {
    return family == AddressFamily::ipv4 ? 4 : 16;
}

bool envelope_is_consistent(const IpEnvelope& envelope) {
    return envelope.source.family() == envelope.family && envelope.destination.family() == envelope.family;
}

bool form_applies(ChecksumForm form, VrrpVersion version, AddressFamily family) {
    if (family == AddressFamily::ipv6) return form == ChecksumForm::ipv6_pseudo_header;
    if (version == VrrpVersion::v2) return form == ChecksumForm::message_only;
    return form != ChecksumForm::ipv6_pseudo_header;
}

// The checksum field value for `message` (whose own checksum field is read as zero).
std::uint16_t checksum_for(std::span<const std::uint8_t> message, const IpEnvelope& envelope, ChecksumForm form) {
    InetChecksum sum;
    const auto length = static_cast<std::uint32_t>(message.size());
    switch (form) {
        case ChecksumForm::message_only: break;
        case ChecksumForm::ipv4_pseudo_header:
        case ChecksumForm::ipv6_pseudo_header:
            sum.add_pseudo_header(envelope.source, envelope.destination, ip_protocol_vrrp, length);
            break;
        case ChecksumForm::ipv4_pseudo_header_vrrp_group:
            sum.add_pseudo_header(envelope.source, vrrp_ipv4_group, ip_protocol_vrrp, length);
            break;
    }
    sum.add(message.first(checksum_offset));
    sum.add16(0);
    sum.add(message.subspan(checksum_offset + 2));
    return sum.finish();
}

std::optional<ChecksumForm> matching_checksum_form(std::span<const std::uint8_t> message, const IpEnvelope& envelope,
                                                   VrrpVersion version) {
    static constexpr std::array v3_ipv4_forms = {
        ChecksumForm::ipv4_pseudo_header, ChecksumForm::ipv4_pseudo_header_vrrp_group, ChecksumForm::message_only};
    const std::uint16_t received = big_endian::load16(message, checksum_offset);
    const auto matches = [&](ChecksumForm form) { return checksum_for(message, envelope, form) == received; };
    if (envelope.family == AddressFamily::ipv6) {
        if (matches(ChecksumForm::ipv6_pseudo_header)) return ChecksumForm::ipv6_pseudo_header;
        return std::nullopt;
    }
    if (version == VrrpVersion::v2) {
        if (matches(ChecksumForm::message_only)) return ChecksumForm::message_only;
        return std::nullopt;
    }
    for (ChecksumForm form : v3_ipv4_forms) {
        if (matches(form)) return form;
    }
    return std::nullopt;
}

std::optional<EncodeError> encode_problem(const Advert& advert, const IpEnvelope& envelope, ChecksumForm form) {
    if (!envelope_is_consistent(envelope)) return EncodeError::envelope_family_mismatch;
    if (advert.version != VrrpVersion::v2 && advert.version != VrrpVersion::v3) {
        return EncodeError::unknown_version;
    }
    const bool v2 = advert.version == VrrpVersion::v2;
    if (v2 && envelope.family != AddressFamily::ipv4) return EncodeError::v2_needs_ipv4;
    if (v2) {
        if (advert.interval_cs == 0 || advert.interval_cs > v2_max_interval_s * 100) {
            return EncodeError::interval_out_of_range;
        }
        if (advert.interval_cs % 100 != 0) return EncodeError::interval_not_whole_seconds;
        if (advert.auth_type != AuthType::none && advert.auth_type != AuthType::simple_password &&
            advert.auth_type != AuthType::ip_ah) {
            return EncodeError::unknown_auth_type;
        }
    } else if (advert.interval_cs == 0 || advert.interval_cs > v3_max_interval_cs) {
        return EncodeError::interval_out_of_range;
    }
    if (advert.addresses.empty()) return EncodeError::no_addresses;
    if (advert.addresses.size() > max_address_count) return EncodeError::too_many_addresses;
    for (const IpAddress& address : advert.addresses) {
        if (address.family() != envelope.family) return EncodeError::address_family_mismatch;
    }
    if (!form_applies(form, advert.version, envelope.family)) {
        return EncodeError::checksum_form_not_applicable;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(EncodeError error) {
    switch (error) {
        case EncodeError::envelope_family_mismatch: return "envelope_family_mismatch";
        case EncodeError::unknown_version: return "unknown_version";
        case EncodeError::v2_needs_ipv4: return "v2_needs_ipv4";
        case EncodeError::interval_out_of_range: return "interval_out_of_range";
        case EncodeError::interval_not_whole_seconds: return "interval_not_whole_seconds";
        case EncodeError::no_addresses: return "no_addresses";
        case EncodeError::too_many_addresses: return "too_many_addresses";
        case EncodeError::address_family_mismatch: return "address_family_mismatch";
        case EncodeError::unknown_auth_type: return "unknown_auth_type";
        case EncodeError::checksum_form_not_applicable: return "checksum_form_not_applicable";
    }
    return "unknown";
}

AdvertDecodeResult decode_advert(std::span<const std::uint8_t> message, const IpEnvelope& envelope) {
    // A caller's mistake rather than a peer's, but reported the same way: never trust, never throw.
    if (!envelope_is_consistent(envelope)) return DiscardReason::bad_ip_header;
    if (message.size() < header_size) return DiscardReason::truncated;

    const unsigned version_field = message[0] >> 4;
    if (version_field != 2 && version_field != 3) return DiscardReason::bad_version;
    const auto version = static_cast<VrrpVersion>(version_field);
    if (version == VrrpVersion::v2 && envelope.family != AddressFamily::ipv4) {
        return DiscardReason::bad_version;
    }
    if ((message[0] & 0x0f) != type_advertisement) return DiscardReason::bad_type;

    const std::size_t count = message[3];
    if (count == 0) return DiscardReason::bad_address_count;
    const std::size_t addresses_size = count * address_size(envelope.family);
    const std::size_t expected_size =
        header_size + addresses_size + (version == VrrpVersion::v2 ? v2_auth_data_size : 0);
    if (message.size() < expected_size) return DiscardReason::truncated;
    if (message.size() > expected_size) return DiscardReason::bad_address_count;

    const auto form = matching_checksum_form(message, envelope, version);
    if (!form) return DiscardReason::bad_checksum;

    DecodedAdvert decoded;
    decoded.checksum_form = *form;
    Advert& advert = decoded.advert;
    advert.version = version;
    advert.vrid = message[1];
    advert.priority = message[2];
    if (version == VrrpVersion::v2) {
        advert.interval_cs = static_cast<std::uint16_t>(message[5] * 100);
        const std::uint8_t auth_type = message[4];
        if (auth_type > static_cast<std::uint8_t>(AuthType::ip_ah)) {
            return DiscardReason::auth_mismatch;
        }
        advert.auth_type = static_cast<AuthType>(auth_type);
        if (advert.auth_type != AuthType::none) {
            const auto auth_data = message.subspan(header_size + addresses_size, v2_auth_data_size);
            std::copy(auth_data.begin(), auth_data.end(), advert.auth_data.begin());
        }
    } else {
        advert.interval_cs = big_endian::load16(message, 4) & v3_interval_mask;
    }
    if (advert.interval_cs == 0) return DiscardReason::bad_interval;

    const std::size_t size = address_size(envelope.family);
    advert.addresses.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        // from_bytes cannot fail: the span is exactly 4 or 16 bytes.
        advert.addresses.push_back(*IpAddress::from_bytes(message.subspan(header_size + i * size, size)));
    }
    return decoded;
}

ChecksumForm default_checksum_form(VrrpVersion version, AddressFamily family) {
    if (family == AddressFamily::ipv6) return ChecksumForm::ipv6_pseudo_header;
    return version == VrrpVersion::v2 ? ChecksumForm::message_only : ChecksumForm::ipv4_pseudo_header;
}

AdvertEncodeResult encode_advert(const Advert& advert, const IpEnvelope& envelope, ChecksumForm checksum_form) {
    if (auto problem = encode_problem(advert, envelope, checksum_form)) return *problem;

    const bool v2 = advert.version == VrrpVersion::v2;
    const std::size_t size = address_size(envelope.family);
    std::vector<std::uint8_t> message(header_size + advert.addresses.size() * size + (v2 ? v2_auth_data_size : 0));
    message[0] = static_cast<std::uint8_t>(static_cast<unsigned>(advert.version) << 4 | type_advertisement);
    message[1] = advert.vrid;
    message[2] = advert.priority;
    message[3] = static_cast<std::uint8_t>(advert.addresses.size());
    if (v2) {
        message[4] = static_cast<std::uint8_t>(advert.auth_type);
        message[5] = static_cast<std::uint8_t>(advert.interval_cs / 100);
    } else {
        big_endian::store16(message, 4, advert.interval_cs);  // reserved bits stay zero
    }
    auto cursor = message.begin() + header_size;
    for (const IpAddress& address : advert.addresses) {
        cursor = std::copy(address.bytes().begin(), address.bytes().end(), cursor);
    }
    // RFC 3768 §5.3.10: with no authentication the field is sent as zeros.
    if (v2 && advert.auth_type != AuthType::none) {
        std::copy(advert.auth_data.begin(), advert.auth_data.end(), cursor);
    }
    big_endian::store16(message, checksum_offset, checksum_for(message, envelope, checksum_form));
    return message;
}

AdvertEncodeResult encode_advert(const Advert& advert, const IpEnvelope& envelope) {
    return encode_advert(advert, envelope, default_checksum_form(advert.version, envelope.family));
}

}  // namespace xvip
