// The IPv4 buckets ahead of the VIP hash map (xvip_abi.h): a bucket of one VIP answers alone, a
// bucket shared by several VIPs sends the program to the hash map, and an address that merely
// ends like a VIP is none. The buckets are built by build_vip_index, as the data plane builds them.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>

#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using namespace std::chrono_literals;

// Two instances, VRID 51 and 52, whose VIPs end in the same byte; a third VIP alone in its bucket.
const IpAddress shared51 = ip("192.0.2.60");
const IpAddress shared52 = ip("198.51.100.60");
const IpAddress alone51 = ip("192.0.2.50");
const IpAddress like_a_vip = ip("203.0.113.60");  // no VIP, in the shared bucket
const IpAddress like_alone = ip("203.0.113.50");  // no VIP, in the bucket of alone51
constexpr std::uint32_t instance51 = XVIP_SLOT_IPV4 * 256 + 51;
constexpr std::uint32_t instance52 = XVIP_SLOT_IPV4 * 256 + 52;

Bytes arp_request_for(const IpAddress& target) {
    return ethernet(broadcast_mac, client_mac, ethertype_arp,
                    arp({.op = 1, .sha = client_mac, .spa = client4, .tha = {}, .tpa = target}));
}

Bytes gratuitous_arp_from(const IpAddress& vip) {
    return ethernet(broadcast_mac, other_mac, ethertype_arp,
                    arp({.op = 1, .sha = other_mac, .spa = vip, .tha = {}, .tpa = vip}));
}

Bytes tcp_to(const IpAddress& destination) {
    return ethernet(node_mac, client_mac, ethertype_ipv4,
                    ipv4({.src = client4, .dst = destination, .protocol = 6}, Bytes(20, 0)));
}

__be32 be32_of(const IpAddress& address) {
    __be32 value;
    std::memcpy(&value, address.bytes().data(), sizeof value);
    return value;
}

class XdpVipBuckets : public ::testing::Test {
protected:
    void SetUp() override {
        xdp.bind_vip(shared51, instance51);
        xdp.bind_vip(shared52, instance52);
        xdp.bind_vip(alone51, instance51);
    }
    void set_active(std::uint32_t active, std::uint32_t standby) {
        xdp.write_state(active, StateWord::active_until(monotonic_now() + 60s));
        xdp.write_state(standby, StateWord::standby());
    }
    XdpHarness xdp;
};

TEST_F(XdpVipBuckets, SharedBucketAnswersEachVipForItsOwnInstance) {
    set_active(instance51, instance52);
    EXPECT_EQ(xdp.run(arp_request_for(shared51)).verdict, XDP_TX);
    EXPECT_EQ(xdp.run(arp_request_for(shared52)).verdict, XDP_DROP);
    set_active(instance52, instance51);
    EXPECT_EQ(xdp.run(arp_request_for(shared51)).verdict, XDP_DROP);
    EXPECT_EQ(xdp.run(arp_request_for(shared52)).verdict, XDP_TX);
    EXPECT_EQ(xdp.counters().arp_reply, 2u);
    EXPECT_EQ(xdp.counters().arp_drop_inactive, 2u);
}

TEST_F(XdpVipBuckets, AddressEndingLikeAVipIsNone) {
    // Standby for everything: an address taken for a VIP would be dropped, not passed.
    set_active(instance52, instance51);
    xdp.write_state(instance52, StateWord::standby());
    for (const IpAddress& address : {like_a_vip, like_alone}) {
        EXPECT_EQ(xdp.run(arp_request_for(address)).verdict, XDP_PASS) << address.to_string();
        EXPECT_EQ(xdp.run(tcp_to(address)).verdict, XDP_PASS) << address.to_string();
    }
    EXPECT_EQ(xdp.counters().pass_not_vip, 4u);
    EXPECT_EQ(xdp.run(tcp_to(shared52)).verdict, XDP_DROP);
    EXPECT_EQ(xdp.run(tcp_to(alone51)).verdict, XDP_DROP);
    EXPECT_EQ(xdp.counters().vip_drop_standby, 2u);
}

TEST_F(XdpVipBuckets, VipSpeakingFromASharedBucketIsAConflictOnlyForItsOwnActiveInstance) {
    set_active(instance52, instance51);
    EXPECT_EQ(xdp.run(gratuitous_arp_from(shared52)).verdict, XDP_PASS);
    EXPECT_EQ(xdp.counters().arp_conflict, 1u);
    EXPECT_EQ(xdp.run(gratuitous_arp_from(shared51)).verdict, XDP_PASS);
    EXPECT_EQ(xdp.counters().arp_pass_from_vip, 1u);
}

// The writer's side alone: what build_vip_index puts into each bucket, read back with the
// program's own reader.
TEST(VipIndex, BucketsHoldOneVipOrSayTheyAreShared) {
    const InstanceKey vrid51{AddressFamily::ipv4, 51};
    const InstanceKey vrid52{AddressFamily::ipv4, 52};
    const auto bucket_of = [](const IpAddress& a) { return xvip_bucket4_of(be32_of(a)); };

    const VipIndex empty = build_vip_index({});
    for (auto word : empty.buckets4) EXPECT_EQ(word, 0u);

    const std::vector<VipBinding> one{{shared51, vrid51}};
    const VipIndex single = build_vip_index(one);
    const auto word = single.buckets4[bucket_of(shared51)];
    EXPECT_EQ(xvip_bucket4_instance(word, be32_of(shared51)), instance51);
    EXPECT_EQ(xvip_bucket4_instance(word, be32_of(like_a_vip)), 0u);

    const std::vector<VipBinding> two{{shared51, vrid51}, {shared52, vrid52}};
    const VipIndex shared = build_vip_index(two);
    EXPECT_EQ(xvip_bucket4_instance(shared.buckets4[bucket_of(shared51)], be32_of(like_a_vip)), XVIP_BUCKET_SHARED);
    int used = 0;
    for (auto w : shared.buckets4) used += w != 0;
    EXPECT_EQ(used, 1) << "both VIPs in the bucket of their last byte, and nothing elsewhere";

    const std::vector<VipBinding> with_ipv6{{vip6, {AddressFamily::ipv6, 51}}};
    const VipIndex v6 = build_vip_index(with_ipv6);
    EXPECT_TRUE(xvip_filter_has(v6.filter6.ipv6, vip6.bytes().back()));
    for (auto w : v6.buckets4) EXPECT_EQ(w, 0u) << "an IPv6 VIP takes no IPv4 bucket";
}

}  // namespace
}  // namespace xvip::test
