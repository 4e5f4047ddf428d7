// One test per reason the receive filter discards, plus what it must let through.
#include "election/receive_filter.hpp"

#include <gtest/gtest.h>

#include "election/discard_counters.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

ReceiveConfig v3_config() {
    ReceiveConfig c;
    c.version = VrrpVersion::v3;
    c.vrid = 51;
    c.virtual_addresses = {ip("10.0.0.100"), ip("10.0.0.101")};
    c.own_addresses = {ip("10.0.0.2")};
    return c;
}

Advert v3_advert() {
    Advert a;
    a.version = VrrpVersion::v3;
    a.vrid = 51;
    a.priority = 100;
    a.interval_cs = 100;
    a.addresses = {ip("10.0.0.101"), ip("10.0.0.100")};  // order does not matter
    return a;
}

ReceiveMetadata from(const char* source) {
    return {255, ip(source), ip("224.0.0.18"), false};
}

ReceiveConfig v2_config() {
    auto c = v3_config();
    c.version = VrrpVersion::v2;
    c.advert_interval = 2s;
    c.auth_type = AuthType::simple_password;
    c.auth_data = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
    return c;
}

Advert v2_advert() {
    auto a = v3_advert();
    a.version = VrrpVersion::v2;
    a.interval_cs = 200;
    a.auth_type = AuthType::simple_password;
    a.auth_data = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
    return a;
}

TEST(ReceiveFilter, AcceptsAMatchingAdvert) {
    ReceiveFilter f(v3_config());
    auto v = f.check(v3_advert(), from("10.0.0.9"));
    EXPECT_TRUE(v.accepted());
    EXPECT_FALSE(v.new_mismatch);
    ReceiveFilter v2(v2_config());
    EXPECT_TRUE(v2.check(v2_advert(), from("10.0.0.9")).accepted());
}

TEST(ReceiveFilter, BadTtl) {
    ReceiveFilter f(v3_config());
    auto meta = from("10.0.0.9");
    meta.ttl = 254;
    EXPECT_EQ(f.check(v3_advert(), meta).discard, DiscardReason::bad_ttl);
}

// keepalived (vrrp_check_packet) checks 255 only for multicast instances: a unicast peer may be
// routed (IPv4 TTL below 255), and keepalived sends IPv6 unicast adverts with the kernel's hop
// limit, 64 by default. Holding those to 255 left both nodes master for ever (issue 14, point 8).
TEST(ReceiveFilter, UnicastPeerAdvertsNeedNotCarryTtl255) {
    auto c = v3_config();
    c.unicast_peers = {ip("10.0.0.9")};
    ReceiveFilter f(c);
    for (const int ttl : {64, 253, 1, 255}) {
        const ReceiveMetadata meta{static_cast<std::uint8_t>(ttl), ip("10.0.0.9"), ip("10.0.0.2"), true};
        EXPECT_TRUE(f.check(v3_advert(), meta).accepted()) << "TTL " << ttl << " from a router or two away";
    }
}

TEST(ReceiveFilter, Ipv6UnicastPeerAtTheKernelsDefaultHopLimit) {
    ReceiveConfig c;
    c.version = VrrpVersion::v3;
    c.vrid = 51;
    c.virtual_addresses = {ip("fd00::100")};
    c.own_addresses = {ip("fd00::1")};
    c.unicast_peers = {ip("fd00::2")};
    Advert a = v3_advert();
    a.addresses = {ip("fd00::100")};
    EXPECT_TRUE(ReceiveFilter(c).check(a, ReceiveMetadata{64, ip("fd00::2"), ip("fd00::1"), true}).accepted());
}

// unicast_peer { ADDRESS min_ttl N max_ttl N }: that peer's adverts must arrive within the range;
// a peer without one takes any TTL.
TEST(ReceiveFilter, UnicastPeerTtlRange) {
    auto c = v3_config();
    c.unicast_peers = {AcceptedPeer{ip("10.0.0.9"), 250, 254}, ip("10.0.0.10")};
    ReceiveFilter f(c);
    auto at = [](std::uint8_t ttl, const char* source) {
        return ReceiveMetadata{ttl, ip(source), ip("10.0.0.2"), true};
    };
    EXPECT_EQ(f.check(v3_advert(), at(249, "10.0.0.9")).discard, DiscardReason::bad_ttl);
    EXPECT_TRUE(f.check(v3_advert(), at(250, "10.0.0.9")).accepted());
    EXPECT_TRUE(f.check(v3_advert(), at(254, "10.0.0.9")).accepted());
    EXPECT_EQ(f.check(v3_advert(), at(255, "10.0.0.9")).discard, DiscardReason::bad_ttl);
    EXPECT_TRUE(f.check(v3_advert(), at(3, "10.0.0.10")).accepted());
    // Anyone else is no peer, whatever the TTL: the source is checked first, as in keepalived.
    EXPECT_EQ(f.check(v3_advert(), at(100, "10.0.0.11")).discard, DiscardReason::not_a_peer);
}

// A multicast instance keeps the RFC's check, also for an advert sent to its own address.
TEST(ReceiveFilter, MulticastInstanceRequiresTtl255WhateverTheDestination) {
    ReceiveFilter f(v3_config());
    EXPECT_EQ(f.check(v3_advert(), ReceiveMetadata{64, ip("10.0.0.9"), ip("10.0.0.2"), true}).discard,
              DiscardReason::bad_ttl);
    EXPECT_EQ(f.check(v3_advert(), ReceiveMetadata{254, ip("10.0.0.9"), ip("224.0.0.18"), false}).discard,
              DiscardReason::bad_ttl);
}

TEST(ReceiveFilter, BadVersion) {
    ReceiveFilter f(v3_config());
    auto a = v3_advert();
    a.version = VrrpVersion::v2;
    EXPECT_EQ(f.check(a, from("10.0.0.9")).discard, DiscardReason::bad_version);
}

TEST(ReceiveFilter, UnknownVrid) {
    ReceiveFilter f(v3_config());
    auto a = v3_advert();
    a.vrid = 52;
    EXPECT_EQ(f.check(a, from("10.0.0.9")).discard, DiscardReason::unknown_vrid);
}

TEST(ReceiveFilter, OwnAdvert) {
    ReceiveFilter f(v3_config());
    EXPECT_EQ(f.check(v3_advert(), from("10.0.0.2")).discard, DiscardReason::own_advert);
}

TEST(ReceiveFilter, NotAPeer) {
    auto c = v3_config();
    c.unicast_peers = {ip("10.0.0.9"), ip("10.0.0.10")};
    ReceiveFilter f(c);
    EXPECT_TRUE(f.check(v3_advert(), from("10.0.0.10")).accepted());
    EXPECT_EQ(f.check(v3_advert(), from("10.0.0.11")).discard, DiscardReason::not_a_peer);
}

TEST(ReceiveFilter, AuthMismatch) {
    ReceiveFilter f(v2_config());
    auto wrong_password = v2_advert();
    wrong_password.auth_data[0] = 'S';
    EXPECT_EQ(f.check(wrong_password, from("10.0.0.9")).discard, DiscardReason::auth_mismatch);
    auto no_auth = v2_advert();
    no_auth.auth_type = AuthType::none;
    no_auth.auth_data = {};
    EXPECT_EQ(f.check(no_auth, from("10.0.0.9")).discard, DiscardReason::auth_mismatch);
}

TEST(ReceiveFilter, AuthIgnoredForV3) {
    ReceiveFilter f(v3_config());
    auto a = v3_advert();
    a.auth_type = AuthType::simple_password;
    EXPECT_TRUE(f.check(a, from("10.0.0.9")).accepted());
}

TEST(ReceiveFilter, IntervalMismatchV2Only) {
    ReceiveFilter v2(v2_config());
    auto a = v2_advert();
    a.interval_cs = 100;
    EXPECT_EQ(v2.check(a, from("10.0.0.9")).discard, DiscardReason::interval_mismatch);
    ReceiveFilter v3(v3_config());
    auto b = v3_advert();
    b.interval_cs = 300;  // v3 learns the master's interval instead
    EXPECT_TRUE(v3.check(b, from("10.0.0.9")).accepted());
}

TEST(ReceiveFilter, AddressMismatchDiscardedAndReportedOncePerSenderAndList) {
    ReceiveFilter f(v3_config());
    auto a = v3_advert();
    a.addresses = {ip("10.0.0.100")};
    auto first = f.check(a, from("10.0.0.9"));
    EXPECT_EQ(first.discard, DiscardReason::address_mismatch);
    ASSERT_TRUE(first.new_mismatch);
    EXPECT_EQ(first.new_mismatch->source, ip("10.0.0.9"));
    EXPECT_EQ(first.new_mismatch->ours, v3_config().virtual_addresses);
    EXPECT_EQ(first.new_mismatch->theirs, a.addresses);

    auto again = f.check(a, from("10.0.0.9"));
    EXPECT_EQ(again.discard, DiscardReason::address_mismatch);
    EXPECT_FALSE(again.new_mismatch);
    EXPECT_TRUE(f.check(a, from("10.0.0.10")).new_mismatch);  // another sender: log it too
}

TEST(ReceiveFilter, AddressMismatchFromOwnerIsAcceptedButReported) {
    ReceiveFilter f(v3_config());
    auto a = v3_advert();
    a.priority = 255;  // RFC §7.1: the owner's advert is processed anyway
    a.addresses = {ip("10.0.0.100")};
    auto v = f.check(a, from("10.0.0.9"));
    EXPECT_TRUE(v.accepted());
    EXPECT_TRUE(v.new_mismatch);
}

TEST(ReceiveFilter, AddressMismatchAcceptedInKeepalivedMode) {
    auto c = v3_config();
    c.accept_address_mismatch = true;
    ReceiveFilter f(c);
    auto a = v3_advert();
    a.addresses.push_back(ip("10.0.0.102"));
    auto v = f.check(a, from("10.0.0.9"));
    EXPECT_TRUE(v.accepted());
    EXPECT_TRUE(v.new_mismatch);
}

TEST(DiscardCounters, CountsByReasonAndNamesThem) {
    DiscardCounters c;
    c.count(DiscardReason::bad_ttl);
    c.count(DiscardReason::bad_ttl);
    c.count(DiscardReason::own_advert);
    EXPECT_EQ(c[DiscardReason::bad_ttl], 2u);
    EXPECT_EQ(c[DiscardReason::own_advert], 1u);
    EXPECT_EQ(c[DiscardReason::not_a_peer], 0u);
    EXPECT_EQ(c.total(), 3u);
    std::size_t seen = 0;
    c.for_each([&](DiscardReason r, std::uint64_t) {
        EXPECT_NE(to_string(r), "unknown");
        ++seen;
    });
    EXPECT_EQ(seen, discard_reason_count);
}

}  // namespace
}  // namespace xvip
