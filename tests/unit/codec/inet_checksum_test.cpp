#include "codec/inet_checksum.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

TEST(InetChecksum, Rfc1071Example) {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
    const std::vector<std::uint8_t> bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(inet_checksum(bytes), 0x220d);
}

TEST(InetChecksum, OddLengthIsPaddedWithZero) {
    EXPECT_EQ(inet_checksum(std::vector<std::uint8_t>{0x12}), static_cast<std::uint16_t>(~0x1200));
    EXPECT_EQ(inet_checksum(std::vector<std::uint8_t>{}), 0xffff);
}

TEST(InetChecksum, PiecesOfAnyLengthSumLikeOneBuffer) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 500; ++round) {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(byte(random)));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(random));
        InetChecksum pieces;
        std::size_t at = 0;
        while (at < bytes.size()) {
            const std::size_t n = std::min<std::size_t>(bytes.size() - at, static_cast<std::size_t>(byte(random) % 5));
            pieces.add(std::span(bytes).subspan(at, n));
            at += n;
        }
        EXPECT_EQ(pieces.finish(), reference_checksum(bytes));
    }
}

TEST(InetChecksum, VerifiesAReceivedIpv4Header) {
    const auto capture = dissect_capture("v2-ucast");
    ASSERT_FALSE(capture.adverts.empty());
    const auto& packet = capture.adverts.front().ip_packet;
    EXPECT_EQ(inet_checksum(std::span(packet).first(20)), 0);
}

TEST(InetChecksum, PseudoHeaderLayouts) {
    const auto v4 = InetChecksum{}
                        .add_pseudo_header(*IpAddress::parse("10.88.0.11"), *IpAddress::parse("224.0.0.18"), 112, 16)
                        .finish();
    EXPECT_EQ(v4, reference_checksum({10, 88, 0, 11, 224, 0, 0, 18, 0, 112, 0, 16}));

    const std::vector<std::uint8_t> v6_bytes = {
        0xfe, 0x80, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0x01,  // fe80::1
        0xff, 0x02, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0x12,  // ff02::12
        0,    1,    0, 40, 0, 0, 0, 112};                           // a length above 64 KiB too, next header 112
    const auto v6 = InetChecksum{}
                        .add_pseudo_header(*IpAddress::parse("fe80::1"), *IpAddress::parse("ff02::12"), 112, 0x10028)
                        .finish();
    EXPECT_EQ(v6, reference_checksum(v6_bytes));
}

}  // namespace
}  // namespace xvip::test
