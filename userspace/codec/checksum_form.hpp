// Which bytes a VRRP checksum covers. v2 and v3-over-IPv6 each have one form; v3 over IPv4 has
// three in the field (RFC 5798 §5.2.8 is read differently by different implementations), so the
// decoder reports the form a peer used and the encoder can answer in kind.
#pragma once

#include <cstdint>
#include <string_view>

namespace xvip {

enum class ChecksumForm : std::uint8_t {
    // The VRRP message alone: VRRPv2 (RFC 3768 §5.3.8); v3 over IPv4 as RFC 9568 and several
    // router vendors send it.
    message_only,
    // IPv4 pseudo-header with the packet's real destination, multicast or unicast: keepalived's
    // default for v3 since 1.3.6 (and FRR's).
    ipv4_pseudo_header,
    // IPv4 pseudo-header with 224.0.0.18 whatever the destination: keepalived before 1.3.6 when
    // sending unicast. Identical to ipv4_pseudo_header for multicast adverts.
    ipv4_pseudo_header_vrrp_group,
    // IPv6 pseudo-header (RFC 5798 §5.2.8): the only form for v3 over IPv6.
    ipv6_pseudo_header,
};

constexpr std::string_view to_string(ChecksumForm form) {
    switch (form) {
        case ChecksumForm::message_only: return "message_only";
        case ChecksumForm::ipv4_pseudo_header: return "ipv4_pseudo_header";
        case ChecksumForm::ipv4_pseudo_header_vrrp_group: return "ipv4_pseudo_header_vrrp_group";
        case ChecksumForm::ipv6_pseudo_header: return "ipv6_pseudo_header";
    }
    return "unknown";
}

}  // namespace xvip
