// IPv6 VIPs on real nodes (docs/guarantees.md, "IPv6: the standby's own kernel"): a standby's
// kernel never answers a neighbour solicitation for a VIP, whatever shape the solicitation has, and
// no node's kernel speaks from a VIP: not as the source of its own traffic, not as the source of
// its VRRP adverts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "common/mac_address.hpp"
#include "common/unique_fd.hpp"
#include "test_frames.hpp"
#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

void require_root() {
    ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
}

Mac mac_of(const std::string& text) {
    const auto parsed = parse_mac(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(Mac{});
}

// Sends `frames` from the client's eth0 (three rounds, 100 ms apart) and returns the source MACs of
// every neighbour advertisement for `target` the client receives within a second of the last.
std::set<std::string> advertisers(XvipdCluster& c, const std::vector<Bytes>& frames, const IpAddress& target) {
    return c.topology().run_in(c.client().netns, [frames, target] {
        UniqueFd fd(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IPV6)));
        if (!fd) throw std::system_error(errno, std::generic_category(), "AF_PACKET socket");
        sockaddr_ll where{};
        where.sll_family = AF_PACKET;
        where.sll_protocol = htons(ETH_P_IPV6);
        where.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
        if (bind(fd.get(), reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
            throw std::system_error(errno, std::generic_category(), "bind to eth0");
        }
        std::set<std::string> seen;
        const auto receive_until = [&](std::chrono::steady_clock::time_point end) {
            std::array<std::uint8_t, 2048> frame{};
            for (auto now = std::chrono::steady_clock::now(); now < end; now = std::chrono::steady_clock::now()) {
                pollfd p{fd.get(), POLLIN, 0};
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count();
                if (poll(&p, 1, static_cast<int>(left) + 1) <= 0) continue;
                sockaddr_ll from{};
                socklen_t from_len = sizeof from;
                const auto n =
                    recvfrom(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
                // A plain NA: Ethernet, IPv6 with ICMPv6 next, type 136, the target 8 bytes in.
                constexpr std::size_t icmp = 14 + 40;
                if (n < static_cast<ssize_t>(icmp + 24) || from.sll_pkttype == PACKET_OUTGOING) continue;
                if (frame[14 + 6] != 58 || frame[icmp] != 136) continue;
                if (!std::equal(target.bytes().begin(), target.bytes().end(), frame.begin() + icmp + 8)) continue;
                MacAddress source{};
                std::copy_n(frame.begin() + 6, source.size(), source.begin());
                seen.insert(format_mac(source));
            }
        };
        for (int round = 0; round < 3; ++round) {
            for (const auto& f : frames) {
                if (send(fd.get(), f.data(), f.size(), 0) != static_cast<ssize_t>(f.size())) {
                    throw std::system_error(errno, std::generic_category(), "send");
                }
            }
            receive_until(std::chrono::steady_clock::now() + 100ms);
        }
        receive_until(std::chrono::steady_clock::now() + 1s);
        return seen;
    });
}

class Ipv6Vip : public ::testing::Test {
protected:
    void SetUp() override {
        require_root();
        c = std::make_unique<XvipdCluster>(ClusterSpec{.nodes = 2, .ipv6 = true},
                                           std::vector<NodeSettings>{{.priority = 200}, {.priority = 100}});
        c->start(0);
        c->start(1);
        ASSERT_TRUE(c->wait_for_sole_active(0, 10s)) << c->log(0) << c->log(1);
    }

    // A neighbour solicitation for the VIP from the client, to the VIP's solicited-node group.
    // `between` goes between the IPv6 header and ICMPv6 (extension headers; its first byte's next
    // header is ICMPv6), `options` after the body.
    Bytes solicitation(const Bytes& options, const Bytes& between = {}, std::uint8_t first_next = 58) const {
        const auto src = *IpAddress::parse(c->client().ipv6);
        const auto vip = *IpAddress::parse(c->vip());
        const auto group = solicited_node(vip);
        Bytes payload = between;
        const Bytes icmp = icmpv6(src, group, 135, 0, nd_body(0, vip, options));
        payload.insert(payload.end(), icmp.begin(), icmp.end());
        return ethernet(ipv6_multicast_mac(group), mac_of(c->client().mac), ethertype_ipv6,
                        ipv6(src, group, first_next, 255, payload));
    }
    Bytes source_option() const { return lladdr_option(1, mac_of(c->client().mac)); }

    std::unique_ptr<XvipdCluster> c;
};

TEST_F(Ipv6Vip, OnlyTheActiveNodeAnswersAPlainSolicitation) {
    const auto macs = advertisers(*c, {solicitation(source_option())}, *IpAddress::parse(c->vip()));
    EXPECT_EQ(macs, std::set<std::string>{c->node(0).mac})
        << "node0 is active, node1 (" << c->node(1).mac << ") standby";
}

// The program answers only the solicitations it reads whole; the others go to the kernel. The
// standby's kernel must not answer them for the VIP (it would with the VIP on eth0).
TEST_F(Ipv6Vip, StandbyKernelNeverAnswersSolicitationsTheProgramDoesNotRead) {
    // A Destination Options header (PadN, 6 bytes) before the ICMPv6 message.
    const Bytes destination_options{58, 0, 1, 4, 0, 0, 0, 0};
    Bytes five_options = source_option();
    for (int i = 0; i < 4; ++i) {
        const Bytes unknown{200, 1, 0, 0, 0, 0, 0, 0};  // RFC 4861 §4.6: unknown options are ignored
        five_options.insert(five_options.end(), unknown.begin(), unknown.end());
    }
    const auto macs =
        advertisers(*c, {solicitation(source_option(), destination_options, 60), solicitation(five_options)},
                    *IpAddress::parse(c->vip()));
    EXPECT_EQ(macs.count(c->node(1).mac), 0u) << "the standby's kernel answered for the VIP";
}

TEST_F(Ipv6Vip, NoNodePicksTheVipAsTheSourceOfItsOwnTraffic) {
    // A destination that shares all but the last bit with the VIP: RFC 6724 rule 8 (longest
    // matching prefix) would pick the VIP unless it is deprecated (rule 3) or not on the interface.
    const auto vip = *IpAddress::parse(c->vip());
    std::array<std::uint8_t, 16> near{};
    std::ranges::copy(vip.bytes(), near.begin());
    near[15] ^= 1;
    const auto neighbour = IpAddress::v6(near).to_string();
    for (std::size_t i = 0; i < 2; ++i) {
        const auto route = c->topology().run_checked(c->node(i).netns, {"ip", "-6", "route", "get", neighbour});
        EXPECT_EQ(route.out.find("src " + c->vip() + " "), std::string::npos) << c->node(i).name << ": " << route.out;
        EXPECT_NE(route.out.find("src " + c->node(i).ipv6 + " "), std::string::npos)
            << c->node(i).name << ": " << route.out;
    }
}

// A link-local VIP (RFC 5798 §5.2.9 wants one first in an IPv6 advert) is on every node's eth0.
// After a restart the daemon must not pick it as its adverts' source: the peer would drop them as
// its own and become master too.
TEST(Ipv6LinkLocalVip, RestartedBackupKeepsItsOwnLinkLocalAsAdvertSource) {
    require_root();
    XvipdCluster c({.nodes = 2, .ipv6 = true, .extra_vips = {"fe80::1:51/64"}}, {{.priority = 200}, {.priority = 100}});
    c.start(0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 10s)) << c.log(0) << c.log(1);
    const auto transitions_of_node0 = [&] {
        const auto status = c.status(0);
        EXPECT_FALSE(status.contains("error")) << status.dump();
        return status.value("instances", nlohmann::json::array()).at(0).value("transitions", std::uint64_t{0});
    };
    const auto before = transitions_of_node0();
    for (const int restarts : {1, 2}) {
        ASSERT_EQ(c.stop(1, SIGUSR2).code, 0) << c.log(1);
        c.start(1);
        std::this_thread::sleep_for(1500ms);  // several Master_Down_Intervals of node1 (361 ms)
        EXPECT_EQ(c.active_nodes(), std::vector<std::size_t>{0}) << "after restart " << restarts << "\n" << c.log(1);
        const auto status = c.status(1);
        ASSERT_FALSE(status.contains("error")) << status.dump();
        EXPECT_NE(status["instances"][0]["source"], "fe80::1:51") << status.dump(2);
        EXPECT_EQ(status["instances"][0]["state"], "BACKUP") << status.dump(2);
    }
    EXPECT_EQ(transitions_of_node0(), before) << "node0 saw no contest";
}

}  // namespace
}  // namespace xvip::test
