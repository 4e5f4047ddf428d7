// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xvip's data plane: one XDP program per interface. On the node that is active for a VIP it
 * answers ARP and IPv6 neighbour solicitations for the VIP itself (the kernel holds the VIP on
 * every node but never answers for it); on the others it drops traffic addressed to the VIP.
 * Whether "active" holds is read from the instance's state word, whose lease the daemon renews:
 * if the daemon dies, the node falls silent by itself. On an interface with gateway instances, a
 * node active for none of them drops what the kernel would forward (the forwarding guard).
 * Everything else passes untouched.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "parsing.bpf.h"
#include "xvip_abi.h"
#include "xvip_maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define COUNTER(field) (__builtin_offsetof(struct xvip_counters, field) / sizeof(__u64))

static __always_inline int verdict(int action, __u32 counter)
{
	__u32 key = 0;
	__u64 *counters = bpf_map_lookup_elem(&xvip_counters, &key);

	if (counters && counter < sizeof(struct xvip_counters) / sizeof(__u64))
		counters[counter]++; /* per-CPU: no atomics needed */
	return action;
}

/* The role to act on now for an instance: reads its state word once; an expired lease or drain is
 * standby. The jiffy count costs one inlined load, no helper call. */
static __always_inline enum xvip_role instance_role(__u32 instance)
{
	__u64 *slot = bpf_map_lookup_elem(&xvip_state, &instance);

	if (!slot)
		return XVIP_ROLE_STANDBY;
	return xvip_effective_role(*(volatile __u64 *)slot, bpf_jiffies64());
}

/* The instance an IPv4 address is a VIP of, or 0. The bucket of its last byte answers with one
 * inlined array read, unless several VIPs end in that byte: then the hash map does. */
static __always_inline __u32 vip4_instance(__be32 addr)
{
	__u32 key = xvip_bucket4_of(addr);
	const __u64 *bucket = bpf_map_lookup_elem(&xvip_vip4_buckets, &key);
	const struct xvip_vip *vip;
	__u32 instance;

	if (!bucket)
		return 0;
	instance = xvip_bucket4_instance(*(const volatile __u64 *)bucket, addr);
	if (instance != XVIP_BUCKET_SHARED)
		return instance;
	vip = bpf_map_lookup_elem(&xvip_vip4, &addr);
	return vip ? vip->instance : 0;
}

static __always_inline const struct xvip_vip_filter *vip_filter(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&xvip_vip_filter, &key);
}

/* The instance an IPv6 address is a VIP of, or 0; most addresses are ruled out by the filter. */
static __always_inline __u32 vip6_instance(const struct xvip_vip_filter *filter, const __u8 *addr)
{
	const struct xvip_vip *vip;

	if (filter && !xvip_filter_has(filter->ipv6, addr[15]))
		return 0;
	vip = bpf_map_lookup_elem(&xvip_vip6, addr);
	return vip ? vip->instance : 0;
}

static __always_inline const struct xvip_iface *iface_config(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&xvip_iface, &key);
}

static __always_inline int is_multicast_mac(const __u8 *mac)
{
	return mac[0] & 1; /* the broadcast address included */
}

/* MAC addresses in frames and in xvip_iface sit at even addresses (see parsing.bpf.h): compared
 * in three 2-byte words. */
static __always_inline int is_broadcast_mac(const __u8 *mac)
{
	const __u16 *w = (const __u16 *)mac;

	return (__u16)(w[0] & w[1] & w[2]) == 0xffff;
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

/* Traffic addressed to a VIP (instance 0: to none) that is not ARP/ND: only a standby stops it. */
static __always_inline int vip_traffic(__u32 instance)
{
	if (!instance)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	switch (instance_role(instance)) {
	case XVIP_ROLE_ACTIVE:
		return verdict(XDP_PASS, COUNTER(vip_pass_active));
	case XVIP_ROLE_DRAINING:
		return verdict(XDP_PASS, COUNTER(vip_pass_draining));
	default:
		return verdict(XDP_DROP, COUNTER(vip_drop_standby));
	}
}

/*
 * The forwarding guard (docs/architecture.md, "Forwarding guard"). The gateway VRIDs of a family:
 * 0 when the interface has no gateway instance of that family, the common case, which costs this
 * one inlined array read.
 */
static __always_inline __u64 gateway_vrids(enum xvip_family_slot slot)
{
	__u32 key = slot;
	const __u64 *word = bpf_map_lookup_elem(&xvip_gateways, &key);

	return word ? *(const volatile __u64 *)word : 0;
}

/* Whether this node may forward for the family: some gateway instance listed is active or
 * draining (a planned handover keeps forwarding what still reaches it, as it passes VIP
 * traffic). */
static __always_inline int gateway_forwards(enum xvip_family_slot slot, __u64 vrids)
{
	int i;

#pragma unroll
	for (i = 0; i < XVIP_MAX_GATEWAYS; i++) {
		__u8 vrid = xvip_gateway_vrid(vrids, i);

		if (!vrid)
			break;
		if (instance_role(xvip_instance_index(slot, vrid)) != XVIP_ROLE_STANDBY)
			return 1;
	}
	return 0;
}

/* The kernel's own decision, as its input path takes it: a route lookup from the ingress
 * interface (policy rules included; not BPF_FIB_LOOKUP_DIRECT, which reads only the main table).
 * A local or broadcast destination is not forwarded (NOT_FWDED); neither is one the kernel would
 * refuse itself (forwarding off, blackhole, unreachable, prohibit). Forwarded: a route out, with
 * or without a known neighbour, one the frame is too large for (it would be fragmented, or
 * answered with an ICMP error by a router), or one through a tunnel encapsulation. */
static __always_inline int kernel_would_forward(struct xdp_md *ctx, struct bpf_fib_lookup *fib)
{
	long rc;

	fib->ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	return rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       rc == BPF_FIB_LKUP_RET_FRAG_NEEDED || rc == BPF_FIB_LKUP_RET_UNSUPP_LWT;
}

#define IPPROTO_VRRP 112
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_REDIRECT 137
#define FIB_AF_INET 2
#define FIB_AF_INET6 10

/* An IPv4 frame that is for no VIP: whether a node not active for any gateway instance must drop
 * it. Only a frame sent to our MAC can be forwarded by us; multicast, broadcast (224/3 and the
 * subnet's broadcast, which the lookup finds local), link-local (169.254/16) destinations and
 * VRRP never are. */
static __always_inline int standby_must_drop4(struct xdp_md *ctx, const struct eth_frame *eth,
					      const struct iphdr *ip)
{
	__u64 vrids = gateway_vrids(XVIP_SLOT_IPV4);
	const struct xvip_iface *iface;
	struct bpf_fib_lookup fib = {};
	__u32 dst;

	if (!vrids)
		return 0;
	iface = iface_config();
	if (!iface || !mac_equal(eth->dst, iface->mac))
		return 0;
	dst = bpf_ntohl(ip->daddr);
	if ((dst >> 29) == 7 || (dst >> 16) == 0xa9fe || ip->protocol == IPPROTO_VRRP)
		return 0;
	if (gateway_forwards(XVIP_SLOT_IPV4, vrids))
		return 0;
	fib.family = FIB_AF_INET;
	fib.tos = ip->tos;
	fib.l4_protocol = ip->protocol;
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	return kernel_would_forward(ctx, &fib);
}

/* A sender protocol address no reply may go to: the limited broadcast, multicast and class E
 * (224/3), loopback (127/8). 0.0.0.0 is an RFC 5227 probe and is answered. */
static __always_inline int arp_sender_unreachable(__be32 spa)
{
	__u32 a = bpf_ntohl(spa);

	return (a >> 29) == 7 || (a >> 24) == 127;
}

static __always_inline int handle_arp(struct eth_frame *eth, struct cursor *c)
{
	struct arp_eth_ipv4 *arp = parse_arp(c);
	const struct xvip_iface *iface;
	__be32 vip_addr;
	__u32 instance;

	if (!arp)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	if (arp->hrd != bpf_htons(ARP_HRD_ETHER) || arp->pro != bpf_htons(ETH_P_IP) ||
	    arp->hln != ETH_ALEN || arp->pln != 4)
		return verdict(XDP_PASS, COUNTER(arp_pass_other));

	/* A VIP speaking: a gratuitous ARP or another host's reply. Never answered; while we are
	 * active for that VIP it means someone else claims it too. */
	instance = vip4_instance(arp->spa);
	if (instance) {
		if (instance_role(instance) == XVIP_ROLE_ACTIVE)
			return verdict(XDP_PASS, COUNTER(arp_conflict));
		return verdict(XDP_PASS, COUNTER(arp_pass_from_vip));
	}

	if (arp->op != bpf_htons(ARP_OP_REQUEST))
		return verdict(XDP_PASS, COUNTER(arp_pass_other));
	instance = vip4_instance(arp->tpa);
	if (!instance)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));

	iface = iface_config();
	if (!iface || is_multicast_mac(eth->src) || is_multicast_mac(arp->sha) ||
	    arp_sender_unreachable(arp->spa) ||
	    !(is_broadcast_mac(eth->dst) || mac_equal(eth->dst, iface->mac)))
		return verdict(XDP_PASS, COUNTER(arp_pass_other));

	if (instance_role(instance) != XVIP_ROLE_ACTIVE)
		return verdict(XDP_DROP, COUNTER(arp_drop_inactive));

	/* The request becomes the reply in place (RFC 826): to the asker, from our MAC. */
	vip_addr = arp->tpa;
	__builtin_memcpy(eth->dst, arp->sha, ETH_ALEN);
	__builtin_memcpy(eth->src, iface->mac, ETH_ALEN);
	arp->op = bpf_htons(ARP_OP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	__builtin_memcpy(arp->sha, iface->mac, ETH_ALEN);
	arp->tpa = arp->spa;
	arp->spa = vip_addr;
	return verdict(XDP_TX, COUNTER(arp_reply));
}

static __always_inline int ipv6_is_unspecified(const struct in6_addr *a)
{
	return (a->in6_u.u6_addr32[0] | a->in6_u.u6_addr32[1] | a->in6_u.u6_addr32[2] |
		a->in6_u.u6_addr32[3]) == 0;
}

/* ff02::1:ffXX:XXXX (RFC 4291 §2.7.1) */
static __always_inline int ipv6_is_solicited_node(const struct in6_addr *a)
{
	return a->in6_u.u6_addr32[0] == bpf_htonl(0xff020000) && a->in6_u.u6_addr32[1] == 0 &&
	       a->in6_u.u6_addr32[2] == bpf_htonl(1) && a->in6_u.u6_addr8[12] == 0xff;
}

#define ND_MAX_OPTIONS 4
#define NA_FRAME_LEN                                                                     \
	(sizeof(struct eth_frame) + sizeof(struct ipv6hdr) + sizeof(struct icmp6_base) + \
	 sizeof(struct nd_msg_body) + sizeof(struct nd_lladdr_opt))
#define NA_ICMP_LEN (NA_FRAME_LEN - sizeof(struct eth_frame) - sizeof(struct ipv6hdr))
#define NA_FLAG_SOLICITED 0x40000000
#define NA_FLAG_OVERRIDE 0x20000000

/* What the advertisement needs from the solicitation, saved before the frame is resized. */
struct ns_origin {
	struct in6_addr source;
	struct in6_addr target;
	__u8 reply_mac[ETH_ALEN];
	__u8 dad; /* source was :: (duplicate address detection): answer to all-nodes */
};

/* The longest solicitation validate_ns can accept: the body and ND_MAX_OPTIONS options of the
 * largest size (255 units of 8 octets). A longer one is refused whatever it holds. */
#define ND_MAX_ICMP_LEN \
	(sizeof(struct icmp6_base) + sizeof(struct nd_msg_body) + ND_MAX_OPTIONS * 255 * 8)

/* RFC 4861 §7.1.1; returns 0 and fills origin when the solicitation is valid. */
static __always_inline int validate_ns(struct eth_frame *eth, struct ipv6hdr *ip6,
				       struct icmp6_base *icmp, struct nd_msg_body *ns,
				       struct cursor *c, struct ns_origin *origin)
{
	__u32 icmp_len = bpf_ntohs(ip6->payload_len);
	const __u8 *source_mac = eth->src;
	void *icmp_end;
	int i;

	/* Bounded before it is added to a packet pointer: the verifiers of 6.1 and 6.12 know nothing
	 * of a byte-swapped value's range and refuse pointer arithmetic with it (docs/architecture.md,
	 * "Verifier-portable code"). */
	if (icmp_len > ND_MAX_ICMP_LEN)
		return -1;
	icmp_end = (void *)icmp + icmp_len;
	if (ip6->hop_limit != 255 || icmp->code != 0 || icmp_len < sizeof(*icmp) + sizeof(*ns) ||
	    icmp_end > c->end || ns->target[0] == 0xff)
		return -1;
	origin->dad = ipv6_is_unspecified(&ip6->saddr);
	if (origin->dad && !ipv6_is_solicited_node(&ip6->daddr))
		return -1;
	if (is_multicast_mac(source_mac))
		return -1;

#pragma unroll
	for (i = 0; i < ND_MAX_OPTIONS; i++) {
		struct nd_lladdr_opt *opt = c->pos;

		if ((void *)opt >= icmp_end)
			break;
		if ((void *)(opt + 1) > c->end || opt->len == 0 ||
		    (void *)opt + opt->len * 8 > icmp_end)
			return -1;
		if (opt->type == ND_OPT_SOURCE_LLADDR) {
			/* An advertisement never goes to a multicast link-layer address. */
			if (origin->dad || opt->len != 1 || is_multicast_mac(opt->mac))
				return -1;
			source_mac = opt->mac;
		}
		c->pos = (void *)opt + opt->len * 8;
	}
	if (c->pos < icmp_end)
		return -1; /* more options than we look at: let the kernel judge it */

	__builtin_memcpy(&origin->source, &ip6->saddr, sizeof(origin->source));
	__builtin_memcpy(&origin->target, ns->target, sizeof(origin->target));
	__builtin_memcpy(origin->reply_mac, source_mac, ETH_ALEN);
	return 0;
}

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Rewrites the frame into the neighbour advertisement answering origin (RFC 4861 §7.2.4). */
static __always_inline int send_na(struct xdp_md *ctx, const struct ns_origin *origin)
{
	const struct xvip_iface *iface = iface_config();
	static const __u8 all_nodes_mac[ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 1};
	struct eth_frame *eth;
	struct ipv6hdr *ip6;
	struct icmp6_base *icmp;
	struct nd_msg_body *na;
	struct nd_lladdr_opt *opt;
	void *data;
	__s64 sum;
	int delta;

	if (!iface)
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	delta = (int)NA_FRAME_LEN - (int)(ctx->data_end - ctx->data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return verdict(XDP_PASS, COUNTER(tx_aborted));

	/* One bounds check for the whole reply: the pieces sit at fixed offsets. */
	data = (void *)(long)ctx->data;
	if (data + NA_FRAME_LEN > (void *)(long)ctx->data_end)
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	eth = data;
	ip6 = (void *)(eth + 1);
	icmp = (void *)(ip6 + 1);
	na = (void *)(icmp + 1);
	opt = (void *)(na + 1);

	__builtin_memcpy(eth->dst, origin->dad ? all_nodes_mac : origin->reply_mac, ETH_ALEN);
	__builtin_memcpy(eth->src, iface->mac, ETH_ALEN);

	*(__be32 *)ip6 = bpf_htonl(0x60000000); /* version 6, no traffic class, no flow label */
	ip6->payload_len = bpf_htons(NA_ICMP_LEN);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 255;
	__builtin_memcpy(&ip6->saddr, &origin->target, sizeof(ip6->saddr));
	if (origin->dad) {
		ip6->daddr.in6_u.u6_addr32[0] = bpf_htonl(0xff020000);
		ip6->daddr.in6_u.u6_addr32[1] = 0;
		ip6->daddr.in6_u.u6_addr32[2] = 0;
		ip6->daddr.in6_u.u6_addr32[3] = bpf_htonl(1);
	} else {
		__builtin_memcpy(&ip6->daddr, &origin->source, sizeof(ip6->daddr));
	}

	icmp->type = ICMP6_NEIGHBOR_ADVERT;
	icmp->code = 0;
	icmp->cksum = 0;
	na->flags_reserved =
		bpf_htonl(origin->dad ? NA_FLAG_OVERRIDE : NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE);
	__builtin_memcpy(na->target, &origin->target, sizeof(na->target));
	opt->type = ND_OPT_TARGET_LLADDR;
	opt->len = 1;
	__builtin_memcpy(opt->mac, iface->mac, ETH_ALEN);

	/* ICMPv6 checksum (RFC 4443 §2.3): the pseudo-header is source and destination (contiguous
	 * in the header), the upper-layer length and the next header; then the message. */
	sum = bpf_csum_diff(0, 0, (__be32 *)&ip6->saddr, 32, 0);
	sum = bpf_csum_diff(0, 0, (__be32 *)icmp, NA_ICMP_LEN, (__u32)sum);
	if (sum < 0)
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	icmp->cksum = csum_fold((__u64)sum + bpf_htons(NA_ICMP_LEN + IPPROTO_ICMPV6));
	return verdict(XDP_TX, COUNTER(na_reply));
}

#define IPV6_MAX_EXT_HEADERS 4

/* Steps over the extension headers that may come before an upper-layer header: hop-by-hop,
 * routing and destination options, at most IPV6_MAX_EXT_HEADERS of them. Returns the upper-layer
 * protocol with the cursor on it, or -1 for a longer chain or one that leaves the frame. A
 * fragment header (44) is returned as it is: the kernel drops fragmented ND (RFC 6980). */
static __always_inline int skip_ext_headers(struct cursor *c, __u8 nexthdr)
{
	int i;

#pragma unroll
	for (i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
		struct ipv6_ext_start *ext = c->pos;

		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS)
			return nexthdr;
		if ((void *)(ext + 1) > c->end)
			return -1;
		nexthdr = ext->nexthdr;
		c->pos = (void *)ext + (ext->hdrlen + 1) * 8;
	}
	if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS)
		return -1;
	return nexthdr;
}

/* An IPv6 frame that is for no VIP: whether a node not active for any gateway instance must drop
 * it (as standby_must_drop4). Never: multicast (ff00::/8) and link-local (fe80::/10)
 * destinations, VRRP, and neighbour discovery (router and neighbour solicitations and
 * advertisements, redirects: with proxy_ndp the kernel answers some that a lookup would forward).
 * upper is the upper-layer protocol after the extension headers, icmp_type its ICMPv6 type or
 * -1. */
static __always_inline int standby_must_drop6(struct xdp_md *ctx, const struct eth_frame *eth,
					      const struct ipv6hdr *ip6, int upper, int icmp_type)
{
	__u64 vrids = gateway_vrids(XVIP_SLOT_IPV6);
	const struct xvip_iface *iface;
	struct bpf_fib_lookup fib = {};
	const __u8 *dst = ip6->daddr.in6_u.u6_addr8;

	if (!vrids)
		return 0;
	iface = iface_config();
	if (!iface || !mac_equal(eth->dst, iface->mac))
		return 0;
	if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
	    upper == IPPROTO_VRRP ||
	    (icmp_type >= ICMP6_ROUTER_SOLICIT && icmp_type <= ICMP6_REDIRECT))
		return 0;
	if (gateway_forwards(XVIP_SLOT_IPV6, vrids))
		return 0;
	fib.family = FIB_AF_INET6;
	fib.flowinfo = *(const __be32 *)ip6 & bpf_htonl(0x0fffffff);
	fib.l4_protocol = ip6->nexthdr;
	__builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
	return kernel_would_forward(ctx, &fib);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct eth_frame *eth, struct cursor *c)
{
	struct ipv6hdr *ip6 = parse_ipv6hdr(c);
	struct icmp6_base *icmp = NULL;
	struct nd_msg_body *ns;
	struct ns_origin origin;
	const struct xvip_vip_filter *filter = vip_filter();
	__u32 instance;
	int upper;

	if (!ip6 || ip6->version != 6)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));

	/* Solicitations for a VIP behind extension headers are found too: on a node that is not
	 * active every solicitation for the VIP is dropped, whether the program could answer it or
	 * not, so the kernel never judges one (docs/architecture.md). */
	upper = skip_ext_headers(c, ip6->nexthdr);
	if (upper == IPPROTO_ICMPV6 && (icmp = parse_icmp6_base(c)) &&
	    icmp->type == ICMP6_NEIGHBOR_SOLICIT && (ns = parse_nd_body(c)) &&
	    (instance = vip6_instance(filter, ns->target))) {
		if (instance_role(instance) != XVIP_ROLE_ACTIVE)
			return verdict(XDP_DROP, COUNTER(ns_drop_inactive));
		/* Answered only when read whole: no extension headers, valid (the active node's
		 * kernel judges the rest, and never answers for a VIP on lo). */
		if (ip6->nexthdr != IPPROTO_ICMPV6 || validate_ns(eth, ip6, icmp, ns, c, &origin))
			return verdict(XDP_PASS, COUNTER(ns_invalid));
		return send_na(ctx, &origin);
	}
	instance = vip6_instance(filter, ip6->daddr.in6_u.u6_addr8);
	if (!instance && standby_must_drop6(ctx, eth, ip6, upper, icmp ? icmp->type : -1))
		return verdict(XDP_DROP, COUNTER(fwd6_drop_standby));
	return vip_traffic(instance);
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct eth_frame *eth, struct cursor *c)
{
	struct iphdr *ip = parse_iphdr(c);
	__u32 instance;

	/* Options and fragments need no special case: the destination is in the fixed header. A bad
	 * header passes: the kernel drops it before any route lookup. */
	if (!ip || ip->version != 4 || ip->ihl < 5)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	instance = vip4_instance(ip->daddr);
	if (!instance && standby_must_drop4(ctx, eth, ip))
		return verdict(XDP_DROP, COUNTER(fwd4_drop_standby));
	return vip_traffic(instance);
}

SEC("xdp")
int xvip_xdp(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct eth_frame *eth = parse_eth(&c);

	if (!eth)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	switch (eth->proto) {
	case bpf_htons(ETH_P_ARP):
		return handle_arp(eth, &c);
	case bpf_htons(ETH_P_IP):
		return handle_ipv4(ctx, eth, &c);
	case bpf_htons(ETH_P_IPV6):
		return handle_ipv6(ctx, eth, &c);
	default: /* VLAN-tagged frames included: xvip serves the untagged interface */
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	}
}
