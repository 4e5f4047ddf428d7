// v3 over IPv4 arrives with its checksum in one of three forms; the decoder accepts each and says
// which, and the encoder can produce each. The vectors are keepalived's own bytes, or were summed
// by hand (noted where).
#include <gtest/gtest.h>

#include "codec/advert_codec.hpp"
#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

const IpAddress sender = *IpAddress::parse("10.88.0.11");
const IpAddress peer = *IpAddress::parse("10.88.0.12");
const IpAddress vrrp_group = *IpAddress::parse("224.0.0.18");

// The priority-150 v3 advert of the fixtures, VRID 51, 10 cs, 10.88.0.50 and .51, with the
// checksum left for each test to fill in.
std::vector<std::uint8_t> v3_advert_with_checksum(std::uint8_t high, std::uint8_t low) {
    return {0x31, 0x33, 0x96, 0x02, 0x00, 0x0a, high, low, 0x0a, 0x58, 0x00, 0x32, 0x0a, 0x58, 0x00, 0x33};
}

Advert v3_advert() {
    Advert a;
    a.version = VrrpVersion::v3;
    a.vrid = 51;
    a.priority = 150;
    a.interval_cs = 10;
    a.addresses = {*IpAddress::parse("10.88.0.50"), *IpAddress::parse("10.88.0.51")};
    return a;
}

TEST(ChecksumForm, UnicastWithRealDestinationIsKeepalivedsDefault) {
    // 0x0e64: v3-ucast.pcap, 10.88.0.11 -> 10.88.0.12.
    const auto decoded = decode_advert(v3_advert_with_checksum(0x0e, 0x64), {AddressFamily::ipv4, sender, peer});
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(decoded->checksum_form, ChecksumForm::ipv4_pseudo_header);
    EXPECT_EQ(decoded->advert, v3_advert());
}

TEST(ChecksumForm, UnicastSummedWithTheGroupIsOldKeepalived) {
    // 0x38b5: v3-mcast.pcap, i.e. summed with 224.0.0.18, as keepalived < 1.3.6 also did for unicast.
    const IpEnvelope unicast{AddressFamily::ipv4, sender, peer};
    const auto decoded = decode_advert(v3_advert_with_checksum(0x38, 0xb5), unicast);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(decoded->checksum_form, ChecksumForm::ipv4_pseudo_header_vrrp_group);
    EXPECT_EQ(decoded->advert, v3_advert());

    const auto encoded = encode_advert(v3_advert(), unicast, ChecksumForm::ipv4_pseudo_header_vrrp_group);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(*encoded, v3_advert_with_checksum(0x38, 0xb5));
}

TEST(ChecksumForm, MessageOnlyIsAcceptedForMulticastAndUnicast) {
    // Summed by hand: 3133+9602+000a+0a58+0032+0a58+0033 = dc54, complement 23ab.
    const auto message_only = v3_advert_with_checksum(0x23, 0xab);
    for (const IpAddress& destination : {peer, vrrp_group}) {
        const IpEnvelope envelope{AddressFamily::ipv4, sender, destination};
        const auto decoded = decode_advert(message_only, envelope);
        ASSERT_TRUE(decoded) << to_string(decoded.error());
        EXPECT_EQ(decoded->checksum_form, ChecksumForm::message_only);

        const auto encoded = encode_advert(v3_advert(), envelope, ChecksumForm::message_only);
        ASSERT_TRUE(encoded);
        EXPECT_EQ(*encoded, message_only);
    }
}

TEST(ChecksumForm, MulticastPseudoHeaderIsReportedAsTheRealDestinationForm) {
    // With 224.0.0.18 as destination both pseudo-header forms are the same bytes; report the default.
    const auto decoded = decode_advert(v3_advert_with_checksum(0x38, 0xb5), {AddressFamily::ipv4, sender, vrrp_group});
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->checksum_form, ChecksumForm::ipv4_pseudo_header);
}

TEST(ChecksumForm, DefaultsAreKeepalivedsDefaults) {
    EXPECT_EQ(default_checksum_form(VrrpVersion::v2, AddressFamily::ipv4), ChecksumForm::message_only);
    EXPECT_EQ(default_checksum_form(VrrpVersion::v3, AddressFamily::ipv4), ChecksumForm::ipv4_pseudo_header);
    EXPECT_EQ(default_checksum_form(VrrpVersion::v3, AddressFamily::ipv6), ChecksumForm::ipv6_pseudo_header);
}

TEST(ChecksumForm, HasNames) {
    EXPECT_EQ(to_string(ChecksumForm::message_only), "message_only");
    EXPECT_EQ(to_string(ChecksumForm::ipv4_pseudo_header), "ipv4_pseudo_header");
    EXPECT_EQ(to_string(ChecksumForm::ipv4_pseudo_header_vrrp_group), "ipv4_pseudo_header_vrrp_group");
    EXPECT_EQ(to_string(ChecksumForm::ipv6_pseudo_header), "ipv6_pseudo_header");
}

}  // namespace
}  // namespace xvip::test
