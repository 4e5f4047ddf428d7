// Thousands of random and mutated frames through the XDP program, active and standby, with two
// invariants checked on every one (issue: data plane against hostile frames):
//  - XDP_TX only for a well-formed ARP reply or neighbour advertisement for a VIP we are active
//    for, built from our MAC (checked on the output frame, the NA checksum verified);
//  - XDP_DROP only for a frame addressed to a VIP (its ARP/NS target or IP destination).
// Anything else must pass, untouched. Seeds are fixed: a failure reproduces.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <map>
#include <random>

#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using namespace std::chrono_literals;

std::uint16_t be16(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

bool is_vip(const IpAddress& a) {
    return a == vip4 || a == vip4_b || a == vip6 || a == vip6_ll;
}

std::optional<IpAddress> address_at(const Bytes& f, std::size_t at, std::size_t len) {
    if (f.size() < at + len) return std::nullopt;
    return IpAddress::from_bytes({f.data() + at, len});
}

bool vip_at(const Bytes& f, std::size_t at, std::size_t len) {
    const auto a = address_at(f, at, len);
    return a && is_vip(*a);
}

// Whether the frame is addressed to a VIP in any way the program may act on.
bool addressed_to_vip(const Bytes& f) {
    if (f.size() < 14) return false;
    const auto type = be16(f, 12);
    if (type == ethertype_arp) return vip_at(f, 38, 4);
    if (type == ethertype_ipv4) return vip_at(f, 30, 4);
    if (type == ethertype_ipv6) {
        return vip_at(f, 38, 16) || (f.size() >= 58 && f[20] == 58 && f[54] == 135 && vip_at(f, 62, 16));
    }
    return false;
}

// The output of an XDP_TX must be one of the two replies the program is allowed to build.
::testing::AssertionResult well_formed_reply(const Bytes& out) {
    if (out.size() < 42) return ::testing::AssertionFailure() << "short reply";
    if (!std::equal(node_mac.begin(), node_mac.end(), out.begin() + 6)) {
        return ::testing::AssertionFailure() << "not from our MAC";
    }
    const auto type = be16(out, 12);
    if (type == ethertype_arp) {
        if (be16(out, 14) != 1 || be16(out, 16) != ethertype_ipv4 || out[18] != 6 || out[19] != 4 ||
            be16(out, 20) != 2) {
            return ::testing::AssertionFailure() << "not an Ethernet/IPv4 ARP reply";
        }
        if (!std::equal(node_mac.begin(), node_mac.end(), out.begin() + 22)) {
            return ::testing::AssertionFailure() << "sender hardware address is not ours";
        }
        const auto spa = *address_at(out, 28, 4);
        if (spa != vip4 && spa != vip4_b) return ::testing::AssertionFailure() << "answers for " << spa.to_string();
        if (!std::equal(out.begin(), out.begin() + 6, out.begin() + 32)) {
            return ::testing::AssertionFailure() << "Ethernet destination is not the target hardware address";
        }
        if (out[0] & 1) return ::testing::AssertionFailure() << "reply to a multicast MAC";
        return ::testing::AssertionSuccess();
    }
    if (type == ethertype_ipv6 && out.size() == 86 && out[20] == 58 && out[21] == 255 && out[54] == 136 &&
        out[55] == 0 && out[78] == 2 && out[79] == 1) {
        const auto target = *address_at(out, 62, 16);
        if (target != vip6 && target != vip6_ll) return ::testing::AssertionFailure() << "NA for a non-VIP";
        if (*address_at(out, 22, 16) != target) return ::testing::AssertionFailure() << "NA source is not the VIP";
        Bytes pseudo(out.begin() + 22, out.begin() + 54);
        for (std::uint8_t b : Bytes{0, 0, 0, 32, 0, 0, 0, 58}) pseudo.push_back(b);
        pseudo.insert(pseudo.end(), out.begin() + 54, out.end());
        if (reference_checksum(pseudo) != 0) return ::testing::AssertionFailure() << "bad NA checksum";
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "XDP_TX of something that is neither an ARP reply nor an NA";
}

std::vector<Bytes> seeds() {
    const IpAddress group = solicited_node(vip6);
    return {
        ethernet(broadcast_mac, client_mac, ethertype_arp,
                 arp({.op = 1, .sha = client_mac, .spa = client4, .tha = {}, .tpa = vip4})),
        ethernet(ipv6_multicast_mac(group), client_mac, ethertype_ipv6,
                 ipv6(client6, group, 58, 255,
                      icmpv6(client6, group, 135, 0, nd_body(0, vip6, lladdr_option(1, client_mac))))),
        ethernet(node_mac, client_mac, ethertype_ipv4, ipv4({.src = client4, .dst = vip4}, Bytes(16, 0xab))),
        ethernet(node_mac, client_mac, ethertype_ipv6, ipv6(client6, vip6, 17, 64, Bytes(16, 0xcd))),
    };
}

// Returns the verdict, so that a run can show it exercised every path.
std::uint32_t check_frame(XdpHarness& xdp, const Bytes& frame, const char* what, std::size_t index) {
    const RunResult r = xdp.run(frame);
    if (frame.size() < 14) {
        EXPECT_EQ(r.error, EINVAL);
        return XDP_ABORTED;
    }
    EXPECT_EQ(r.error, 0) << what << " #" << index;
    switch (r.verdict) {
        case XDP_TX:
            EXPECT_TRUE(well_formed_reply(r.output)) << what << " #" << index << "\nin:\n"
                                                     << hex(frame) << "\nout:\n"
                                                     << hex(r.output);
            break;
        case XDP_DROP:
            EXPECT_TRUE(addressed_to_vip(frame))
                << "dropped a frame not addressed to a VIP: " << what << " #" << index << "\n"
                << hex(frame);
            break;
        case XDP_PASS: EXPECT_EQ(r.output, frame) << "passed, but changed: " << what << " #" << index; break;
        default: ADD_FAILURE() << "verdict " << r.verdict << " for " << what << " #" << index << "\n" << hex(frame);
    }
    return r.verdict;
}

class XdpHostileFrames : public ::testing::TestWithParam<Situation> {};

TEST_P(XdpHostileFrames, MutatedFramesKeepTheInvariants) {
    XdpHarness xdp;
    set_up(xdp, GetParam());
    std::mt19937 random(20261126);
    std::size_t n = 0;
    std::map<std::uint32_t, std::size_t> verdicts;
    for (const auto& seed : seeds()) {
        for (int round = 0; round < 1500; ++round) {
            Bytes f = seed;
            const int mutations = 1 + static_cast<int>(random() % 4);
            for (int m = 0; m < mutations; ++m) {
                switch (random() % 4) {
                    case 0:  // flip a byte
                        f[random() % f.size()] = static_cast<std::uint8_t>(random());
                        break;
                    case 1:  // set a byte to an interesting value
                        f[random() % f.size()] = std::array<std::uint8_t, 6>{0, 1, 2, 0xff, 0x80, 255}[random() % 6];
                        break;
                    case 2:  // truncate
                        f.resize(f.size() - std::min<std::size_t>(f.size() - 1, random() % 24));
                        break;
                    default:  // grow with garbage
                        for (auto k = random() % 24; k > 0; --k) f.push_back(static_cast<std::uint8_t>(random()));
                }
            }
            ++verdicts[check_frame(xdp, f, "mutated", n++)];
        }
    }
    EXPECT_EQ(n, 6000u);
    // Mild mutations keep many frames valid: the run must reach the paths it guards.
    EXPECT_GT(verdicts[XDP_PASS], 100u);
    if (GetParam() == Situation::active) {
        EXPECT_GT(verdicts[XDP_TX], 100u) << "replies were built";
    }
    if (GetParam() == Situation::standby) {
        EXPECT_GT(verdicts[XDP_DROP], 100u) << "VIP traffic was dropped";
    }
}

TEST_P(XdpHostileFrames, RandomFramesKeepTheInvariants) {
    XdpHarness xdp;
    set_up(xdp, GetParam());
    std::mt19937 random(112);
    for (std::size_t i = 0; i < 3000; ++i) {
        Bytes f(14 + random() % 200);
        for (auto& b : f) b = static_cast<std::uint8_t>(random());
        // Steer a third of them into the parsers the program has.
        const std::array<std::uint16_t, 3> types{ethertype_arp, ethertype_ipv4, ethertype_ipv6};
        if (i % 3 != 0) {
            const auto type = types[random() % 3];
            f[12] = static_cast<std::uint8_t>(type >> 8);
            f[13] = static_cast<std::uint8_t>(type);
        }
        check_frame(xdp, f, "random", i);
    }
}

INSTANTIATE_TEST_SUITE_P(Situations, XdpHostileFrames,
                         ::testing::Values(Situation::active, Situation::standby, Situation::draining),
                         [](const ::testing::TestParamInfo<Situation>& p) { return std::string(to_string(p.param)); });

}  // namespace
}  // namespace xvip::test
