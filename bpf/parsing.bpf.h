/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing with a cursor: each parse_* bounds-checks before it dereferences, advances the
 * cursor past the header and returns the header (or NULL when the frame is too short).
 */
#ifndef XVIP_PARSING_BPF_H
#define XVIP_PARSING_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>

struct cursor {
	void *pos;
	void *end;
};

/*
 * Alignment. The kernel's headers declare the Ethernet and ARP headers packed, so the compiler
 * may assume nothing of their addresses and moves every field byte by byte. A frame starts at
 * least 2-byte aligned (a driver's headroom is even), so the headers here promise that much: every
 * field then moves in 2-byte units or wider, which is half the ARP reply's instructions. (On the
 * architectures built for, x86-64 and arm64, a misaligned packet access would still work.)
 */
struct eth_frame {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 proto;
} __attribute__((aligned(2)));

/* ARP for Ethernet/IPv4 (RFC 826). Defined here: <linux/if_arp.h> drags libc into -target bpf. */
struct arp_eth_ipv4 {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed, aligned(2)));

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* The first four bytes of every ICMPv6 message. */
struct icmp6_base {
	__u8 type;
	__u8 code;
	__be16 cksum;
};

#define ICMP6_NEIGHBOR_SOLICIT 135
#define ICMP6_NEIGHBOR_ADVERT 136

/* The neighbour solicitation / advertisement body after the ICMPv6 base header. */
struct nd_msg_body {
	__be32 flags_reserved;
	__u8 target[16];
};

/* A link-layer address option for Ethernet (RFC 4861 §4.6.1): type, length 1 (8 octets), MAC. */
struct nd_lladdr_opt {
	__u8 type;
	__u8 len;
	__u8 mac[ETH_ALEN];
};

/* The start every IPv6 extension header that may precede ICMPv6 shares (RFC 8200 §4.3-4.6):
 * its length counts 8 octets beyond the first 8. */
struct ipv6_ext_start {
	__u8 nexthdr;
	__u8 hdrlen;
};

#define ND_OPT_SOURCE_LLADDR 1
#define ND_OPT_TARGET_LLADDR 2

/* The VRRP header shared by v2 and v3 (RFC 3768 §5.1, RFC 5798 §5.1); the addresses follow, then,
 * in v2 only, 8 bytes of authentication data. */
struct vrrp_hdr {
	__u8 version_type; /* version << 4 | type */
	__u8 vrid;
	__u8 priority;
	__u8 count;
	__u8 v2_auth_type; /* v3: 4 reserved bits and the top of the 12-bit interval */
	__u8 v2_interval;  /* v3: the rest of the interval, in centiseconds */
	__be16 checksum;
};

#define VRRP_PROTOCOL 112
#define VRRP_TYPE_ADVERT 1
#define VRRP_V2_AUTH_DATA 8

#define PARSE_HEADER(name, type)                            \
	static __always_inline type *name(struct cursor *c) \
	{                                                   \
		type *h = c->pos;                           \
		if ((void *)(h + 1) > c->end)               \
			return NULL;                        \
		c->pos = h + 1;                             \
		return h;                                   \
	}

PARSE_HEADER(parse_eth, struct eth_frame)
PARSE_HEADER(parse_arp, struct arp_eth_ipv4)
PARSE_HEADER(parse_ipv6hdr, struct ipv6hdr)
PARSE_HEADER(parse_icmp6_base, struct icmp6_base)
PARSE_HEADER(parse_nd_body, struct nd_msg_body)
PARSE_HEADER(parse_nd_lladdr_opt, struct nd_lladdr_opt)
PARSE_HEADER(parse_vrrp, struct vrrp_hdr)

/* The fixed 20 bytes of an IPv4 header; options, if any, are not parsed (nothing here needs them). */
PARSE_HEADER(parse_iphdr, struct iphdr)

/* UDP (RFC 768). Defined here: <linux/udp.h> is fine, but the field names differ between libcs. */
struct udp_header {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
};
PARSE_HEADER(parse_udp, struct udp_header)

/* A BFD control packet without authentication (RFC 5880 §4.1). */
struct bfd_control {
	__u8 version_diag; /* version in the top 3 bits */
	__u8 state_flags;  /* state in the top 2 bits, then P F C A D M */
	__u8 detect_multiplier;
	__u8 length;
	__be32 my_discriminator;
	__be32 your_discriminator;
	__be32 desired_min_tx_us;
	__be32 required_min_rx_us;
	__be32 required_min_echo_rx_us;
};
PARSE_HEADER(parse_bfd_control, struct bfd_control)

#endif /* XVIP_PARSING_BPF_H */
