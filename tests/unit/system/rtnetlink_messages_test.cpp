#include "system/rtnetlink_messages.hpp"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

// A message as the kernel would send it, built in a buffer with libmnl.
class Message {
public:
    explicit Message(std::uint16_t type) {
        header_ = mnl_nlmsg_put_header(buffer_.data());
        header_->nlmsg_type = type;
    }
    template <typename Fixed>
    Fixed& fixed() {
        return *static_cast<Fixed*>(mnl_nlmsg_put_extra_header(header_, sizeof(Fixed)));
    }
    void attribute(std::uint16_t type, std::span<const std::uint8_t> bytes) {
        mnl_attr_put(header_, type, bytes.size(), bytes.data());
    }
    void attribute(std::uint16_t type, const IpAddress& address) { attribute(type, address.bytes()); }
    void attribute_u32(std::uint16_t type, std::uint32_t value) { mnl_attr_put_u32(header_, type, value); }
    void attribute_string(std::uint16_t type, const char* text) { mnl_attr_put_strz(header_, type, text); }
    nlattr* begin_nested(std::uint16_t type) { return mnl_attr_nest_start(header_, type); }
    void end_nested(nlattr* nest) { mnl_attr_nest_end(header_, nest); }
    void attribute_u8(std::uint16_t type, std::uint8_t value) { mnl_attr_put_u8(header_, type, value); }
    nlmsghdr& header() { return *header_; }

private:
    alignas(nlmsghdr) std::array<char, 512> buffer_{};
    nlmsghdr* header_;
};

Message link_message(std::uint16_t type, int index, unsigned flags, const char* name) {
    Message m(type);
    auto& info = m.fixed<ifinfomsg>();
    info.ifi_index = index;
    info.ifi_flags = flags;
    if (name) m.attribute_string(IFLA_IFNAME, name);
    return m;
}

TEST(ParseLinkMessage, ReadsIndexNameFlagsMtuAndMac) {
    Message m = link_message(RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING | IFF_BROADCAST, "eth0");
    m.attribute_u32(IFLA_MTU, 1500);
    const std::array<std::uint8_t, 6> mac{0x02, 0x78, 0x76, 0x01, 0x00, 0x01};
    m.attribute(IFLA_ADDRESS, mac);
    const auto link = parse_link_message(m.header());
    ASSERT_TRUE(link);
    EXPECT_EQ(link->index, 7);
    EXPECT_EQ(link->name, "eth0");
    EXPECT_FALSE(link->deleted);
    EXPECT_TRUE(link->up);
    EXPECT_TRUE(link->running);
    EXPECT_EQ(link->mtu, 1500u);
    ASSERT_TRUE(link->mac);
    EXPECT_EQ(*link->mac, mac);
}

TEST(ParseLinkMessage, ReadsAVethsKindPeerAndXdp) {
    Message m = link_message(RTM_NEWLINK, 9, IFF_UP, "veth0");
    m.attribute_u32(IFLA_LINK, 12);
    m.attribute_u32(IFLA_LINK_NETNSID, 3);
    nlattr* info = m.begin_nested(IFLA_LINKINFO);
    m.attribute_string(IFLA_INFO_KIND, "veth");
    m.end_nested(info);
    nlattr* xdp = m.begin_nested(IFLA_XDP);
    m.attribute_u8(IFLA_XDP_ATTACHED, XDP_ATTACHED_DRV);
    m.end_nested(xdp);
    const auto link = parse_link_message(m.header());
    ASSERT_TRUE(link);
    EXPECT_EQ(link->kind, "veth");
    EXPECT_EQ(link->peer_index, 12);
    ASSERT_TRUE(link->peer_netnsid);
    EXPECT_EQ(*link->peer_netnsid, 3);
    EXPECT_TRUE(link->xdp_attached);

    Message plain = link_message(RTM_NEWLINK, 2, IFF_UP, "eth0");
    nlattr* none = plain.begin_nested(IFLA_XDP);
    plain.attribute_u8(IFLA_XDP_ATTACHED, XDP_ATTACHED_NONE);
    plain.end_nested(none);
    const auto eth = parse_link_message(plain.header());
    ASSERT_TRUE(eth);
    EXPECT_EQ(eth->kind, "");
    EXPECT_EQ(eth->peer_index, 0);
    EXPECT_FALSE(eth->peer_netnsid);
    EXPECT_FALSE(eth->xdp_attached);
}

TEST(BuildGetLinkByIndexRequest, NamesTheIndexAndTheTargetNamespace) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    const nlmsghdr& request = build_get_link_by_index_request(buffer, 12, 3);
    EXPECT_EQ(request.nlmsg_type, RTM_GETLINK);
    const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(&request));
    EXPECT_EQ(info->ifi_index, 12);
    const auto* attribute = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&request, sizeof(ifinfomsg)));
    ASSERT_TRUE(
        mnl_attr_ok(attribute, static_cast<int>(request.nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(ifinfomsg)))));
    EXPECT_EQ(mnl_attr_get_type(attribute), IFLA_TARGET_NETNSID);
    EXPECT_EQ(mnl_attr_get_u32(attribute), 3u);

    const nlmsghdr& here = build_get_link_by_index_request(buffer, 12, std::nullopt);
    EXPECT_EQ(here.nlmsg_len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg))) << "no target namespace";
}

TEST(ParseLinkMessage, DownAndDeletedAndNoMac) {
    Message down = link_message(RTM_NEWLINK, 3, 0, "eth1");
    const std::array<std::uint8_t, 4> tunnel_address{192, 0, 2, 1};
    down.attribute(IFLA_ADDRESS, tunnel_address);
    const auto link = parse_link_message(down.header());
    ASSERT_TRUE(link);
    EXPECT_FALSE(link->up);
    EXPECT_FALSE(link->running);
    EXPECT_FALSE(link->mac) << "a 4-byte hardware address is not a MAC";

    Message gone = link_message(RTM_DELLINK, 3, IFF_UP, "eth1");
    const auto deleted = parse_link_message(gone.header());
    ASSERT_TRUE(deleted);
    EXPECT_TRUE(deleted->deleted);
}

TEST(ParseLinkMessage, RefusesOtherTypesTruncationAndNamelessLinks) {
    Message addr = link_message(RTM_NEWADDR, 3, 0, "eth1");
    EXPECT_FALSE(parse_link_message(addr.header()));
    Message nameless = link_message(RTM_NEWLINK, 3, 0, nullptr);
    EXPECT_FALSE(parse_link_message(nameless.header()));
    Message short_one = link_message(RTM_NEWLINK, 3, 0, nullptr);
    short_one.header().nlmsg_len = static_cast<std::uint32_t>(mnl_nlmsg_size(sizeof(ifinfomsg) - 1));
    EXPECT_FALSE(parse_link_message(short_one.header()));
    // An attribute whose length runs past the message is not read.
    Message overrun = link_message(RTM_NEWLINK, 3, 0, "eth1");
    overrun.header().nlmsg_len -= 4;
    const auto partial = parse_link_message(overrun.header());
    EXPECT_FALSE(partial) << "the only name attribute is cut short";
}

Message address_message(std::uint16_t type, std::uint8_t family, int index, std::uint8_t prefix_length,
                        std::uint8_t flags) {
    Message m(type);
    auto& info = m.fixed<ifaddrmsg>();
    info.ifa_family = family;
    info.ifa_index = static_cast<std::uint32_t>(index);
    info.ifa_prefixlen = prefix_length;
    info.ifa_flags = flags;
    return m;
}

TEST(ParseAddressMessage, Ipv4PrefersTheLocalAddressAndReadsSecondary) {
    Message m = address_message(RTM_NEWADDR, AF_INET, 2, 24, IFA_F_SECONDARY);
    m.attribute(IFA_ADDRESS, ip("192.0.2.99"));  // the peer on a point-to-point link
    m.attribute(IFA_LOCAL, ip("192.0.2.10"));
    const auto parsed = parse_address_message(m.header());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->index, 2);
    EXPECT_FALSE(parsed->deleted);
    EXPECT_EQ(
        parsed->prefix,
        (InterfacePrefix{.address = ip("192.0.2.10"), .prefix_length = 24, .secondary = true, .tentative = false}));
}

TEST(ParseAddressMessage, Ipv6TakesTheAddressAndTheFullFlags) {
    Message m = address_message(RTM_DELADDR, AF_INET6, 4, 64, 0);
    m.attribute(IFA_ADDRESS, ip("fe80::78:76ff:fe01:1"));
    m.attribute_u32(IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_NOPREFIXROUTE);
    const auto parsed = parse_address_message(m.header());
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->deleted);
    EXPECT_EQ(parsed->prefix.address, ip("fe80::78:76ff:fe01:1"));
    EXPECT_EQ(parsed->prefix.prefix_length, 64);
    EXPECT_TRUE(parsed->prefix.tentative);
    EXPECT_FALSE(parsed->prefix.secondary);
}

TEST(ParseAddressMessage, RefusesWhatIsNotAnAddress) {
    Message no_address = address_message(RTM_NEWADDR, AF_INET, 2, 24, 0);
    EXPECT_FALSE(parse_address_message(no_address.header()));
    Message wrong_size = address_message(RTM_NEWADDR, AF_INET, 2, 24, 0);
    wrong_size.attribute(IFA_LOCAL, ip("2001:db8::1"));
    EXPECT_FALSE(parse_address_message(wrong_size.header())) << "16 bytes in an IPv4 message";
    Message bad_prefix = address_message(RTM_NEWADDR, AF_INET, 2, 33, 0);
    bad_prefix.attribute(IFA_LOCAL, ip("192.0.2.10"));
    EXPECT_FALSE(parse_address_message(bad_prefix.header()));
    Message other_family = address_message(RTM_NEWADDR, AF_PACKET, 2, 0, 0);
    EXPECT_FALSE(parse_address_message(other_family.header()));
    Message link = link_message(RTM_NEWLINK, 2, 0, "eth0");
    EXPECT_FALSE(parse_address_message(link.header()));
}

TEST(BuildAddressRequest, AddIsExclusiveAcknowledgedAndReadsBack) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_address_request(buffer, AddressChange::add, 9, ip("2001:db8:1::100"), 128,
                                              {.nodad = true, .deprecated = true});
    EXPECT_EQ(request.nlmsg_type, RTM_NEWADDR);
    EXPECT_EQ(request.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    const auto* info = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&request));
    EXPECT_EQ(info->ifa_family, AF_INET6);
    EXPECT_EQ(info->ifa_flags, IFA_F_NODAD);
    EXPECT_EQ(info->ifa_scope, RT_SCOPE_UNIVERSE);
    std::uint32_t full_flags = 0;
    std::optional<ifa_cacheinfo> lifetimes;
    for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&request, sizeof(ifaddrmsg)));
         mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(&request)) -
                                         reinterpret_cast<const char*>(a)));
         a = mnl_attr_next(a)) {
        if (mnl_attr_get_type(a) == IFA_FLAGS) full_flags = mnl_attr_get_u32(a);
        if (mnl_attr_get_type(a) == IFA_CACHEINFO && mnl_attr_get_payload_len(a) == sizeof(ifa_cacheinfo)) {
            lifetimes = *static_cast<const ifa_cacheinfo*>(mnl_attr_get_payload(a));
        }
    }
    EXPECT_EQ(full_flags, static_cast<std::uint32_t>(IFA_F_NODAD));
    ASSERT_TRUE(lifetimes) << "deprecated: the lifetimes go with the request";
    EXPECT_EQ(lifetimes->ifa_prefered, 0u);
    EXPECT_EQ(lifetimes->ifa_valid, 0xffffffffu) << "valid for ever";
    // The request is itself an address message: it says what it asks for.
    const auto parsed = parse_address_message(request);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->index, 9);
    EXPECT_EQ(parsed->prefix.address, ip("2001:db8:1::100"));
    EXPECT_EQ(parsed->prefix.prefix_length, 128);
}

TEST(BuildAddressRequest, PreferredAddressCarriesNoLifetimes) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_address_request(buffer, AddressChange::add, 9, ip("2001:db8:1::100"), 128);
    const auto* info = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&request));
    EXPECT_EQ(info->ifa_flags, 0);
    for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&request, sizeof(ifaddrmsg)));
         mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(&request)) -
                                         reinterpret_cast<const char*>(a)));
         a = mnl_attr_next(a)) {
        EXPECT_NE(mnl_attr_get_type(a), IFA_CACHEINFO);
    }
}

TEST(BuildAddressRequest, RemoveIsAcknowledgedWithoutCreate) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_address_request(buffer, AddressChange::remove, 1, ip("192.0.2.100"), 32);
    EXPECT_EQ(request.nlmsg_type, RTM_DELADDR);
    EXPECT_EQ(request.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    const auto parsed = parse_address_message(request);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->deleted);
    EXPECT_EQ(parsed->index, 1);
    EXPECT_EQ(parsed->prefix.address, ip("192.0.2.100"));
    EXPECT_EQ(parsed->prefix.prefix_length, 32);
}

TEST(BuildLinkRequests, NameTheInterfaceOrDumpAll) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    nlmsghdr& one = build_get_link_request(buffer, "eth0");
    EXPECT_EQ(one.nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(one.nlmsg_flags & NLM_F_DUMP, 0);
    alignas(nlmsghdr) std::array<char, request_buffer_size> dump_buffer{};
    nlmsghdr& all = build_link_dump_request(dump_buffer);
    EXPECT_EQ(all.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    alignas(nlmsghdr) std::array<char, request_buffer_size> addr_buffer{};
    nlmsghdr& addresses = build_address_dump_request(addr_buffer, AF_INET6);
    EXPECT_EQ(addresses.nlmsg_type, RTM_GETADDR);
    EXPECT_EQ(static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&addresses))->ifa_family, AF_INET6);
}

Message neighbour_message(std::uint16_t type, std::uint8_t family, int index, std::uint16_t state,
                          std::uint8_t flags = 0) {
    Message m(type);
    auto& info = m.fixed<ndmsg>();
    info.ndm_family = family;
    info.ndm_ifindex = index;
    info.ndm_state = state;
    info.ndm_flags = flags;
    return m;
}

TEST(ParseNeighbourMessage, ReadsAddressStateAndMac) {
    Message m = neighbour_message(RTM_NEWNEIGH, AF_INET, 4, NUD_STALE);
    m.attribute(NDA_DST, ip("192.0.2.10"));
    const std::array<std::uint8_t, 6> mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
    m.attribute(NDA_LLADDR, mac);
    const auto neighbour = parse_neighbour_message(m.header());
    ASSERT_TRUE(neighbour);
    EXPECT_EQ(neighbour->index, 4);
    EXPECT_FALSE(neighbour->deleted);
    EXPECT_FALSE(neighbour->proxy);
    EXPECT_EQ(neighbour->address, ip("192.0.2.10"));
    EXPECT_EQ(neighbour->state, NUD_STALE);
    ASSERT_TRUE(neighbour->mac);
    EXPECT_EQ(*neighbour->mac, mac);
}

TEST(ParseNeighbourMessage, DeletedFailedProxyAndIpv6) {
    Message deleted = neighbour_message(RTM_DELNEIGH, AF_INET, 4, NUD_FAILED);
    deleted.attribute(NDA_DST, ip("192.0.2.10"));
    const auto gone = parse_neighbour_message(deleted.header());
    ASSERT_TRUE(gone);
    EXPECT_TRUE(gone->deleted);
    EXPECT_FALSE(gone->mac) << "a failed entry carries no MAC";

    Message proxy = neighbour_message(RTM_NEWNEIGH, AF_INET, 4, NUD_NONE, NTF_PROXY);
    proxy.attribute(NDA_DST, ip("192.0.2.11"));
    const auto proxied = parse_neighbour_message(proxy.header());
    ASSERT_TRUE(proxied);
    EXPECT_TRUE(proxied->proxy);

    Message v6 = neighbour_message(RTM_NEWNEIGH, AF_INET6, 4, NUD_REACHABLE);
    v6.attribute(NDA_DST, ip("2001:db8::10"));
    const auto six = parse_neighbour_message(v6.header());
    ASSERT_TRUE(six);
    EXPECT_EQ(six->address, ip("2001:db8::10"));
}

TEST(ParseNeighbourMessage, RefusesOtherTypesFamiliesAndMissingOrMisSizedAddresses) {
    Message link = link_message(RTM_NEWLINK, 4, IFF_UP, "eth0");
    EXPECT_FALSE(parse_neighbour_message(link.header()));
    Message bridge = neighbour_message(RTM_NEWNEIGH, AF_BRIDGE, 4, NUD_PERMANENT);
    EXPECT_FALSE(parse_neighbour_message(bridge.header())) << "a bridge's forwarding entry";
    Message no_address = neighbour_message(RTM_NEWNEIGH, AF_INET, 4, NUD_REACHABLE);
    EXPECT_FALSE(parse_neighbour_message(no_address.header()));
    Message wrong_size = neighbour_message(RTM_NEWNEIGH, AF_INET, 4, NUD_REACHABLE);
    wrong_size.attribute(NDA_DST, ip("2001:db8::10"));
    EXPECT_FALSE(parse_neighbour_message(wrong_size.header())) << "an IPv6 address in an IPv4 message";
    Message truncated(RTM_NEWNEIGH);
    EXPECT_FALSE(parse_neighbour_message(truncated.header()));
}

TEST(BuildNeighbourRequests, UseCreatesWithoutReplacingAndAsksForResolution) {
    alignas(nlmsghdr) std::array<char, request_buffer_size> buffer{};
    nlmsghdr& request = build_neighbour_use_request(buffer, 4, ip("192.0.2.10"));
    EXPECT_EQ(request.nlmsg_type, RTM_NEWNEIGH);
    EXPECT_EQ(request.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE) << "no EXCL: an entry may exist";
    const auto* info = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(&request));
    EXPECT_EQ(info->ndm_flags, NTF_USE);
    EXPECT_EQ(info->ndm_state, NUD_NONE) << "not PERMANENT: a created entry is garbage-collected as a learnt one";
    // The request is itself a neighbour message: it names the address and the interface.
    const auto parsed = parse_neighbour_message(request);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->index, 4);
    EXPECT_EQ(parsed->address, ip("192.0.2.10"));
    EXPECT_FALSE(parsed->mac) << "no MAC of ours goes into the table";

    alignas(nlmsghdr) std::array<char, request_buffer_size> dump_buffer{};
    nlmsghdr& dump = build_neighbour_dump_request(dump_buffer, AF_INET, 4);
    EXPECT_EQ(dump.nlmsg_type, RTM_GETNEIGH);
    EXPECT_EQ(dump.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<const ndmsg*>(mnl_nlmsg_get_payload(&dump))->ndm_family, AF_INET);
    const auto* attribute = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&dump, sizeof(ndmsg)));
    ASSERT_TRUE(mnl_attr_ok(attribute, static_cast<int>(dump.nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(ndmsg)))));
    EXPECT_EQ(mnl_attr_get_type(attribute), NDA_IFINDEX);
    EXPECT_EQ(mnl_attr_get_u32(attribute), 4u);
}

}  // namespace
}  // namespace xvip
