// BFD control packets (RFC 5880 §4.1, §6.8.6): what decodes, what is discarded and why, and that
// encoding and decoding agree. The bytes of the reference packet are spelled out field by field.
#include "codec/bfd_control.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace xvip {
namespace {

// Version 1, diag 0, state Up, flags none, mult 3, length 24, my 0x11223344, your 0x55667788,
// desired TX 10 ms, required RX 20 ms, echo 0.
const std::vector<std::uint8_t> up_packet{0x20, 0xc0, 3,    24,   0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                          0,    0,    0x27, 0x10, 0,    0,    0x4e, 0x20, 0,    0,    0,    0};

std::vector<std::uint8_t> with(std::vector<std::uint8_t> bytes, std::size_t at, std::uint8_t value) {
    bytes.at(at) = value;
    return bytes;
}

TEST(BfdControl, DecodesEveryField) {
    const auto decoded = decode_bfd_control(up_packet);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(decoded->state, BfdState::up);
    EXPECT_EQ(decoded->diag, BfdDiag::none);
    EXPECT_EQ(decoded->detect_multiplier, 3);
    EXPECT_EQ(decoded->my_discriminator, 0x11223344u);
    EXPECT_EQ(decoded->your_discriminator, 0x55667788u);
    EXPECT_EQ(decoded->desired_min_tx_us, 10'000u);
    EXPECT_EQ(decoded->required_min_rx_us, 20'000u);
    EXPECT_EQ(decoded->required_min_echo_rx_us, 0u);
    EXPECT_FALSE(decoded->poll || decoded->final || decoded->demand || decoded->control_plane_independent);
}

TEST(BfdControl, EncodesWhatDecodesBackByteForByte) {
    const auto decoded = decode_bfd_control(up_packet);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(encode_bfd_control(*decoded), up_packet);

    BfdControl flags = *decoded;
    flags.poll = true;
    flags.final = true;
    flags.control_plane_independent = true;
    flags.diag = BfdDiag::control_detection_time_expired;
    flags.state = BfdState::init;
    const auto again = decode_bfd_control(encode_bfd_control(flags));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, flags);
}

TEST(BfdControl, PaddingPastTheLengthIsIgnored) {
    auto padded = up_packet;
    padded.resize(46, 0);  // an Ethernet minimum frame's padding
    const auto decoded = decode_bfd_control(padded);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->my_discriminator, 0x11223344u);
}

TEST(BfdControl, DiscardsWhatRfc5880Section6_8_6Discards) {
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        BfdDiscard reason;
    };
    const auto no_your = with(with(with(with(up_packet, 8, 0), 9, 0), 10, 0), 11, 0);
    const auto no_my = with(with(with(with(up_packet, 4, 0), 5, 0), 6, 0), 7, 0);
    const std::vector<Case> cases{
        {"empty", {}, BfdDiscard::truncated},
        {"23 bytes", std::vector<std::uint8_t>(up_packet.begin(), up_packet.end() - 1), BfdDiscard::truncated},
        {"version 0", with(up_packet, 0, 0x00), BfdDiscard::bad_version},
        {"version 2", with(up_packet, 0, 0x40), BfdDiscard::bad_version},
        {"length 23", with(up_packet, 3, 23), BfdDiscard::bad_length},
        {"length past the packet", with(up_packet, 3, 48), BfdDiscard::truncated},
        {"auth bit, length 24", with(up_packet, 1, 0xc4), BfdDiscard::bad_length},
        {"detect mult 0", with(up_packet, 2, 0), BfdDiscard::zero_detect_multiplier},
        {"multipoint", with(up_packet, 1, 0xc1), BfdDiscard::multipoint},
        {"my discriminator 0", no_my, BfdDiscard::zero_my_discriminator},
        {"your discriminator 0 while Up", no_your, BfdDiscard::zero_your_discriminator},
        {"your discriminator 0 while Init", with(no_your, 1, 0x80), BfdDiscard::zero_your_discriminator},
    };
    for (const auto& c : cases) {
        const auto decoded = decode_bfd_control(c.bytes);
        ASSERT_FALSE(decoded) << c.name;
        EXPECT_EQ(decoded.error(), c.reason) << c.name << ": " << to_string(decoded.error());
    }

    auto authenticated = with(with(up_packet, 1, 0xc4), 3, 26);
    authenticated.resize(26, 0);
    const auto auth = decode_bfd_control(authenticated);
    ASSERT_FALSE(auth);
    EXPECT_EQ(auth.error(), BfdDiscard::authentication) << "xvip runs no authenticated session";

    // Your Discriminator 0 is how a session starts: taken while Down or AdminDown.
    EXPECT_TRUE(decode_bfd_control(with(no_your, 1, 0x40)));
    EXPECT_TRUE(decode_bfd_control(with(no_your, 1, 0x00)));
}

}  // namespace
}  // namespace xvip
