// The daemon's kernel plumbing (loader/system) against a real kernel, in a namespace topology of
// two nodes and a client: adverts over raw VRRP sockets (IPv4 multicast and unicast, IPv6
// multicast and unicast) encoded and checked with the codec, a GARP seen by the client, the
// interface as netlink reports it, the VIPs and sysctls VipHolder puts in place and gives back
// (also across a restart that adopts the state file, and after a failure half-way), and the link
// monitor following `ip link set eth0 down/up`. Every wait is bounded; the Topology removes
// everything at the end, also on failure.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "codec/advert_codec.hpp"
#include "codec/frames.hpp"
#include "common/unique_fd.hpp"
#include "system/frame_sender.hpp"
#include "system/interface_info.hpp"
#include "system/link_monitor.hpp"
#include "system/vip_holder.hpp"
#include "system/vrrp_socket.hpp"
#include "topology/topology.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
namespace plan = topo::address_plan;

IpAddress ip(const std::string& text) {
    const auto address = IpAddress::parse(text);
    if (!address) throw std::invalid_argument("not an address: " + text);
    return *address;
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// A received packet with its bytes copied out of the socket's buffer.
struct Received {
    IpEnvelope envelope;
    std::uint8_t ttl = 0;
    std::vector<std::uint8_t> message;
};

// The first VRRP packet within `timeout`, skipping discards; nullopt if none came.
std::optional<Received> wait_packet(VrrpSocket& socket, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms || !wait_readable(socket.fd(), left)) return std::nullopt;
        const ReceiveResult r = socket.receive();
        if (r.outcome == ReceiveOutcome::packet) {
            return Received{r.packet.envelope, r.packet.ttl, {r.packet.message.begin(), r.packet.message.end()}};
        }
        if (r.outcome == ReceiveOutcome::failed) {
            ADD_FAILURE() << "receive failed: " << std::generic_category().message(r.error_number);
            return std::nullopt;
        }
    }
}

// An AF_PACKET socket in `netns` receiving every frame of `ethertype` on its eth0, opened before
// anything is sent so that nothing is missed.
std::shared_ptr<UniqueFd> open_capture(const topo::Topology& topology, const std::string& netns,
                                       std::uint16_t ethertype) {
    return topology.run_in(netns, [ethertype] {
        UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ethertype)));
        if (!fd) throw std::system_error(errno, std::generic_category(), "open a capture socket");
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ethertype);
        address.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
        if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            throw std::system_error(errno, std::generic_category(), "bind a capture socket to eth0");
        }
        return std::make_shared<UniqueFd>(std::move(fd));
    });
}

// The first captured frame (Ethernet header included) for which `match` holds, within `timeout`.
template <typename Match>
std::optional<std::vector<std::uint8_t>> capture_frame(int fd, std::chrono::milliseconds timeout, Match match) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!wait_readable(fd, 50ms)) continue;
        std::vector<std::uint8_t> frame(2048);
        const ssize_t n = recv(fd, frame.data(), frame.size(), 0);
        if (n <= 0) continue;
        frame.resize(static_cast<std::size_t>(n));
        if (match(frame)) return frame;
    }
    return std::nullopt;
}

Advert sample_advert(const IpAddress& vip) {
    return Advert{.version = VrrpVersion::v3, .vrid = 51, .priority = 150, .interval_cs = 100, .addresses = {vip}};
}

class SystemOnTopology : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "this suite opens raw sockets and changes addresses and sysctls in "
                                    "network namespaces: run it as root";
        topo = std::make_unique<topo::Topology>(topo::TopologySpec{.nodes = 2, .clients = 1});
    }
    void TearDown() override { topo.reset(); }

    const topo::Endpoint& node(std::size_t i) const { return topo->node(i); }

    // Runs `task` on a thread inside node i's namespace.
    template <typename Task>
    auto in_node(std::size_t i, Task task) {
        return topo->run_in(node(i).netns, std::move(task));
    }
    std::string on_node(std::size_t i, const std::vector<std::string>& argv) {
        return topo->run_checked(node(i).netns, argv).out;
    }
    std::string sysctl(std::size_t i, const std::string& dotted) {
        std::string value = on_node(i, {"sysctl", "-n", dotted});
        while (!value.empty() && value.back() == '\n') value.pop_back();
        return value;
    }
    void set_sysctl(std::size_t i, const std::string& dotted, const std::string& value) {
        on_node(i, {"sysctl", "-qw", dotted + "=" + value});
    }

    std::shared_ptr<VrrpSocket> vrrp_socket(std::size_t i, AddressFamily family, VrrpTransport transport) {
        return in_node(i, [family, transport] {
            return std::make_shared<VrrpSocket>(
                VrrpSocketOptions{.ifname = "eth0", .family = family, .transport = transport});
        });
    }
    InterfaceInfo interface_of(std::size_t i) {
        return in_node(i, [] { return read_interface("eth0"); });
    }

    // Encodes the sample advert for (source, destination), sends it from `from`, and checks that `to`
    // gets it with that envelope, TTL 255 and a checksum decode_advert accepts.
    void exchange(VrrpSocket& from, VrrpSocket& to, const IpAddress& source, const IpAddress& destination,
                  const IpAddress& vip) {
        const IpEnvelope envelope{.family = source.family(), .source = source, .destination = destination};
        const Advert advert = sample_advert(vip);
        const auto encoded = encode_advert(advert, envelope);
        ASSERT_TRUE(encoded) << to_string(encoded.error());
        const SendResult sent = from.send(encoded.value(), source, destination);
        ASSERT_TRUE(sent) << "send " << source.to_string() << " -> " << destination.to_string() << ": "
                          << std::generic_category().message(sent.error_number);
        const auto got = wait_packet(to, 2s);
        ASSERT_TRUE(got) << "no advert from " << source.to_string() << " to " << destination.to_string();
        EXPECT_EQ(got->envelope.family, source.family());
        EXPECT_EQ(got->envelope.source, source);
        EXPECT_EQ(got->envelope.destination, destination);
        EXPECT_EQ(got->ttl, 255);
        const auto decoded = decode_advert(got->message, got->envelope);
        ASSERT_TRUE(decoded) << "decode_advert: " << to_string(decoded.error());
        EXPECT_EQ(decoded->advert, advert);
        EXPECT_EQ(decoded->checksum_form, default_checksum_form(VrrpVersion::v3, source.family()));
    }

    std::unique_ptr<topo::Topology> topo;
    const IpAddress vip4 = ip(plan::vip_ipv4(0));
    const IpAddress vip6 = ip(plan::vip_ipv6(0));
};

// --- VrrpSocket ---------------------------------------------------------------------------------

TEST_F(SystemOnTopology, Ipv4MulticastAdvertReachesThePeerButNotTheSender) {
    auto sender = vrrp_socket(0, AddressFamily::ipv4, VrrpTransport::multicast);
    auto receiver = vrrp_socket(1, AddressFamily::ipv4, VrrpTransport::multicast);
    auto unicast_on_receiver = vrrp_socket(1, AddressFamily::ipv4, VrrpTransport::unicast);
    const auto info = interface_of(0);
    ASSERT_TRUE(info.primary_ipv4);
    EXPECT_EQ(*info.primary_ipv4, ip(node(0).ipv4));
    const auto wire = open_capture(*topo, topo->client(0).netns, ETH_P_IP);
    exchange(*sender, *receiver, *info.primary_ipv4, VrrpSocket::multicast_group(AddressFamily::ipv4), vip4);
    // On the wire, as keepalived sends it: TOS 0xc0, no DF, TTL 255, protocol 112, to 01:00:5e:00:00:12.
    const auto frame = capture_frame(wire->get(), 2s, [](const std::vector<std::uint8_t>& f) {
        return f.size() >= 34 && f[14 + 9] == ip_protocol_vrrp;
    });
    ASSERT_TRUE(frame) << "the client, on the same segment, saw the multicast advert";
    EXPECT_EQ((*frame)[0], 0x01);
    EXPECT_EQ((*frame)[5], 0x12);
    EXPECT_EQ((*frame)[14], 0x45);
    EXPECT_EQ((*frame)[14 + 1], 0xc0) << "TOS";
    EXPECT_EQ((*frame)[14 + 6] & 0xe0, 0) << "no DF";
    EXPECT_EQ((*frame)[14 + 8], 255) << "TTL";
    EXPECT_FALSE(wait_packet(*sender, 300ms)) << "IP_MULTICAST_LOOP is off: our own advert never comes back";
    EXPECT_EQ(sender->receive().outcome, ReceiveOutcome::nothing_pending);
    EXPECT_FALSE(wait_packet(*unicast_on_receiver, 300ms))
        << "a unicast socket, which joined nothing, gets no multicast advert";
}

TEST_F(SystemOnTopology, Ipv4UnicastAdvertCarriesTheRealDestination) {
    auto sender = vrrp_socket(0, AddressFamily::ipv4, VrrpTransport::unicast);
    auto receiver = vrrp_socket(1, AddressFamily::ipv4, VrrpTransport::unicast);
    exchange(*sender, *receiver, ip(node(0).ipv4), ip(node(1).ipv4), vip4);
    // And back: both directions work on the same sockets.
    exchange(*receiver, *sender, ip(node(1).ipv4), ip(node(0).ipv4), vip4);
}

TEST_F(SystemOnTopology, Ipv6MulticastAndUnicastAdvertsFromTheLinkLocalAddress) {
    auto sender = vrrp_socket(0, AddressFamily::ipv6, VrrpTransport::multicast);
    auto receiver = vrrp_socket(1, AddressFamily::ipv6, VrrpTransport::multicast);
    const auto info0 = interface_of(0);
    const auto info1 = interface_of(1);
    ASSERT_TRUE(info0.ipv6_link_local);
    ASSERT_TRUE(info1.ipv6_link_local);
    const IpAddress link_local = *info0.ipv6_link_local;
    const auto wire = open_capture(*topo, topo->client(0).netns, ETH_P_IPV6);
    exchange(*sender, *receiver, link_local, VrrpSocket::multicast_group(AddressFamily::ipv6), vip6);
    // On the wire: traffic class 0xc0, next header 112, hop limit 255, to 33:33:00:00:00:12.
    const auto frame = capture_frame(wire->get(), 2s, [](const std::vector<std::uint8_t>& f) {
        return f.size() >= 54 && f[14 + 6] == ip_protocol_vrrp;
    });
    ASSERT_TRUE(frame) << "the client, on the same segment, saw the multicast advert";
    EXPECT_EQ((*frame)[0], 0x33);
    EXPECT_EQ((*frame)[5], 0x12);
    const int traffic_class = (((*frame)[14] & 0x0f) << 4) | ((*frame)[15] >> 4);
    EXPECT_EQ(traffic_class, 0xc0);
    EXPECT_EQ((*frame)[14 + 7], 255) << "hop limit";
    EXPECT_FALSE(wait_packet(*sender, 300ms)) << "IPV6_MULTICAST_LOOP is off";

    auto unicast_sender = vrrp_socket(0, AddressFamily::ipv6, VrrpTransport::unicast);
    auto unicast_receiver = vrrp_socket(1, AddressFamily::ipv6, VrrpTransport::unicast);
    exchange(*unicast_sender, *unicast_receiver, link_local, ip(node(1).ipv6), vip6);
    exchange(*unicast_sender, *unicast_receiver, link_local, *info1.ipv6_link_local, vip6);
}

TEST_F(SystemOnTopology, SendFailuresAreReturnedNotThrown) {
    auto socket = vrrp_socket(0, AddressFamily::ipv4, VrrpTransport::unicast);
    const std::vector<std::uint8_t> message(8, 0);
    const SendResult wrong_family = socket->send(message, vip6, vip6);
    EXPECT_FALSE(wrong_family);
    EXPECT_EQ(wrong_family.error_number, EAFNOSUPPORT);
    EXPECT_EQ(socket->receive().outcome, ReceiveOutcome::nothing_pending);
    try {
        in_node(0, [] { return VrrpSocket(VrrpSocketOptions{.ifname = "nosuch0"}); });
        FAIL() << "a socket on a missing interface must not open";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("nosuch0"), std::string::npos) << e.what();
    }
}

// --- FrameSender --------------------------------------------------------------------------------

TEST_F(SystemOnTopology, GratuitousArpReachesTheClient) {
    // The client listens for ARP on its eth0 before the node sends.
    const auto capture = open_capture(*topo, topo->client(0).netns, ETH_P_ARP);
    const auto mac = parse_mac(node(0).mac);
    ASSERT_TRUE(mac);
    const auto garp = build_gratuitous_arp(*mac, vip4);
    ASSERT_TRUE(garp);
    auto sender = in_node(0, [] { return std::make_shared<FrameSender>("eth0"); });
    EXPECT_EQ(sender->ifindex(), interface_of(0).index);
    const SendResult sent = sender->send(*garp);
    ASSERT_TRUE(sent) << std::generic_category().message(sent.error_number);

    // The frame may arrive padded to the Ethernet minimum: compare what we sent.
    const bool seen = capture_frame(capture->get(), 2s, [&](const std::vector<std::uint8_t>& frame) {
                          return frame.size() >= garp->size() && std::equal(garp->begin(), garp->end(), frame.begin());
                      }).has_value();
    EXPECT_TRUE(seen) << "the client saw the node's gratuitous ARP for " << vip4.to_string();

    const std::array<std::uint8_t, 3> runt{1, 2, 3};
    EXPECT_FALSE(sender->send(runt)) << "a frame shorter than an Ethernet header is refused, not thrown";
}

// --- read_interface -----------------------------------------------------------------------------

TEST_F(SystemOnTopology, ReadInterfaceReportsThePlannedAddresses) {
    const InterfaceInfo info = interface_of(0);
    EXPECT_EQ(info.name, "eth0");
    EXPECT_GT(info.index, 0);
    EXPECT_EQ(format_mac(info.mac), node(0).mac);
    EXPECT_TRUE(info.up);
    EXPECT_TRUE(info.running);
    EXPECT_EQ(info.mtu, 1500u);
    ASSERT_TRUE(info.primary_ipv4);
    EXPECT_EQ(*info.primary_ipv4, ip(node(0).ipv4));
    ASSERT_TRUE(info.ipv6_link_local);
    EXPECT_TRUE(info.ipv6_link_local->is_link_local());
    const auto has = [&](const std::string& address, int length) {
        return std::ranges::any_of(info.prefixes, [&](const InterfacePrefix& p) {
            return p.address == ip(address) && p.prefix_length == length;
        });
    };
    EXPECT_TRUE(has(node(0).ipv4, plan::kIpv4PrefixLength));
    EXPECT_TRUE(has(node(0).ipv6, plan::kIpv6PrefixLength));
    EXPECT_TRUE(on_link(info, vip4));
    EXPECT_TRUE(on_link(info, vip6));
    EXPECT_FALSE(on_link(info, ip("203.0.113.1")));
    EXPECT_FALSE(on_link(info, ip("2001:db8:2::1")));

    // A secondary address is not the primary one.
    on_node(0, {"ip", "addr", "add", "192.0.2.200/24", "dev", "eth0"});
    const InterfaceInfo again = interface_of(0);
    EXPECT_EQ(*again.primary_ipv4, ip(node(0).ipv4));
    EXPECT_TRUE(std::ranges::any_of(
        again.prefixes, [](const InterfacePrefix& p) { return p.address == ip("192.0.2.200") && p.secondary; }));

    try {
        in_node(0, [] { return read_interface("nosuch0"); });
        FAIL() << "a missing interface must be an error";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENODEV);
        EXPECT_NE(std::string(e.what()).find("nosuch0"), std::string::npos) << e.what();
    }
}

// --- VipHolder ----------------------------------------------------------------------------------

class VipHolding : public SystemOnTopology {
protected:
    void SetUp() override {
        SystemOnTopology::SetUp();
        if (HasFatalFailure()) return;
        state_dir = topo->run_dir() / "state-node0";
        // Values unlike both the defaults and ours, to tell "restored" from "reset".
        for (const auto& [name, value] : originals) set_sysctl(0, name, value);
    }

    std::shared_ptr<VipHolder> make_holder(std::vector<IpAddress> vips, std::string ifname = "eth0") {
        VipHolderOptions options{.ifname = std::move(ifname), .vips = std::move(vips), .state_dir = state_dir};
        return in_node(0, [options] { return std::make_shared<VipHolder>(options); });
    }
    void hold(const std::shared_ptr<VipHolder>& holder) {
        in_node(0, [holder] { holder->hold(); });
    }
    void release(const std::shared_ptr<VipHolder>& holder) {
        in_node(0, [holder] { holder->release(); });
    }
    void keep(const std::shared_ptr<VipHolder>& holder) {
        in_node(0, [holder] { holder->keep(); });
    }

    std::string addresses(const std::string& dev) { return on_node(0, {"ip", "-o", "addr", "show", "dev", dev}); }
    bool has_address(const std::string& dev, const std::string& with_prefix) {
        return addresses(dev).find(" " + with_prefix + " ") != std::string::npos;
    }
    std::vector<std::pair<std::string, std::string>> current_sysctls() {
        std::vector<std::pair<std::string, std::string>> now;
        for (const auto& [name, value] : originals) now.emplace_back(name, sysctl(0, name));
        return now;
    }
    void expect_sysctls(const std::vector<std::pair<std::string, std::string>>& expected, const char* when) {
        for (const auto& [name, value] : expected) EXPECT_EQ(sysctl(0, name), value) << name << " " << when;
    }
    std::filesystem::path state_file() const { return state_dir / "eth0.state"; }

    std::filesystem::path state_dir;
    const std::vector<std::pair<std::string, std::string>> originals{
        {"net.ipv4.conf.all.arp_ignore", "2"},   {"net.ipv4.conf.eth0.arp_ignore", "0"},
        {"net.ipv4.conf.all.arp_announce", "1"}, {"net.ipv4.conf.eth0.arp_announce", "0"},
        {"net.ipv4.conf.eth0.arp_notify", "1"},  {"net.ipv6.conf.eth0.ndisc_notify", "1"}};
    const std::vector<std::pair<std::string, std::string>> held_values{
        {"net.ipv4.conf.all.arp_ignore", "1"},   {"net.ipv4.conf.eth0.arp_ignore", "1"},
        {"net.ipv4.conf.all.arp_announce", "2"}, {"net.ipv4.conf.eth0.arp_announce", "2"},
        {"net.ipv4.conf.eth0.arp_notify", "0"},  {"net.ipv6.conf.eth0.ndisc_notify", "0"}};
    const std::string vip4_other = plan::vip_ipv4(1);
    const IpAddress vip6_link_local = ip("fe80::1:51");
};

TEST_F(VipHolding, HoldPutsVipsAndSysctlsInPlaceAndReleaseRestoresExactly) {
    // An address that was there before is used, never removed.
    on_node(0, {"ip", "addr", "add", vip4_other + "/32", "dev", "lo"});
    auto holder = make_holder({vip4, ip(vip4_other), vip6, vip6_link_local});
    hold(holder);
    EXPECT_FALSE(holder->adopted());
    EXPECT_TRUE(has_address("lo", vip4.to_string() + "/32")) << addresses("lo");
    EXPECT_TRUE(has_address("lo", vip4_other + "/32"));
    EXPECT_FALSE(has_address("eth0", vip4.to_string() + "/32")) << "IPv4 VIPs live on lo only";
    // A global IPv6 VIP on lo (the kernel never answers a solicitation for it on eth0), a
    // link-local one on its link; both without DAD and deprecated (never a source).
    const auto line_of = [&](const char* dev, const IpAddress& vip) {
        const std::string all = on_node(0, {"ip", "-o", "-6", "addr", "show", "dev", dev});
        const auto at = all.find(" " + vip.to_string() + "/128 ");
        if (at == std::string::npos) return "(not on " + std::string(dev) + ": " + all + ")";
        return all.substr(at, all.find('\n', at) - at);
    };
    for (const auto& [dev, vip] : {std::pair{"lo", vip6}, std::pair{"eth0", vip6_link_local}}) {
        const std::string line = line_of(dev, vip);
        EXPECT_NE(line.find("nodad"), std::string::npos) << "the IPv6 VIP skips DAD: " << line;
        EXPECT_NE(line.find("deprecated"), std::string::npos) << line;
        EXPECT_NE(line.find("preferred_lft 0sec"), std::string::npos) << line;
        EXPECT_NE(line.find("valid_lft forever"), std::string::npos) << line;
        EXPECT_EQ(line.find("tentative"), std::string::npos) << line;
    }
    EXPECT_EQ(addresses("eth0").find(vip6.to_string()), std::string::npos) << "a global IPv6 VIP is never on eth0";
    expect_sysctls(held_values, "while held");
    ASSERT_TRUE(std::filesystem::exists(state_file()));
    const auto& added = holder->state().added_addresses;
    EXPECT_EQ(added.size(), 3u) << "the VIP that was already there is not ours";
    EXPECT_TRUE(std::ranges::none_of(added, [&](const HeldAddress& h) { return h.address == ip(vip4_other); }));

    release(holder);
    expect_sysctls(originals, "after release");
    EXPECT_FALSE(has_address("lo", vip4.to_string() + "/32")) << addresses("lo");
    EXPECT_TRUE(has_address("lo", vip4_other + "/32")) << "release leaves what was there before";
    EXPECT_EQ(addresses("lo").find(vip6.to_string()), std::string::npos);
    EXPECT_EQ(addresses("eth0").find(vip6_link_local.to_string()), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(state_file()));
    EXPECT_FALSE(holder->held());
}

TEST_F(VipHolding, ANextHolderAdoptsTheStateFileAndRestoresTheOriginals) {
    {
        auto first = make_holder({vip4, vip6});
        hold(first);
        keep(first);  // the restart path: xvipd exits leaving everything in place
        in_node(0, [first = std::move(first)]() mutable { first.reset(); });
    }
    expect_sysctls(held_values, "after keep()");
    EXPECT_TRUE(has_address("lo", vip4.to_string() + "/32"));
    ASSERT_TRUE(std::filesystem::exists(state_file()));

    // The next xvipd is configured with the IPv4 VIP only: the IPv6 one it no longer has goes.
    auto second = make_holder({vip4});
    hold(second);
    EXPECT_TRUE(second->adopted());
    EXPECT_TRUE(has_address("lo", vip4.to_string() + "/32"));
    EXPECT_EQ(addresses("lo").find(vip6.to_string()), std::string::npos)
        << "an address the first holder added for a VIP no longer configured is removed";
    EXPECT_EQ(second->state().original_sysctls.at("net/ipv4/conf/all/arp_ignore"), "2")
        << "adoption keeps the recorded original, not our own value found in the kernel";

    release(second);
    expect_sysctls(originals, "after the adopting holder's release");
    EXPECT_FALSE(has_address("lo", vip4.to_string() + "/32"));
    EXPECT_FALSE(std::filesystem::exists(state_file()));
}

TEST_F(VipHolding, AHoldOnAMissingInterfaceChangesNothing) {
    auto holder = make_holder({vip4, vip6}, "nosuch0");
    try {
        hold(holder);
        FAIL() << "hold on a missing interface must throw";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("nosuch0"), std::string::npos) << e.what();
    }
    expect_sysctls(originals, "after the failed hold");
    EXPECT_FALSE(has_address("lo", vip4.to_string() + "/32"));
    EXPECT_FALSE(std::filesystem::exists(state_dir / "nosuch0.state"));
}

TEST_F(VipHolding, AHoldFailingHalfWayUndoesEverything) {
    // With IPv6 off on eth0 the kernel refuses the link-local VIP, after the sysctls and the IPv4
    // VIP are in.
    set_sysctl(0, "net.ipv6.conf.eth0.disable_ipv6", "1");
    auto holder = make_holder({vip4, vip6_link_local});
    try {
        hold(holder);
        FAIL() << "hold must fail on the link-local VIP";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find(vip6_link_local.to_string()), std::string::npos) << e.what();
        EXPECT_NE(e.code().value(), 0);
    }
    EXPECT_FALSE(holder->held());
    expect_sysctls(originals, "after the half-way failure");
    EXPECT_FALSE(has_address("lo", vip4.to_string() + "/32")) << "the IPv4 VIP added first is removed again";
    EXPECT_FALSE(std::filesystem::exists(state_file())) << "no state file is left";

    // Adopting, the failure puts the earlier state file back as it was.
    set_sysctl(0, "net.ipv6.conf.eth0.disable_ipv6", "0");
    topo->wait_ipv6_settled();
    auto first = make_holder({vip4});
    hold(first);
    keep(first);
    const auto recorded = load_vip_hold_state(state_file());
    ASSERT_TRUE(recorded);
    set_sysctl(0, "net.ipv6.conf.eth0.disable_ipv6", "1");
    auto second = make_holder({vip4, vip6_link_local});
    EXPECT_THROW(hold(second), std::system_error);
    EXPECT_EQ(load_vip_hold_state(state_file()), recorded);
    EXPECT_TRUE(has_address("lo", vip4.to_string() + "/32")) << "what the first holder holds stays held";
    expect_sysctls({held_values.begin(), held_values.end() - 1}, "after the failed adoption");
    release(second);  // restores from the state file
    expect_sysctls({originals.begin(), originals.end() - 1}, "after cleaning up from the state file");
    EXPECT_FALSE(has_address("lo", vip4.to_string() + "/32"));
}

TEST_F(VipHolding, RefusesToActFromAnotherNetworkNamespace) {
    auto holder = make_holder({vip4});
    hold(holder);
    // This thread is in the test's own namespace: the sysctls there are not the node's.
    EXPECT_THROW(holder->release(), std::logic_error);
    expect_sysctls({held_values.begin(), held_values.end() - 1}, "after the refused release");
    release(holder);
    expect_sysctls(originals, "after the release in the node");
}

// --- LinkMonitor --------------------------------------------------------------------------------

TEST_F(SystemOnTopology, LinkMonitorFollowsEth0DownAndUp) {
    auto monitor = in_node(0, [] {
        return std::make_shared<LinkMonitor>(std::vector<std::string>{"eth0", "nosuch0"});
    });
    const auto initial = monitor->snapshot();
    ASSERT_EQ(initial.size(), 2u);
    EXPECT_EQ(initial[0].ifname, "eth0");
    EXPECT_TRUE(initial[0].healthy());
    EXPECT_EQ(initial[0].index, interface_of(0).index);
    EXPECT_EQ(initial[1].ifname, "nosuch0");
    EXPECT_FALSE(initial[1].exists);
    EXPECT_TRUE(monitor->read().changes.empty()) << "nothing changed yet";

    // Waits until the monitor reports eth0 in the wanted state; returns whether it did in time.
    const auto wait_for = [&](bool up, bool running) {
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (!wait_readable(monitor->fd(), 100ms)) continue;
            const LinkChanges read = monitor->read();
            EXPECT_EQ(read.error_number, 0);
            for (const auto& change : read.changes) {
                EXPECT_EQ(change.ifname, "eth0") << "only watched interfaces are reported";
                if (change.exists && change.up == up && change.running == running) return true;
            }
        }
        return false;
    };
    on_node(0, {"ip", "link", "set", "eth0", "down"});
    EXPECT_TRUE(wait_for(false, false)) << "eth0 down was reported";
    EXPECT_FALSE(monitor->snapshot()[0].healthy());
    on_node(0, {"ip", "link", "set", "eth0", "up"});
    EXPECT_TRUE(wait_for(true, true)) << "eth0 up and running again was reported";
    EXPECT_TRUE(monitor->snapshot()[0].healthy());
}

}  // namespace
}  // namespace xvip
