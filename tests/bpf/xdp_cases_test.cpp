// The XDP program, case by case: {situation, input frame} → {verdict, output frame, counter}.
// Each case loads a fresh program, so every counter but the one named must stay at zero.
#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/counters.hpp"
#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using Counter = __u64 xvip_counters::*;

struct XdpCase {
    std::string name;
    Situation situation;
    Bytes input;
    std::uint32_t verdict;
    Bytes output;  // empty: the frame must come out untouched
    Counter counter;
};

// --- frames ---------------------------------------------------------------------------------

Bytes arp_frame(const ArpFields& f, const Mac& eth_dst = broadcast_mac, const Mac* eth_src = nullptr) {
    return ethernet(eth_dst, eth_src ? *eth_src : f.sha, ethertype_arp, arp(f));
}

ArpFields who_has(const IpAddress& target) {
    return {.op = 1, .sha = client_mac, .spa = client4, .tha = {}, .tpa = target};
}

Bytes arp_reply_to_client(const IpAddress& vip, const IpAddress& asker = client4, std::size_t pad = 0) {
    Bytes f = ethernet(client_mac, node_mac, ethertype_arp,
                       arp({.op = 2, .sha = node_mac, .spa = vip, .tha = client_mac, .tpa = asker}));
    f.resize(f.size() + pad, 0);
    return f;
}

Bytes ping4(const IpAddress& dst, const Bytes& options = {}, std::uint16_t frag = 0) {
    const Bytes echo{8, 0, 0xf7, 0xff, 0, 0, 0, 0};
    return ethernet(node_mac, client_mac, ethertype_ipv4,
                    ipv4({.src = client4, .dst = dst, .protocol = 1, .options = options, .frag = frag}, echo));
}

Bytes ping6(const IpAddress& dst) {
    return ethernet(node_mac, client_mac, ethertype_ipv6,
                    ipv6(client6, dst, 58, 64, icmpv6(client6, dst, 128, 0, {0, 1, 0, 1})));
}

struct NsFields {
    IpAddress src = client6;
    IpAddress dst;  // default: the target's solicited-node group
    IpAddress target = vip6;
    Bytes options = lladdr_option(1, client_mac);
    std::uint8_t hop_limit = 255;
    std::uint8_t code = 0;
};

Bytes ns_frame(NsFields f) {
    if (f.dst.is_v4()) f.dst = solicited_node(f.target);
    const Mac eth_dst = f.dst.is_multicast() ? ipv6_multicast_mac(f.dst) : node_mac;
    return ethernet(
        eth_dst, client_mac, ethertype_ipv6,
        ipv6(f.src, f.dst, 58, f.hop_limit, icmpv6(f.src, f.dst, 135, f.code, nd_body(0, f.target, f.options))));
}

Bytes na_frame(const IpAddress& vip, const IpAddress& to, const Mac& to_mac, std::uint32_t flags) {
    return ethernet(to_mac, node_mac, ethertype_ipv6,
                    ipv6(vip, to, 58, 255, icmpv6(vip, to, 136, 0, nd_body(flags, vip, lladdr_option(2, node_mac)))));
}

constexpr std::uint32_t solicited_override = 0x60000000;
constexpr std::uint32_t override_only = 0x20000000;
const IpAddress all_nodes = ip("ff02::1");
const Mac all_nodes_mac{0x33, 0x33, 0, 0, 0, 1};

// Overwrites one byte at offset: for fields the builders keep valid.
Bytes with_byte(Bytes frame, std::size_t offset, std::uint8_t value) {
    frame.at(offset) = value;
    return frame;
}

// --- the cases -------------------------------------------------------------------------------

std::vector<XdpCase> arp_cases() {
    using S = Situation;
    ArpFields garp{.op = 1, .sha = other_mac, .spa = vip4, .tha = {}, .tpa = vip4};
    ArpFields probe = who_has(vip4);
    probe.spa = ip("0.0.0.0");  // RFC 5227 probe
    ArpFields multicast_sha = who_has(vip4);
    multicast_sha.sha = {0x01, 0x00, 0x5e, 0, 0, 1};
    const Mac multicast_src{0x01, 0x00, 0x5e, 0, 0, 1};
    ArpFields other_answers_vip{.op = 2, .sha = other_mac, .spa = vip4, .tha = node_mac, .tpa = client4};
    ArpFields reply_to_vip{.op = 2, .sha = other_mac, .spa = client4, .tha = node_mac, .tpa = vip4};

    const auto from_sender = [](const char* spa) {
        ArpFields f = who_has(vip4);
        f.spa = ip(spa);
        return arp_frame(f);
    };
    auto odd = [](auto change) {
        ArpFields f = who_has(vip4);
        change(f);
        return arp_frame(f);
    };
    Bytes padded = arp_frame(who_has(vip4));
    padded.resize(60, 0);  // what a real NIC delivers: padded to the Ethernet minimum
    Bytes vlan = ethernet(broadcast_mac, client_mac, ethertype_vlan, {0x00, 0x0a, 0x08, 0x06});
    const Bytes arp_body = arp(who_has(vip4));
    vlan.insert(vlan.end(), arp_body.begin(), arp_body.end());

    // One case per row, its columns in XdpCase order: kept as written, not reflowed.
    // clang-format off
    return {
        {"arp_request_not_for_a_vip", S::active, arp_frame(who_has(ip("192.0.2.1"))), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"arp_request_vip_active", S::active, arp_frame(who_has(vip4)), XDP_TX,
         arp_reply_to_client(vip4), &xvip_counters::arp_reply},
        {"arp_request_second_vip_active", S::active, arp_frame(who_has(vip4_b)), XDP_TX,
         arp_reply_to_client(vip4_b), &xvip_counters::arp_reply},
        {"arp_request_unicast_to_us_active", S::active, arp_frame(who_has(vip4), node_mac), XDP_TX,
         arp_reply_to_client(vip4), &xvip_counters::arp_reply},
        {"arp_request_padded_frame_active", S::active, padded, XDP_TX, arp_reply_to_client(vip4, client4, 18),
         &xvip_counters::arp_reply},
        {"arp_probe_from_zero_address_active", S::active, arp_frame(probe), XDP_TX,
         arp_reply_to_client(vip4, ip("0.0.0.0")), &xvip_counters::arp_reply},
        {"arp_request_vip_standby", S::standby, arp_frame(who_has(vip4)), XDP_DROP, {},
         &xvip_counters::arp_drop_inactive},
        {"arp_request_vip_draining", S::draining, arp_frame(who_has(vip4)), XDP_DROP, {},
         &xvip_counters::arp_drop_inactive},
        {"arp_request_vip_lease_expired", S::active_lease_expired, arp_frame(who_has(vip4)), XDP_DROP,
         {}, &xvip_counters::arp_drop_inactive},
        {"arp_request_to_another_mac", S::active, arp_frame(who_has(vip4), other_mac), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_multicast_eth_source", S::active, arp_frame(who_has(vip4), broadcast_mac, &multicast_src),
         XDP_PASS, {}, &xvip_counters::arp_pass_other},
        {"arp_request_multicast_sender_mac", S::active, arp_frame(multicast_sha, broadcast_mac, &client_mac),
         XDP_PASS, {}, &xvip_counters::arp_pass_other},
        {"arp_request_from_broadcast_address", S::active, from_sender("255.255.255.255"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_multicast_address", S::active, from_sender("224.0.0.18"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_class_e_address", S::active, from_sender("240.0.0.1"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_loopback_address", S::active, from_sender("127.0.0.1"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_last_unicast_address", S::active, from_sender("223.255.255.254"), XDP_TX,
         arp_reply_to_client(vip4, ip("223.255.255.254")), &xvip_counters::arp_reply},
        {"arp_request_from_outside_every_subnet", S::active, from_sender("203.0.113.7"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_second_subnet", S::active, from_sender("198.51.100.127"), XDP_TX,
         arp_reply_to_client(vip4, ip("198.51.100.127")), &xvip_counters::arp_reply},
        {"arp_request_from_just_past_a_subnet", S::active, from_sender("198.51.100.128"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_host_prefix_address", S::active, from_sender("192.0.3.7"), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_request_from_ipv4_link_local", S::active, from_sender("169.254.1.2"), XDP_TX,
         arp_reply_to_client(vip4, ip("169.254.1.2")), &xvip_counters::arp_reply},
        {"arp_reply_targeting_vip", S::active, arp_frame(reply_to_vip, node_mac), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_opcode_3", S::active, odd([](ArpFields& f) { f.op = 3; }), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_hardware_length_8", S::active, odd([](ArpFields& f) { f.hln = 8; }), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_protocol_length_16", S::active, odd([](ArpFields& f) { f.pln = 16; }), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_hardware_not_ethernet", S::active, odd([](ArpFields& f) { f.hrd = 6; }), XDP_PASS, {},
         &xvip_counters::arp_pass_other},
        {"arp_protocol_not_ipv4", S::active, odd([](ArpFields& f) { f.pro = ethertype_ipv6; }), XDP_PASS,
         {}, &xvip_counters::arp_pass_other},
        {"arp_broadcast_target", S::active, arp_frame(who_has(ip("255.255.255.255"))), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"gratuitous_arp_for_vip_standby", S::standby, arp_frame(garp), XDP_PASS, {},
         &xvip_counters::arp_pass_from_vip},
        {"gratuitous_arp_for_vip_active_is_a_conflict", S::active, arp_frame(garp), XDP_PASS, {},
         &xvip_counters::arp_conflict},
        {"gratuitous_arp_for_vip_lease_expired", S::active_lease_expired, arp_frame(garp), XDP_PASS, {},
         &xvip_counters::arp_pass_from_vip},
        {"another_host_answers_for_vip_active", S::active, arp_frame(other_answers_vip, node_mac), XDP_PASS,
         {}, &xvip_counters::arp_conflict},
        {"vlan_tagged_arp_for_vip", S::active, vlan, XDP_PASS, {}, &xvip_counters::pass_unparsed},
        {"unknown_ethertype", S::active, ethernet(node_mac, client_mac, 0x88b5, Bytes(46, 0)), XDP_PASS,
         {}, &xvip_counters::pass_unparsed},
    };
    // clang-format on
}

std::vector<XdpCase> ipv4_cases() {
    using S = Situation;
    const Bytes router_alert{0x94, 0x04, 0x00, 0x00};
    const Bytes advert_to_group =
        ethernet({0x01, 0x00, 0x5e, 0, 0, 0x12}, other_mac, ethertype_ipv4,
                 ipv4({.src = ip("192.0.2.2"), .dst = ip("224.0.0.18"), .protocol = 112, .ttl = 255}, Bytes(20, 0)));
    // clang-format off
    return {
        {"ping_vip_active", S::active, ping4(vip4), XDP_PASS, {}, &xvip_counters::vip_pass_active},
        {"ping_vip_draining", S::draining, ping4(vip4), XDP_PASS, {}, &xvip_counters::vip_pass_draining},
        {"ping_vip_draining_expired", S::draining_expired, ping4(vip4), XDP_DROP, {},
         &xvip_counters::vip_drop_standby},
        {"ping_vip_standby", S::standby, ping4(vip4), XDP_DROP, {}, &xvip_counters::vip_drop_standby},
        {"ping_vip_lease_expired", S::active_lease_expired, ping4(vip4), XDP_DROP, {},
         &xvip_counters::vip_drop_standby},
        {"ping_other_address_standby", S::standby, ping4(ip("192.0.2.1")), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        // Same last byte as a VIP: the prefilter lets it through to the hash map, which says no.
        {"ping_address_sharing_a_vips_last_byte_standby", S::standby, ping4(ip("198.51.100.50")), XDP_PASS,
         {}, &xvip_counters::pass_not_vip},
        {"ipv4_with_options_to_vip_standby", S::standby, ping4(vip4, router_alert), XDP_DROP, {},
         &xvip_counters::vip_drop_standby},
        {"ipv4_with_options_to_vip_active", S::active, ping4(vip4, router_alert), XDP_PASS, {},
         &xvip_counters::vip_pass_active},
        {"ipv4_fragment_to_vip_standby", S::standby, ping4(vip4, {}, 0x2000 | 185), XDP_DROP, {},
         &xvip_counters::vip_drop_standby},
        {"ipv4_version_5_header", S::standby, with_byte(ping4(vip4), 14, 0x55), XDP_PASS, {},
         &xvip_counters::pass_unparsed},
        {"ipv4_header_length_4_words", S::standby, with_byte(ping4(vip4), 14, 0x44), XDP_PASS, {},
         &xvip_counters::pass_unparsed},
        {"vrrp_advert_to_group_standby", S::standby, advert_to_group, XDP_PASS, {},
         &xvip_counters::pass_not_vip},
    };
    // clang-format on
}

std::vector<XdpCase> ipv6_cases() {
    using S = Situation;
    const IpAddress unspecified = ip("::");
    Bytes slla_and_nonce = lladdr_option(1, client_mac);
    const Bytes nonce_option{14, 1, 1, 2, 3, 4, 5, 6};  // RFC 7527
    slla_and_nonce.insert(slla_and_nonce.end(), nonce_option.begin(), nonce_option.end());
    Bytes unknown_options;
    for (int i = 0; i < 5; ++i) {
        const Bytes unknown{250, 1, 0, 0, 0, 0, 0, 0};
        unknown_options.insert(unknown_options.end(), unknown.begin(), unknown.end());
    }
    Bytes zero_len_option{1, 0, 0, 0, 0, 0, 0, 0};
    Bytes overrunning_option{1, 2, 0, 0, 0, 0, 0, 0};  // claims 16 bytes, 8 present
    const Bytes unsolicited_na = na_frame(vip6, all_nodes, all_nodes_mac, override_only);
    const Mac multicast_mac{0x33, 0x33, 0, 0, 0, 7};
    const Bytes slla_multicast = lladdr_option(1, multicast_mac);
    // A solicitation for vip6 to its solicited-node group with `headers` (each 8 bytes: next
    // header, length 0, PadN) between the IPv6 header and ICMPv6; `first` is the IPv6 next header.
    const auto behind = [](std::uint8_t first, std::vector<std::uint8_t> next_headers) {
        const IpAddress group = solicited_node(vip6);
        Bytes payload;
        for (const auto next : next_headers) payload.insert(payload.end(), {next, 0, 1, 4, 0, 0, 0, 0});
        const Bytes icmp = icmpv6(client6, group, 135, 0, nd_body(0, vip6, lladdr_option(1, client_mac)));
        payload.insert(payload.end(), icmp.begin(), icmp.end());
        return ethernet(ipv6_multicast_mac(group), client_mac, ethertype_ipv6,
                        ipv6(client6, group, first, 255, payload));
    };
    Bytes from_multicast_mac = ns_frame({.options = {}});
    std::copy(multicast_mac.begin(), multicast_mac.end(), from_multicast_mac.begin() + 6);

    Bytes long_payload = ns_frame({});
    long_payload[14 + 5] = 40;  // payload length says 40, 32 present
    Bytes short_payload = ns_frame({.options = {}});
    short_payload[14 + 5] = 20;  // below the 24 an NS needs
    Bytes version_4 = with_byte(ping6(vip6), 14, 0x40);

    // clang-format off
    return {
        {"ns_with_source_option_active", S::active, ns_frame({}), XDP_TX,
         na_frame(vip6, client6, client_mac, solicited_override), &xvip_counters::na_reply},
        {"ns_unicast_without_option_active", S::active,
         ns_frame({.dst = vip6, .options = {}}), XDP_TX,
         na_frame(vip6, client6, client_mac, solicited_override), &xvip_counters::na_reply},
        {"ns_dad_active", S::active, ns_frame({.src = unspecified, .options = {}}), XDP_TX,
         na_frame(vip6, all_nodes, all_nodes_mac, override_only), &xvip_counters::na_reply},
        {"ns_with_source_option_and_nonce_active", S::active, ns_frame({.options = slla_and_nonce}),
         XDP_TX, na_frame(vip6, client6, client_mac, solicited_override), &xvip_counters::na_reply},
        {"ns_link_local_vip_from_link_local_active", S::active,
         ns_frame({.src = client6_ll, .target = vip6_ll}), XDP_TX,
         na_frame(vip6_ll, client6_ll, client_mac, solicited_override), &xvip_counters::na_reply},
        {"ns_standby", S::standby, ns_frame({}), XDP_DROP, {}, &xvip_counters::ns_drop_inactive},
        {"ns_draining", S::draining, ns_frame({}), XDP_DROP, {}, &xvip_counters::ns_drop_inactive},
        {"ns_lease_expired", S::active_lease_expired, ns_frame({}), XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        {"ns_dad_standby", S::standby, ns_frame({.src = unspecified, .options = {}}), XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        {"ns_not_for_a_vip", S::active, ns_frame({.target = ip("2001:db8::1")}), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"ns_multicast_target", S::active, ns_frame({.dst = all_nodes, .target = ip("ff02::1")}),
         XDP_PASS, {}, &xvip_counters::pass_not_vip},
        {"ns_hop_limit_254", S::active, ns_frame({.hop_limit = 254}), XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_code_1", S::active, ns_frame({.code = 1}), XDP_PASS, {}, &xvip_counters::ns_invalid},
        {"ns_dad_with_source_option", S::active, ns_frame({.src = unspecified}), XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_dad_not_to_solicited_node", S::active,
         ns_frame({.src = unspecified, .dst = all_nodes, .options = {}}), XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_option_length_zero", S::active, ns_frame({.options = zero_len_option}), XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_option_overruns_payload", S::active, ns_frame({.options = overrunning_option}), XDP_PASS,
         {}, &xvip_counters::ns_invalid},
        {"ns_more_options_than_examined", S::active, ns_frame({.options = unknown_options}), XDP_PASS,
         {}, &xvip_counters::ns_invalid},
        {"ns_payload_length_beyond_frame", S::active, long_payload, XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_payload_length_too_short", S::active, short_payload, XDP_PASS, {},
         &xvip_counters::ns_invalid},
        // A node that is not active drops every solicitation for the VIP, also those it could not
        // answer: its kernel must never judge one (docs/architecture.md).
        {"ns_hop_limit_254_standby", S::standby, ns_frame({.hop_limit = 254}), XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        {"ns_more_options_than_examined_standby", S::standby, ns_frame({.options = unknown_options}),
         XDP_DROP, {}, &xvip_counters::ns_drop_inactive},
        {"ns_payload_length_beyond_frame_draining", S::draining, long_payload, XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        {"ns_behind_destination_options_active", S::active, behind(60, {58}), XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"ns_behind_destination_options_standby", S::standby, behind(60, {58}), XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        {"ns_behind_four_extension_headers_standby", S::standby, behind(0, {60, 43, 60, 58}), XDP_DROP, {},
         &xvip_counters::ns_drop_inactive},
        // Past the headers the program walks it sees no solicitation: the group is not a VIP.
        {"ns_behind_five_extension_headers_standby", S::standby, behind(0, {60, 43, 60, 60, 58}), XDP_PASS,
         {}, &xvip_counters::pass_not_vip},
        {"ns_behind_a_fragment_header_standby", S::standby, behind(44, {58}), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"ns_source_option_multicast_mac_active", S::active, ns_frame({.options = slla_multicast}), XDP_PASS,
         {}, &xvip_counters::ns_invalid},
        {"ns_from_multicast_ethernet_source_active", S::active, from_multicast_mac, XDP_PASS, {},
         &xvip_counters::ns_invalid},
        {"unsolicited_na_for_vip_from_another_node", S::active, unsolicited_na, XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"ping6_vip_active", S::active, ping6(vip6), XDP_PASS, {}, &xvip_counters::vip_pass_active},
        {"ping6_vip_draining", S::draining, ping6(vip6), XDP_PASS, {},
         &xvip_counters::vip_pass_draining},
        {"ping6_vip_standby", S::standby, ping6(vip6), XDP_DROP, {}, &xvip_counters::vip_drop_standby},
        {"ping6_other_address_standby", S::standby, ping6(ip("2001:db8::1")), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"ping6_address_sharing_a_vips_last_byte_standby", S::standby, ping6(ip("2001:db8:77::50")), XDP_PASS,
         {}, &xvip_counters::pass_not_vip},
        {"ipv6_header_says_version_4", S::standby, version_4, XDP_PASS, {},
         &xvip_counters::pass_unparsed},
    };
    // clang-format on
}

// BFD control packets (RFC 5880 §4.1), spelled out byte by byte.
struct BfdFields {
    std::uint8_t version = 1;
    std::uint8_t diag = 0;
    std::uint8_t state = 1;  // Down
    std::uint8_t flags = 0;  // P F C A D M in the low 6 bits
    std::uint8_t multiplier = 3;
    std::uint8_t length = 24;
    std::uint32_t my = 0x11;
    std::uint32_t your = 0;
    std::uint32_t desired_tx = 10'000;
    std::uint32_t required_rx = 20'000;
    std::uint32_t echo_rx = 0;
};

Bytes bfd_bytes(const BfdFields& f) {
    Bytes b{static_cast<std::uint8_t>(f.version << 5 | f.diag), static_cast<std::uint8_t>(f.state << 6 | f.flags),
            f.multiplier, f.length};
    for (const std::uint32_t word : {f.my, f.your, f.desired_tx, f.required_rx, f.echo_rx}) {
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(word >> shift));
    }
    return b;
}

constexpr std::uint16_t bfd_port = 3784;
constexpr std::uint32_t our_discriminator = 0x58560000u | instance4;
constexpr std::uint16_t our_bfd_source_port = 49152 + instance4;

Bytes bfd_to(const IpAddress& dst, const BfdFields& f, std::uint8_t ttl = 255, std::uint16_t frag = 0,
             std::int32_t udp_length_change = 0) {
    return ethernet(node_mac, client_mac, ethertype_ipv4,
                    ipv4({.src = client4, .dst = dst, .protocol = 17, .ttl = ttl, .frag = frag},
                         udp(50000, bfd_port, bfd_bytes(f), udp_length_change)));
}

// The answer the active node's program sends back for a packet from the client.
Bytes bfd_answer(const BfdFields& f) {
    return ethernet(client_mac, node_mac, ethertype_ipv4,
                    ipv4({.src = vip4, .dst = client4, .protocol = 17, .ttl = 255},
                         udp(our_bfd_source_port, bfd_port, bfd_bytes(f))));
}

// A UDP datagram over IPv6 with its checksum (RFC 8200 §8.1), computed by the reference oracle.
Bytes udp6(const IpAddress& src, const IpAddress& dst, std::uint16_t source, std::uint16_t dest, const Bytes& payload) {
    Bytes datagram = udp(source, dest, payload);
    Bytes pseudo;
    for (const auto& a : {src, dst}) pseudo.insert(pseudo.end(), a.bytes().begin(), a.bytes().end());
    const auto length = static_cast<std::uint32_t>(datagram.size());
    for (const std::uint32_t word : {length, std::uint32_t{17}}) {
        for (int shift = 24; shift >= 0; shift -= 8) pseudo.push_back(static_cast<std::uint8_t>(word >> shift));
    }
    pseudo.insert(pseudo.end(), datagram.begin(), datagram.end());
    std::uint16_t sum = reference_checksum(pseudo);
    if (sum == 0) sum = 0xffff;
    datagram[6] = static_cast<std::uint8_t>(sum >> 8);
    datagram[7] = static_cast<std::uint8_t>(sum);
    return datagram;
}

constexpr std::uint32_t our_discriminator6 = 0x58560000u | instance6;

Bytes bfd6_to(const IpAddress& dst, const BfdFields& f, std::uint8_t hop_limit = 255, const IpAddress& src = client6) {
    return ethernet(node_mac, client_mac, ethertype_ipv6,
                    ipv6(src, dst, 17, hop_limit, udp6(src, dst, 50000, bfd_port, bfd_bytes(f))));
}

std::vector<XdpCase> bfd6_cases() {
    using S = Situation;
    const BfdFields down{};
    const BfdFields up{.state = 3, .your = our_discriminator6};
    const auto answer = [](std::uint8_t state) {
        const std::uint16_t source = 49152 + (instance6 & 0x3fff);
        return ethernet(client_mac, node_mac, ethertype_ipv6,
                        ipv6(vip6, client6, 17, 255,
                             udp6(vip6, client6, source, bfd_port,
                                  bfd_bytes({.state = state,
                                             .my = our_discriminator6,
                                             .your = 0x11,
                                             .desired_tx = 10'000,
                                             .required_rx = 10'000}))));
    };
    Bytes behind_options = ethernet(node_mac, client_mac, ethertype_ipv6, ipv6(client6, vip6, 60, 255, [&] {
                                        Bytes b{17, 0, 1, 4, 0, 0, 0, 0};  // destination options: PadN
                                        const Bytes d = udp6(client6, vip6, 50000, bfd_port, bfd_bytes(up));
                                        b.insert(b.end(), d.begin(), d.end());
                                        return b;
                                    }()));
    // clang-format off
    return {
        {"bfd6_down_to_vip_active", S::active, bfd6_to(vip6, down), XDP_TX, answer(2), &xvip_counters::bfd_reply},
        {"bfd6_up_to_vip_active", S::active, bfd6_to(vip6, up), XDP_TX, answer(3), &xvip_counters::bfd_reply},
        {"bfd6_to_vip_standby", S::standby, bfd6_to(vip6, up), XDP_DROP, {}, &xvip_counters::bfd_drop_inactive},
        {"bfd6_hop_limit_64", S::active, bfd6_to(vip6, up, 64), XDP_DROP, {}, &xvip_counters::bfd_invalid},
        {"bfd6_from_unspecified_address", S::active, bfd6_to(vip6, down, 255, ip("::")), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd6_behind_an_extension_header_is_vip_traffic", S::active, behind_options, XDP_PASS, {},
         &xvip_counters::vip_pass_active},
    };
    // clang-format on
}

std::vector<XdpCase> bfd_cases() {
    using S = Situation;
    const BfdFields down{};
    BfdFields init{.state = 2, .your = our_discriminator};
    BfdFields up{.state = 3, .your = our_discriminator};
    BfdFields up_poll = up;
    up_poll.flags = 0x20;
    const auto change = [&](auto edit) {
        BfdFields f = up;
        edit(f);
        return bfd_to(vip4, f);
    };
    // The answer follows the client's state one step (Down -> Init -> Up), at its rate.
    const auto answer = [](std::uint8_t state, std::uint8_t flags = 0) {
        return bfd_answer({.state = state,
                           .flags = flags,
                           .my = our_discriminator,
                           .your = 0x11,
                           .desired_tx = 10'000,
                           .required_rx = 10'000});
    };
    const Bytes udp_other_port =
        ethernet(node_mac, client_mac, ethertype_ipv4,
                 ipv4({.src = client4, .dst = vip4, .protocol = 17, .ttl = 255}, udp(50000, 53, Bytes(24, 0))));
    // clang-format off
    return {
        {"bfd_down_to_vip_active", S::active, bfd_to(vip4, down), XDP_TX, answer(2), &xvip_counters::bfd_reply},
        {"bfd_init_to_vip_active", S::active, bfd_to(vip4, init), XDP_TX, answer(3), &xvip_counters::bfd_reply},
        {"bfd_up_to_vip_active", S::active, bfd_to(vip4, up), XDP_TX, answer(3), &xvip_counters::bfd_reply},
        {"bfd_poll_is_answered_with_final", S::active, bfd_to(vip4, up_poll), XDP_TX, answer(3, 0x10),
         &xvip_counters::bfd_reply},
        {"bfd_admin_down_is_answered_down", S::active, change([](BfdFields& f) { f.state = 0; f.your = 0; }), XDP_TX,
         answer(1), &xvip_counters::bfd_reply},
        {"bfd_to_vip_standby", S::standby, bfd_to(vip4, up), XDP_DROP, {}, &xvip_counters::bfd_drop_inactive},
        {"bfd_to_vip_draining", S::draining, bfd_to(vip4, up), XDP_DROP, {}, &xvip_counters::bfd_drop_inactive},
        {"bfd_to_vip_lease_expired", S::active_lease_expired, bfd_to(vip4, up), XDP_DROP, {},
         &xvip_counters::bfd_drop_inactive},
        {"bfd_ttl_254", S::active, bfd_to(vip4, up, 254), XDP_DROP, {}, &xvip_counters::bfd_invalid},
        {"bfd_version_0", S::active, change([](BfdFields& f) { f.version = 0; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_length_23", S::active, change([](BfdFields& f) { f.length = 23; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_length_26", S::active, change([](BfdFields& f) { f.length = 26; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_detect_multiplier_0", S::active, change([](BfdFields& f) { f.multiplier = 0; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_my_discriminator_0", S::active, change([](BfdFields& f) { f.my = 0; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_your_discriminator_0_while_up", S::active, change([](BfdFields& f) { f.your = 0; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_your_discriminator_of_another_session", S::active, change([](BfdFields& f) { f.your = 0x58560000u | 52; }),
         XDP_DROP, {}, &xvip_counters::bfd_invalid},
        {"bfd_authentication_bit", S::active, change([](BfdFields& f) { f.flags = 0x04; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_multipoint_bit", S::active, change([](BfdFields& f) { f.flags = 0x01; }), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_udp_length_past_the_packet", S::active, bfd_to(vip4, up, 255, 0, 8), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_udp_length_short_of_the_packet", S::active, bfd_to(vip4, up, 255, 0, -4), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
        {"bfd_fragment_is_vip_traffic", S::active, bfd_to(vip4, up, 255, 0x2000), XDP_PASS, {},
         &xvip_counters::vip_pass_active},
        {"udp_to_another_port_of_vip_active", S::active, udp_other_port, XDP_PASS, {},
         &xvip_counters::vip_pass_active},
        {"udp_to_another_port_of_vip_standby", S::standby, udp_other_port, XDP_DROP, {},
         &xvip_counters::vip_drop_standby},
        {"bfd_to_an_address_that_is_no_vip", S::active, bfd_to(ip("192.0.2.1"), up), XDP_PASS, {},
         &xvip_counters::pass_not_vip},
        {"bfd_from_a_multicast_mac", S::active, with_byte(bfd_to(vip4, up), 6, 0x01), XDP_DROP, {},
         &xvip_counters::bfd_invalid},
    };
    // clang-format on
}

std::vector<XdpCase> all_cases() {
    std::vector<XdpCase> all;
    for (auto part : {arp_cases, ipv4_cases, ipv6_cases, bfd_cases, bfd6_cases}) {
        auto cases = part();
        all.insert(all.end(), cases.begin(), cases.end());
    }
    return all;
}

void PrintTo(const XdpCase& c, std::ostream* os) {
    *os << c.name;
}

// --- the runner ------------------------------------------------------------------------------

std::string counter_name(Counter c) {
    for (const auto& f : counter_fields()) {
        if (f.member == c) return std::string(f.name);
    }
    return "?";
}

const char* verdict_name(std::uint32_t v) {
    switch (v) {
        case XDP_ABORTED: return "XDP_ABORTED";
        case XDP_DROP: return "XDP_DROP";
        case XDP_PASS: return "XDP_PASS";
        case XDP_TX: return "XDP_TX";
        case XDP_REDIRECT: return "XDP_REDIRECT";
    }
    return "?";
}

std::string case_name(const ::testing::TestParamInfo<XdpCase>& param) {
    return param.param.name;
}

class XdpCases : public ::testing::TestWithParam<XdpCase> {};

TEST_P(XdpCases, VerdictFrameAndCounter) {
    const XdpCase& c = GetParam();
    XdpHarness xdp;
    set_up(xdp, c.situation);

    const RunResult r = xdp.run(c.input);
    ASSERT_EQ(r.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(r.error);
    EXPECT_STREQ(verdict_name(r.verdict), verdict_name(c.verdict)) << "situation " << to_string(c.situation);
    const Bytes& expected = c.output.empty() ? c.input : c.output;
    EXPECT_EQ(r.output.size(), expected.size()) << "data_size_out";
    EXPECT_EQ(r.output, expected) << "got:\n"
                                  << hex(r.output) << "\nexpected:\n"
                                  << hex(expected) << "\ninput:\n"
                                  << hex(c.input);

    const xvip_counters counters = xdp.counters();
    for (const auto& f : counter_fields()) {
        EXPECT_EQ(counters.*f.member, f.member == c.counter ? 1u : 0u)
            << "counter " << f.name << " (expected only " << counter_name(c.counter) << ")";
    }
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpCases, ::testing::ValuesIn(all_cases()), case_name);

// Every frame cut short at every length keeps the Ethernet header and passes untouched: nothing
// is answered from a partial header. Shorter than Ethernet, the kernel refuses the run (EINVAL).
class XdpTruncated : public ::testing::TestWithParam<XdpCase> {};

TEST_P(XdpTruncated, EveryPrefixPassesUntouched) {
    const XdpCase& c = GetParam();
    XdpHarness xdp;
    set_up(xdp, Situation::active);
    for (std::size_t len = 0; len < c.input.size(); ++len) {
        const Bytes prefix(c.input.begin(), c.input.begin() + static_cast<std::ptrdiff_t>(len));
        const RunResult r = xdp.run(prefix);
        if (len < 14) {
            EXPECT_EQ(r.error, EINVAL) << "length " << len << ": a frame shorter than Ethernet";
            continue;
        }
        ASSERT_EQ(r.error, 0) << "length " << len;
        EXPECT_STREQ(verdict_name(r.verdict), "XDP_PASS") << "length " << len;
        EXPECT_EQ(r.output, prefix) << "length " << len;
    }
    EXPECT_EQ(xdp.counters().arp_reply + xdp.counters().na_reply, 0u);
}

std::vector<XdpCase> truncation_bases() {
    std::vector<XdpCase> bases;
    for (const auto& c : all_cases()) {
        // Ethernet padding is not part of the message: a padded request cut anywhere in its
        // padding is still a whole request, and rightly answered.
        if (c.verdict == XDP_TX && c.name.find("padded") == std::string::npos) bases.push_back(c);
    }
    return bases;
}

INSTANTIATE_TEST_SUITE_P(Replies, XdpTruncated, ::testing::ValuesIn(truncation_bases()), case_name);

}  // namespace
}  // namespace xvip::test
