// Decoding what a broken or hostile peer might send: every case comes back as the right
// DiscardReason, never as an exception or an out-of-bounds read (run under ASan to see the latter).
#include <gtest/gtest.h>

#include <random>

#include "codec/advert_codec.hpp"
#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

std::vector<CapturedAdvert> all_fixture_adverts() {
    std::vector<CapturedAdvert> all;
    for (const auto& facts : keepalived_captures()) {
        auto capture = dissect_capture(facts.name);
        all.insert(all.end(), capture.adverts.begin(), capture.adverts.end());
    }
    return all;
}

// Rewrites the checksum the way keepalived computes it (v2: message only; v3: pseudo-header with
// the real destination), using the reference sum rather than the codec.
void refresh_checksum(std::vector<std::uint8_t>& vrrp, const IpEnvelope& envelope) {
    vrrp[6] = vrrp[7] = 0;
    std::vector<std::uint8_t> covered;
    if (vrrp[0] >> 4 == 3) {
        const auto src = envelope.source.bytes();
        const auto dst = envelope.destination.bytes();
        covered.insert(covered.end(), src.begin(), src.end());
        covered.insert(covered.end(), dst.begin(), dst.end());
        const auto high = static_cast<std::uint8_t>(vrrp.size() >> 8);
        const auto low = static_cast<std::uint8_t>(vrrp.size());
        if (envelope.family == AddressFamily::ipv4) {
            covered.insert(covered.end(), {0, 112, high, low});
        } else {
            covered.insert(covered.end(), {0, 0, high, low, 0, 0, 0, 112});
        }
    }
    covered.insert(covered.end(), vrrp.begin(), vrrp.end());
    const std::uint16_t sum = reference_checksum(covered);
    vrrp[6] = static_cast<std::uint8_t>(sum >> 8);
    vrrp[7] = static_cast<std::uint8_t>(sum);
}

DiscardReason discard_reason_of(const std::vector<std::uint8_t>& vrrp, const IpEnvelope& envelope) {
    const auto decoded = decode_advert(vrrp, envelope);
    EXPECT_FALSE(decoded) << "decoded although it should not:\n" << hex(vrrp);
    return decoded ? DiscardReason::own_advert : decoded.error();
}

TEST(AdvertDecoderHostile, EveryTruncationOfEveryFixtureAdvertIsTruncated) {
    const auto adverts = all_fixture_adverts();
    ASSERT_GT(adverts.size(), 100u);
    for (const auto& captured : adverts) {
        for (std::size_t length = 0; length < captured.vrrp.size(); ++length) {
            const std::vector<std::uint8_t> cut(captured.vrrp.begin(),
                                                captured.vrrp.begin() + static_cast<std::ptrdiff_t>(length));
            EXPECT_EQ(discard_reason_of(cut, captured.envelope), DiscardReason::truncated)
                << "length " << length << " of\n"
                << hex(captured.vrrp);
        }
    }
}

TEST(AdvertDecoderHostile, WrongVersionIsBadVersion) {
    for (const auto& captured : all_fixture_adverts()) {
        for (int version : {0, 1, 4, 15}) {
            auto bad = captured.vrrp;
            bad[0] = static_cast<std::uint8_t>(version << 4 | (bad[0] & 0x0f));
            refresh_checksum(bad, captured.envelope);
            EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_version);
        }
    }
}

TEST(AdvertDecoderHostile, VersionTwoOverIpv6IsBadVersion) {
    // The v3 IPv6 advert relabelled v2 and given the 8 auth bytes a v2 advert would carry.
    const auto capture = dissect_capture("v3-ipv6");
    ASSERT_FALSE(capture.adverts.empty());
    auto bad = capture.adverts.front().vrrp;
    bad[0] = 0x21;
    bad.resize(bad.size() + 8, 0);
    EXPECT_EQ(discard_reason_of(bad, capture.adverts.front().envelope), DiscardReason::bad_version);
}

TEST(AdvertDecoderHostile, WrongTypeIsBadType) {
    for (const auto& captured : all_fixture_adverts()) {
        for (int type : {0, 2, 3, 15}) {
            auto bad = captured.vrrp;
            bad[0] = static_cast<std::uint8_t>((bad[0] & 0xf0) | type);
            refresh_checksum(bad, captured.envelope);
            EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_type);
        }
    }
}

TEST(AdvertDecoderHostile, AnyFlippedBitIsBadChecksum) {
    // Every single-bit error in a field the decoder otherwise accepts must be caught by the
    // checksum: bytes 1..2 (VRID, priority), 6.. (checksum, addresses, auth data).
    for (const auto& captured : all_fixture_adverts()) {
        for (std::size_t byte = 1; byte < captured.vrrp.size(); ++byte) {
            if (byte == 3) continue;               // the count: changes the expected length instead
            if (byte == 4 || byte == 5) continue;  // auth type / interval: see below
            for (int bit = 0; bit < 8; ++bit) {
                auto bad = captured.vrrp;
                bad[byte] ^= static_cast<std::uint8_t>(1 << bit);
                EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_checksum)
                    << "byte " << byte << " bit " << bit;
            }
        }
    }
}

TEST(AdvertDecoderHostile, ChecksumFromAnotherEnvelopeIsBadChecksum) {
    // A v3 advert is bound to its source and destination by the pseudo-header.
    const auto capture = dissect_capture("v3-ucast");
    ASSERT_FALSE(capture.adverts.empty());
    IpEnvelope spoofed = capture.adverts.front().envelope;
    spoofed.source = *IpAddress::parse("10.88.0.13");
    EXPECT_EQ(discard_reason_of(capture.adverts.front().vrrp, spoofed), DiscardReason::bad_checksum);
}

TEST(AdvertDecoderHostile, CountLargerThanThePayloadIsTruncated) {
    for (const auto& captured : all_fixture_adverts()) {
        const int carried = captured.vrrp[3];
        for (int count : {carried + 1, carried + 2, 100, 255}) {
            auto bad = captured.vrrp;
            bad[3] = static_cast<std::uint8_t>(count);
            refresh_checksum(bad, captured.envelope);
            EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::truncated);
        }
    }
}

TEST(AdvertDecoderHostile, CountSmallerThanThePayloadIsBadAddressCount) {
    for (const auto& captured : all_fixture_adverts()) {
        auto bad = captured.vrrp;
        bad[3] = static_cast<std::uint8_t>(bad[3] - 1);  // every fixture carries two addresses or more
        refresh_checksum(bad, captured.envelope);
        EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_address_count);
    }
}

TEST(AdvertDecoderHostile, TrailingBytesAreBadAddressCount) {
    for (const auto& captured : all_fixture_adverts()) {
        auto bad = captured.vrrp;
        bad.push_back(0);
        bad.push_back(0);
        refresh_checksum(bad, captured.envelope);
        EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_address_count);
    }
}

TEST(AdvertDecoderHostile, ZeroCountIsBadAddressCount) {
    for (const auto& captured : all_fixture_adverts()) {
        auto bad = captured.vrrp;
        bad[3] = 0;
        // As a sender with no VIPs would send it: header (and v2 auth data) only.
        const bool v2 = bad[0] >> 4 == 2;
        std::vector<std::uint8_t> empty(bad.begin(), bad.begin() + 8);
        if (v2) empty.insert(empty.end(), bad.end() - 8, bad.end());
        refresh_checksum(empty, captured.envelope);
        EXPECT_EQ(discard_reason_of(empty, captured.envelope), DiscardReason::bad_address_count);
    }
}

TEST(AdvertDecoderHostile, ZeroIntervalIsBadInterval) {
    for (const auto& captured : all_fixture_adverts()) {
        auto bad = captured.vrrp;
        if (bad[0] >> 4 == 3) {
            bad[4] = 0xf0;  // reserved bits set (ignored), interval zero
        }
        bad[5] = 0;
        refresh_checksum(bad, captured.envelope);
        EXPECT_EQ(discard_reason_of(bad, captured.envelope), DiscardReason::bad_interval);
    }
}

TEST(AdvertDecoderHostile, UnknownV2AuthTypeIsAuthMismatch) {
    const auto capture = dissect_capture("v2-mcast-pass");
    ASSERT_FALSE(capture.adverts.empty());
    for (int auth_type : {3, 4, 254, 255}) {
        auto bad = capture.adverts.front().vrrp;
        bad[4] = static_cast<std::uint8_t>(auth_type);
        refresh_checksum(bad, capture.adverts.front().envelope);
        EXPECT_EQ(discard_reason_of(bad, capture.adverts.front().envelope), DiscardReason::auth_mismatch);
    }
}

TEST(AdvertDecoderHostile, EnvelopeOfMixedFamiliesIsBadIpHeader) {
    const auto capture = dissect_capture("v3-mcast");
    ASSERT_FALSE(capture.adverts.empty());
    IpEnvelope mixed = capture.adverts.front().envelope;
    mixed.family = AddressFamily::ipv6;
    EXPECT_EQ(discard_reason_of(capture.adverts.front().vrrp, mixed), DiscardReason::bad_ip_header);
}

// What the decoder must answer for `bytes`, from RFC 5798 §7.1's checks in the order the header
// documents, computed here without the codec.
DiscardReason expected_reason(const std::vector<std::uint8_t>& bytes, const IpEnvelope& envelope) {
    if (bytes.size() < 8) return DiscardReason::truncated;
    const unsigned version = bytes[0] >> 4;
    if (version != 2 && version != 3) return DiscardReason::bad_version;
    if (version == 2 && envelope.family == AddressFamily::ipv6) return DiscardReason::bad_version;
    if ((bytes[0] & 0x0f) != 1) return DiscardReason::bad_type;
    if (bytes[3] == 0) return DiscardReason::bad_address_count;
    const std::size_t expected =
        8 + bytes[3] * (envelope.family == AddressFamily::ipv4 ? 4u : 16u) + (version == 2 ? 8u : 0u);
    if (bytes.size() < expected) return DiscardReason::truncated;
    if (bytes.size() > expected) return DiscardReason::bad_address_count;
    return DiscardReason::bad_checksum;
}

TEST(AdvertDecoderHostile, RandomBytesGetTheReasonTheRfcChecksGive) {
    std::mt19937 random(20240511);  // fixed: a failure must reproduce
    const IpEnvelope envelopes[] = {
        {AddressFamily::ipv4, *IpAddress::parse("10.88.0.11"), *IpAddress::parse("224.0.0.18")},
        {AddressFamily::ipv4, *IpAddress::parse("10.88.0.11"), *IpAddress::parse("10.88.0.12")},
        {AddressFamily::ipv6, *IpAddress::parse("fe80::1"), *IpAddress::parse("ff02::12")},
    };
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(byte(random) % 72));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(random));
        // Half the time make it look like an advert, to get past the first checks.
        if (round % 2 == 0 && bytes.size() >= 8) {
            bytes[0] = round % 4 == 0 ? 0x21 : 0x31;
            bytes[3] = static_cast<std::uint8_t>(1 + byte(random) % 3);
        }
        for (const IpEnvelope& envelope : envelopes) {
            const auto decoded = decode_advert(bytes, envelope);
            ASSERT_FALSE(decoded) << hex(bytes);  // a random checksum matches ~1 in 65536
            EXPECT_EQ(decoded.error(), expected_reason(bytes, envelope)) << hex(bytes);
        }
    }
}

}  // namespace
}  // namespace xvip::test
