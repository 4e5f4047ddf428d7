// Every advert keepalived sent in the fixture captures decodes to the fields its README states, and
// encoding those fields gives back keepalived's bytes, checksum included.
#include <gtest/gtest.h>

#include "codec/advert_codec.hpp"
#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

Advert advert_from(const CaptureFacts& facts, std::uint8_t priority) {
    Advert a;
    a.version = facts.version;
    a.vrid = facts.vrid;
    a.priority = priority;
    a.interval_cs = facts.interval_cs;
    for (const auto& text : facts.addresses) a.addresses.push_back(*IpAddress::parse(text));
    a.auth_type = facts.auth_type;
    std::copy(facts.password.begin(), facts.password.end(), a.auth_data.begin());
    return a;
}

ChecksumForm keepalived_form(const CaptureFacts& facts) {
    if (facts.destination == "ff02::12") return ChecksumForm::ipv6_pseudo_header;
    return facts.version == VrrpVersion::v2 ? ChecksumForm::message_only : ChecksumForm::ipv4_pseudo_header;
}

class KeepalivedCapture : public ::testing::TestWithParam<CaptureFacts> {};

TEST_P(KeepalivedCapture, HoldsAdvertsAtItsPriorityThenOneAtZero) {
    const CaptureFacts& facts = GetParam();
    const auto capture = dissect_capture(facts.name);
    ASSERT_GE(capture.adverts.size(), 3u);
    EXPECT_GE(capture.adverts.size() - 1, facts.adverts_min);
    EXPECT_LE(capture.adverts.size() - 1, facts.adverts_max);
    for (std::size_t i = 0; i < capture.adverts.size(); ++i) {
        const auto& vrrp = capture.adverts[i].vrrp;
        ASSERT_GE(vrrp.size(), 3u);
        EXPECT_EQ(vrrp[2], i + 1 == capture.adverts.size() ? 0 : facts.priority) << "advert " << i;
        EXPECT_EQ(capture.adverts[i].ttl_or_hop_limit, 255) << "advert " << i;
    }
}

TEST_P(KeepalivedCapture, EveryAdvertDecodesToTheDocumentedFields) {
    const CaptureFacts& facts = GetParam();
    const auto capture = dissect_capture(facts.name);
    ASSERT_FALSE(capture.adverts.empty());
    for (std::size_t i = 0; i < capture.adverts.size(); ++i) {
        SCOPED_TRACE("advert " + std::to_string(i));
        const CapturedAdvert& captured = capture.adverts[i];
        if (facts.source.empty()) {
            EXPECT_TRUE(captured.envelope.source.is_link_local());
        } else {
            EXPECT_EQ(captured.envelope.source, *IpAddress::parse(facts.source));
        }
        EXPECT_EQ(captured.envelope.destination, *IpAddress::parse(facts.destination));

        const auto decoded = decode_advert(captured.vrrp, captured.envelope);
        ASSERT_TRUE(decoded) << to_string(decoded.error()) << "\n" << hex(captured.vrrp);
        const std::uint8_t priority = i + 1 == capture.adverts.size() ? 0 : facts.priority;
        EXPECT_EQ(decoded->advert, advert_from(facts, priority));
        EXPECT_EQ(decoded->checksum_form, keepalived_form(facts)) << to_string(decoded->checksum_form);
    }
}

TEST_P(KeepalivedCapture, EncodingTheDocumentedFieldsGivesKeepalivedsBytes) {
    const CaptureFacts& facts = GetParam();
    const auto capture = dissect_capture(facts.name);
    ASSERT_FALSE(capture.adverts.empty());
    for (std::size_t i = 0; i < capture.adverts.size(); ++i) {
        SCOPED_TRACE("advert " + std::to_string(i));
        const CapturedAdvert& captured = capture.adverts[i];
        const std::uint8_t priority = i + 1 == capture.adverts.size() ? 0 : facts.priority;
        // The default form is keepalived's default, so no form is passed.
        const auto encoded = encode_advert(advert_from(facts, priority), captured.envelope);
        ASSERT_TRUE(encoded) << to_string(encoded.error());
        EXPECT_EQ(hex(*encoded), hex(captured.vrrp));
    }
}

TEST_P(KeepalivedCapture, ChecksumIsTheOneTheReadmeDescribes) {
    // Checked with the slow reference sum, independently of the codec: v2 over the message only,
    // v3 over a pseudo-header with the packet's own destination, then the message.
    const CaptureFacts& facts = GetParam();
    const auto capture = dissect_capture(facts.name);
    for (const CapturedAdvert& captured : capture.adverts) {
        std::vector<std::uint8_t> covered;
        if (facts.version == VrrpVersion::v3) {
            const auto src = captured.envelope.source.bytes();
            const auto dst = captured.envelope.destination.bytes();
            covered.insert(covered.end(), src.begin(), src.end());
            covered.insert(covered.end(), dst.begin(), dst.end());
            const auto length = static_cast<std::uint8_t>(captured.vrrp.size());
            if (captured.envelope.family == AddressFamily::ipv4) {
                covered.insert(covered.end(), {0, 112, 0, length});
            } else {
                covered.insert(covered.end(), {0, 0, 0, length, 0, 0, 0, 112});
            }
        }
        covered.insert(covered.end(), captured.vrrp.begin(), captured.vrrp.end());
        EXPECT_EQ(reference_checksum(covered), 0) << hex(captured.vrrp);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, KeepalivedCapture, ::testing::ValuesIn(keepalived_captures()),
                         [](const auto& test_param) {
                             std::string name = test_param.param.name;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

}  // namespace
}  // namespace xvip::test
