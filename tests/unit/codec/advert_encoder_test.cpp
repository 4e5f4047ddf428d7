// What cannot be put on the wire is refused with a reason, never thrown; the rest is laid out as
// RFC 3768 §5.1 / RFC 5798 §5.1 say.
#include <gtest/gtest.h>

#include "codec/advert_codec.hpp"

namespace xvip {
namespace {

const IpEnvelope ipv4_multicast{AddressFamily::ipv4, *IpAddress::parse("10.0.0.1"), *IpAddress::parse("224.0.0.18")};
const IpEnvelope ipv6_multicast{AddressFamily::ipv6, *IpAddress::parse("fe80::1"), *IpAddress::parse("ff02::12")};

Advert valid_v2() {
    Advert a;
    a.version = VrrpVersion::v2;
    a.vrid = 7;
    a.priority = 100;
    a.interval_cs = 100;
    a.addresses = {*IpAddress::parse("10.0.0.100")};
    return a;
}

Advert valid_v3_ipv6() {
    Advert a;
    a.version = VrrpVersion::v3;
    a.vrid = 9;
    a.priority = 200;
    a.interval_cs = 4095;
    a.addresses = {*IpAddress::parse("fe80::9"), *IpAddress::parse("2001:db8::9")};
    return a;
}

EncodeError error_of(const Advert& advert, const IpEnvelope& envelope) {
    const auto encoded = encode_advert(advert, envelope);
    EXPECT_FALSE(encoded);
    return encoded ? EncodeError::unknown_version : encoded.error();
}

TEST(AdvertEncoder, RefusesV2IntervalsItCannotCarry) {
    for (int interval : {0, 25600, 65535}) {
        auto a = valid_v2();
        a.interval_cs = static_cast<std::uint16_t>(interval);
        EXPECT_EQ(error_of(a, ipv4_multicast), EncodeError::interval_out_of_range) << interval;
    }
    for (int interval : {10, 150, 25499}) {
        auto a = valid_v2();
        a.interval_cs = static_cast<std::uint16_t>(interval);
        EXPECT_EQ(error_of(a, ipv4_multicast), EncodeError::interval_not_whole_seconds) << interval;
    }
    auto longest = valid_v2();
    longest.interval_cs = 25500;
    const auto encoded = encode_advert(longest, ipv4_multicast);
    ASSERT_TRUE(encoded);
    EXPECT_EQ((*encoded)[5], 255);
}

TEST(AdvertEncoder, RefusesV3IntervalsItCannotCarry) {
    for (int interval : {0, 4096, 65535}) {
        auto a = valid_v3_ipv6();
        a.interval_cs = static_cast<std::uint16_t>(interval);
        EXPECT_EQ(error_of(a, ipv6_multicast), EncodeError::interval_out_of_range) << interval;
    }
}

TEST(AdvertEncoder, RefusesEmptyAndOverlongAddressLists) {
    auto none = valid_v2();
    none.addresses.clear();
    EXPECT_EQ(error_of(none, ipv4_multicast), EncodeError::no_addresses);

    auto many = valid_v2();
    many.addresses.assign(256, *IpAddress::parse("10.0.0.100"));
    EXPECT_EQ(error_of(many, ipv4_multicast), EncodeError::too_many_addresses);
    many.addresses.resize(255);
    const auto encoded = encode_advert(many, ipv4_multicast);
    ASSERT_TRUE(encoded);
    EXPECT_EQ((*encoded)[3], 255);
    EXPECT_EQ(encoded->size(), 8u + 255 * 4 + 8);
}

TEST(AdvertEncoder, RefusesMixedFamilies) {
    auto mixed = valid_v3_ipv6();
    mixed.addresses.push_back(*IpAddress::parse("10.0.0.1"));
    EXPECT_EQ(error_of(mixed, ipv6_multicast), EncodeError::address_family_mismatch);

    EXPECT_EQ(error_of(valid_v3_ipv6(), ipv4_multicast), EncodeError::address_family_mismatch);

    IpEnvelope bad_envelope = ipv6_multicast;
    bad_envelope.source = *IpAddress::parse("10.0.0.1");
    EXPECT_EQ(error_of(valid_v3_ipv6(), bad_envelope), EncodeError::envelope_family_mismatch);
}

TEST(AdvertEncoder, RefusesV2OverIpv6) {
    auto a = valid_v2();
    a.addresses = {*IpAddress::parse("fe80::1")};
    EXPECT_EQ(error_of(a, ipv6_multicast), EncodeError::v2_needs_ipv4);
}

TEST(AdvertEncoder, RefusesUnknownVersionAndAuthType) {
    auto version = valid_v2();
    version.version = static_cast<VrrpVersion>(4);
    EXPECT_EQ(error_of(version, ipv4_multicast), EncodeError::unknown_version);

    auto auth = valid_v2();
    auth.auth_type = static_cast<AuthType>(3);
    EXPECT_EQ(error_of(auth, ipv4_multicast), EncodeError::unknown_auth_type);
}

TEST(AdvertEncoder, RefusesChecksumFormsThatDoNotApply) {
    for (auto form : {ChecksumForm::ipv4_pseudo_header, ChecksumForm::ipv4_pseudo_header_vrrp_group,
                      ChecksumForm::ipv6_pseudo_header}) {
        const auto encoded = encode_advert(valid_v2(), ipv4_multicast, form);
        ASSERT_FALSE(encoded);
        EXPECT_EQ(encoded.error(), EncodeError::checksum_form_not_applicable);
    }
    for (auto form :
         {ChecksumForm::message_only, ChecksumForm::ipv4_pseudo_header, ChecksumForm::ipv4_pseudo_header_vrrp_group}) {
        const auto encoded = encode_advert(valid_v3_ipv6(), ipv6_multicast, form);
        ASSERT_FALSE(encoded);
        EXPECT_EQ(encoded.error(), EncodeError::checksum_form_not_applicable);
    }
}

TEST(AdvertEncoder, LaysOutV3Ipv6AsRfc5798Says) {
    const auto encoded = encode_advert(valid_v3_ipv6(), ipv6_multicast);
    ASSERT_TRUE(encoded);
    const std::vector<std::uint8_t> header = {0x31, 9, 200, 2, 0x0f, 0xff};
    EXPECT_TRUE(std::equal(header.begin(), header.end(), encoded->begin()));
    EXPECT_EQ(encoded->size(), 8u + 2 * 16);
}

TEST(AdvertEncoder, AcceptsIpv6WhoseFirstAddressIsNotLinkLocal) {
    // keepalived sends these (it only logs), so xvip must read and may write them.
    auto a = valid_v3_ipv6();
    std::swap(a.addresses[0], a.addresses[1]);
    const auto encoded = encode_advert(a, ipv6_multicast);
    ASSERT_TRUE(encoded);
    const auto decoded = decode_advert(*encoded, ipv6_multicast);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->advert, a);
}

TEST(AdvertEncoder, SendsNoAuthDataWithoutAuthentication) {
    // RFC 3768 §5.3.10: zeros on transmission when the auth type is 0.
    auto a = valid_v2();
    a.auth_data = {1, 2, 3, 4, 5, 6, 7, 8};
    const auto encoded = encode_advert(a, ipv4_multicast);
    ASSERT_TRUE(encoded);
    EXPECT_TRUE(std::all_of(encoded->end() - 8, encoded->end(), [](auto b) { return b == 0; }));
}

TEST(AdvertEncoder, ErrorsHaveNames) {
    EXPECT_EQ(to_string(EncodeError::interval_out_of_range), "interval_out_of_range");
    EXPECT_EQ(to_string(EncodeError::checksum_form_not_applicable), "checksum_form_not_applicable");
}

}  // namespace
}  // namespace xvip
