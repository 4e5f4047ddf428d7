// The flow hash of virtual services (xvip_lb_flow_hash in bpf/xvip_abi.h), the one the XDP program
// and user space share: part of the cross-host contract, since two balancers must hash an unknown
// flow onto the same ring entry. Pinned two ways: it is MurmurHash3_x86_32 of the documented 16
// bytes (checked against a byte-wise reference, itself checked on published vectors), and golden
// values that change only when the contract does.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "xvip_abi.h"

namespace {

// MurmurHash3_x86_32 as in Austin Appleby's MurmurHash3.cpp, over bytes, blocks read little-endian.
std::uint32_t reference_murmur3(const std::vector<std::uint8_t>& data, std::uint32_t seed) {
    const auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
    const std::uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
    std::uint32_t h = seed;
    const std::size_t blocks = data.size() / 4;
    for (std::size_t i = 0; i < blocks; ++i) {
        std::uint32_t k = data[4 * i] | data[4 * i + 1] << 8 | data[4 * i + 2] << 16 |
                          static_cast<std::uint32_t>(data[4 * i + 3]) << 24;
        k *= c1;
        k = rotl(k, 15);
        k *= c2;
        h ^= k;
        h = rotl(h, 13);
        h = h * 5 + 0xe6546b64;
    }
    std::uint32_t k = 0;
    const std::size_t tail = blocks * 4;
    switch (data.size() & 3) {
        case 3: k ^= static_cast<std::uint32_t>(data[tail + 2]) << 16; [[fallthrough]];
        case 2: k ^= static_cast<std::uint32_t>(data[tail + 1]) << 8; [[fallthrough]];
        case 1:
            k ^= data[tail];
            k *= c1;
            k = rotl(k, 15);
            k *= c2;
            h ^= k;
    }
    h ^= static_cast<std::uint32_t>(data.size());
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

std::vector<std::uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

void put_le32(std::vector<std::uint8_t>& out, std::uint32_t w) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
}

xvip_lb_flow_key flow(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                      std::uint8_t protocol) {
    xvip_lb_flow_key k{};
    inet_pton(AF_INET, src, &k.saddr);
    inet_pton(AF_INET, dst, &k.daddr);
    k.sport = htons(sport);
    k.dport = htons(dport);
    k.protocol = protocol;
    return k;
}

TEST(FlowHash, ReferenceMurmur3MatchesPublishedVectors) {
    EXPECT_EQ(reference_murmur3({}, 0), 0u);
    EXPECT_EQ(reference_murmur3({}, 1), 0x514e28b7u);
    EXPECT_EQ(reference_murmur3(bytes("test"), 0), 0xba6bd213u);
    EXPECT_EQ(reference_murmur3(bytes("Hello, world!"), 0x9747b28c), 0x24884cbau);
    EXPECT_EQ(reference_murmur3(bytes("The quick brown fox jumps over the lazy dog"), 0x9747b28c), 0x2fa826cdu);
}

TEST(FlowHash, IsMurmur3OfTheFourWordsAsDocumented) {
    const xvip_lb_service per_flow{};
    for (const auto& k : {flow("192.0.2.99", 40000, "192.0.2.50", 80, 6), flow("10.0.0.1", 1, "10.0.0.2", 2, 17),
                          flow("0.0.0.0", 0, "0.0.0.0", 0, 0), flow("255.255.255.255", 65535, "1.2.3.4", 443, 6)}) {
        std::vector<std::uint8_t> data;
        put_le32(data, ntohl(k.saddr));
        put_le32(data, ntohl(k.daddr));
        put_le32(data, static_cast<std::uint32_t>(ntohs(k.sport)) << 16 | ntohs(k.dport));
        put_le32(data, k.protocol);
        EXPECT_EQ(xvip_lb_flow_hash(&per_flow, &k), reference_murmur3(data, XVIP_LB_HASH_SEED));
    }
}

TEST(FlowHash, PersistenceHashesTheMaskedSourceOnly) {
    xvip_lb_service per_client{};
    per_client.flags = XVIP_LB_PERSISTENT;
    per_client.persist_prefix = 24;
    const auto a = flow("192.0.2.99", 40000, "192.0.2.50", 443, 6);
    const auto b = flow("192.0.2.7", 1234, "198.51.100.1", 80, 17);
    EXPECT_EQ(xvip_lb_flow_hash(&per_client, &a), xvip_lb_flow_hash(&per_client, &b));
    EXPECT_EQ(xvip_lb_flow_hash(&per_client, &a), xvip_lb_hash(0xc0000200, 0, 0, 0));
    per_client.persist_prefix = 32;
    EXPECT_NE(xvip_lb_flow_hash(&per_client, &a), xvip_lb_flow_hash(&per_client, &b));
    EXPECT_EQ(xvip_lb_prefix_mask(0), 0u);
    EXPECT_EQ(xvip_lb_prefix_mask(1), 0x80000000u);
    EXPECT_EQ(xvip_lb_prefix_mask(32), 0xffffffffu);
    EXPECT_EQ(xvip_lb_prefix_mask(40), 0xffffffffu);
}

// Golden values: a change here splits flows between balancers of different versions. Change them
// only on purpose, with the contract's text in xvip_abi.h.
TEST(FlowHash, GoldenValues) {
    const xvip_lb_service per_flow{};
    const auto k1 = flow("192.0.2.99", 40000, "192.0.2.50", 80, 6);
    const auto k2 = flow("198.51.100.7", 53000, "192.0.2.50", 53, 17);
    EXPECT_EQ(xvip_lb_flow_hash(&per_flow, &k1), 0x4458637fu);
    EXPECT_EQ(xvip_lb_flow_hash(&per_flow, &k2), 0x5f239af8u);
    EXPECT_EQ(xvip_lb_flow_hash(&per_flow, &k1) % XVIP_LB_RING_SIZE, 0x4458637fu % 16381u);
    EXPECT_EQ(xvip_lb_hash(0, 0, 0, 0), 0x89f76cb6u);
}

}  // namespace
