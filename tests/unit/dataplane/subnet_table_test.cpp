// The interface map's subnet table (fill_subnets4): which ARP senders the program answers.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/dataplane.hpp"
#include "xvip_abi.h"

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

std::uint32_t be(const char* dotted) {
    in_addr a{};
    inet_pton(AF_INET, dotted, &a);
    return a.s_addr;
}

TEST(SubnetTable, HoldsEachSubnetOnceAsNetworkAndMask) {
    xvip_iface iface{};
    const std::vector<Subnet4> subnets{{ip("192.0.2.10"), 24},
                                       {ip("192.0.2.11"), 24},  // secondary address of the same subnet
                                       {ip("198.51.100.200"), 25},
                                       {ip("203.0.113.5"), 32},   // host prefix: a VIP, no subnet
                                       {ip("2001:db8::1"), 64}};  // not IPv4
    EXPECT_TRUE(fill_subnets4(iface, subnets));
    ASSERT_EQ(iface.subnet4_count, 2u);
    EXPECT_EQ(iface.subnet4[0].network, be("192.0.2.0"));
    EXPECT_EQ(iface.subnet4[0].mask, be("255.255.255.0"));
    EXPECT_EQ(iface.subnet4[1].network, be("198.51.100.128"));
    EXPECT_EQ(iface.subnet4[1].mask, be("255.255.255.128"));
    EXPECT_EQ(iface.subnet4[2].mask, 0u);
}

TEST(SubnetTable, MoreSubnetsThanFitCheckNoSender) {
    xvip_iface iface{};
    std::vector<Subnet4> subnets;
    for (int i = 0; i <= XVIP_MAX_SUBNETS4; ++i) {
        subnets.push_back({ip(("10." + std::to_string(i) + ".0.1").c_str()), 16});
    }
    EXPECT_FALSE(fill_subnets4(iface, subnets));
    EXPECT_EQ(iface.subnet4_count, 0u);

    subnets.pop_back();  // exactly as many as fit
    EXPECT_TRUE(fill_subnets4(iface, subnets));
    EXPECT_EQ(iface.subnet4_count, static_cast<std::uint32_t>(XVIP_MAX_SUBNETS4));
}

TEST(SubnetTable, ARewriteDropsSubnetsNoLongerThere) {
    xvip_iface iface{};
    ASSERT_TRUE(fill_subnets4(iface, std::vector<Subnet4>{{ip("192.0.2.10"), 24}, {ip("198.51.100.1"), 24}}));
    ASSERT_TRUE(fill_subnets4(iface, std::vector<Subnet4>{{ip("198.51.100.1"), 24}}));
    EXPECT_EQ(iface.subnet4_count, 1u);
    EXPECT_EQ(iface.subnet4[0].network, be("198.51.100.0"));
    EXPECT_EQ(iface.subnet4[1].network, 0u);
}

}  // namespace
}  // namespace xvip
