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

/* Whether the data plane forwards for virtual services: set by the loader before the load
 * (LbCapacity::services), read-only after. Without it the verifier drops the forwarding code as
 * dead, so a node that balances nothing pays nothing for it. */
const volatile __u8 xvip_lb_enabled = 0;

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

/* Tells xvipd (ring buffer xvip_events). A full ring loses the event, never the frame: xvipd still
 * learns of a demotion when its renewal of the word fails, and of a conflict at the next one. */
static __always_inline void report(__u32 kind, __u32 instance)
{
	struct xvip_event event = {.kind = kind, .instance = instance};

	bpf_ringbuf_output(&xvip_events, &event, sizeof(event), 0);
}

/* Another MAC claims a VIP of an instance we are active for: xvipd re-announces at once. At most
 * one event per instance per XVIP_CONFLICT_INTERVAL_NS, however many claims arrive. */
static __always_inline void report_conflict(__u32 instance)
{
	struct xvip_guard *guard = bpf_map_lookup_elem(&xvip_guard, &instance);
	__u64 now = bpf_ktime_get_ns();

	if (!guard || now - guard->conflict_ns < XVIP_CONFLICT_INTERVAL_NS)
		return;
	guard->conflict_ns = now;
	report(XVIP_EVENT_CONFLICT, instance);
}

/* Traffic addressed to a VIP of an instance in `role` that is not ARP/ND: only a standby stops it. */
static __always_inline int vip_role_verdict(enum xvip_role role)
{
	switch (role) {
	case XVIP_ROLE_ACTIVE:
		return verdict(XDP_PASS, COUNTER(vip_pass_active));
	case XVIP_ROLE_DRAINING:
		return verdict(XDP_PASS, COUNTER(vip_pass_draining));
	default:
		return verdict(XDP_DROP, COUNTER(vip_drop_standby));
	}
}

/* The same for the instance a VIP belongs to (0: no VIP). */
static __always_inline int vip_traffic(__u32 instance)
{
	if (!instance)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	return vip_role_verdict(instance_role(instance));
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
	if ((dst >> 29) == 7 || (dst >> 16) == 0xa9fe || ip->protocol == VRRP_PROTOCOL)
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

/* Whether a sender may be answered as on-link: inside one of the interface's IPv4 subnets, or an
 * RFC 5227 probe (0.0.0.0), or IPv4 link-local (169.254/16, on every link: RFC 3927). Anyone else
 * would not find the VIP on-link; answering would teach a router or a host of another subnet our
 * MAC for it. */
static __always_inline int arp_sender_on_link(const struct xvip_iface *iface, __be32 spa)
{
	__u32 count = iface->subnet4_count;
	__u32 i;

	if (count == 0 || spa == 0 || (spa & bpf_htonl(0xffff0000)) == bpf_htonl(0xa9fe0000))
		return 1;
#pragma unroll
	for (i = 0; i < XVIP_MAX_SUBNETS4; i++) {
		if (i < count && (spa & iface->subnet4[i].mask) == iface->subnet4[i].network)
			return 1;
	}
	return 0;
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
		iface = iface_config();
		if (instance_role(instance) == XVIP_ROLE_ACTIVE && iface &&
		    !mac_equal(arp->sha, iface->mac)) {
			report_conflict(instance);
			return verdict(XDP_PASS, COUNTER(arp_conflict));
		}
		return verdict(XDP_PASS, COUNTER(arp_pass_from_vip));
	}

	if (arp->op != bpf_htons(ARP_OP_REQUEST))
		return verdict(XDP_PASS, COUNTER(arp_pass_other));
	instance = vip4_instance(arp->tpa);
	if (!instance)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));

	iface = iface_config();
	if (!iface || is_multicast_mac(eth->src) || is_multicast_mac(arp->sha) ||
	    arp_sender_unreachable(arp->spa) || !arp_sender_on_link(iface, arp->spa) ||
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

#define BFD_VERSION 1
#define BFD_FLAG_POLL 0x20
#define BFD_FLAG_FINAL 0x10
#define BFD_FLAG_AUTH 0x04
#define BFD_FLAG_MULTIPOINT 0x01
#define BFD_STATE_ADMIN_DOWN 0
#define BFD_STATE_DOWN 1
#define BFD_STATE_INIT 2
#define BFD_STATE_UP 3
#define BFD_UDP_LEN (sizeof(struct udp_header) + sizeof(struct bfd_control))
#define IP_FRAGMENT_BITS 0x3fff /* more fragments, and the offset */

/* The UDP header and control packet at the cursor when the datagram is one to the BFD port, whole;
 * 0 when it is, -1 when it is not (then it goes the way of other traffic to the VIP: a frame too
 * short to hold a control packet is never answered from a partial header). */
static __always_inline int parse_bfd(struct cursor *c, struct udp_header **udp,
				     struct bfd_control **bfd)
{
	*udp = parse_udp(c);
	if (!*udp || (*udp)->dest != bpf_htons(XVIP_BFD_PORT))
		return -1;
	*bfd = parse_bfd_control(c);
	return *bfd ? 0 : -1;
}

/* RFC 5880 §6.8.6's discard rules, and RFC 5881 §5's TTL (hop limit) of 255, for a packet to
 * instance. */
static __always_inline int bfd_acceptable(__u8 ttl, const struct udp_header *udp,
					  const struct bfd_control *bfd, __u32 instance)
{
	__u8 state = bfd->state_flags >> 6;

	if (ttl != 255 || udp->len != bpf_htons(BFD_UDP_LEN))
		return 0;
	if (bfd->version_diag >> 5 != BFD_VERSION || bfd->length != sizeof(*bfd) ||
	    bfd->detect_multiplier == 0 || bfd->my_discriminator == 0 ||
	    (bfd->state_flags & (BFD_FLAG_AUTH | BFD_FLAG_MULTIPOINT)))
		return 0;
	if (bfd->your_discriminator == 0)
		return state == BFD_STATE_DOWN || state == BFD_STATE_ADMIN_DOWN;
	return bfd->your_discriminator == bpf_htonl(xvip_bfd_discriminator(instance));
}

/* The state a session following the sender's answers with. A switch, not a static table: a
 * second static array in .rodata gave BTF the kernel refused (EINVAL), after which libbpf creates
 * the maps without their types (the BPF suite's XdpBtf test catches that). */
static __always_inline __u8 bfd_next_state(__u8 state)
{
	switch (state) {
	case BFD_STATE_ADMIN_DOWN:
		return BFD_STATE_DOWN;
	case BFD_STATE_DOWN:
		return BFD_STATE_INIT;
	default:
		return BFD_STATE_UP;
	}
}

/* Whether the answer to this control packet is Up (the sender is Init or Up). */
static __always_inline int answers_up(const struct bfd_control *bfd)
{
	return bfd_next_state(bfd->state_flags >> 6) == BFD_STATE_UP;
}

/*
 * The answer to a control packet, in place: a session that follows the sender's (RFC 5880 §6.8.6:
 * Down -> Init, Init or Up -> Up, AdminDown -> Down), one packet back per packet received, at the
 * sender's own rate and multiplier; a Poll is answered with Final. To the sender's port 3784 from
 * a source port of the range RFC 5881 §4 sets, one per instance.
 */
static __always_inline void bfd_answer(struct udp_header *udp, struct bfd_control *bfd,
				       __u32 instance)
{
	__u8 state = bfd->state_flags >> 6;
	__u8 final = bfd->state_flags & BFD_FLAG_POLL ? BFD_FLAG_FINAL : 0;

	udp->source = bpf_htons(XVIP_BFD_SOURCE_PORT_BASE + (instance & XVIP_BFD_SOURCE_PORT_MASK));
	udp->dest = bpf_htons(XVIP_BFD_PORT);
	udp->check = 0;
	bfd->version_diag = BFD_VERSION << 5; /* diag 0: no diagnostic */
	bfd->state_flags = (__u8)(bfd_next_state(state) << 6) | final;
	bfd->your_discriminator = bfd->my_discriminator;
	bfd->my_discriminator = bpf_htonl(xvip_bfd_discriminator(instance));
	bfd->required_min_rx_us = bfd->desired_min_tx_us; /* the rate it sends at is taken */
	bfd->required_min_echo_rx_us = 0;
}

/* A node not active for the instance answers nothing; the active one answers a valid packet. */
static __always_inline int bfd_verdict(__u32 instance, __u8 ttl, const struct udp_header *udp,
				       const struct bfd_control *bfd)
{
	if (instance_role(instance) != XVIP_ROLE_ACTIVE)
		return verdict(XDP_DROP, COUNTER(bfd_drop_inactive));
	if (!bfd_acceptable(ttl, udp, bfd, instance))
		return verdict(XDP_DROP, COUNTER(bfd_invalid));
	return XDP_TX;
}

/* Whether `theirs` is the higher address, both in network byte order, `words` 32-bit words long
 * (RFC 5798 §6.4.3: at equal priority the higher primary address wins). */
static __always_inline int address_higher(const __u8 *theirs, const __u8 *ours, int words)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 a, b;

		if (i >= words)
			break;
		a = bpf_ntohl(((const __u32 *)theirs)[i]);
		b = bpf_ntohl(((const __u32 *)ours)[i]);
		if (a != b)
			return a > b;
	}
	return 0;
}

#define BFD_DIAG_ADMIN_DOWN 7
#define XVIP_CLOCK_MONOTONIC 1

static __always_inline int address_equal16(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

_Static_assert((XVIP_FAST_REQUESTERS & (XVIP_FAST_REQUESTERS - 1)) == 0,
	       "xvip_successor_answer masks a slot index with XVIP_FAST_REQUESTERS - 1");

/* How the active node answers a successor's tagged request (successor_designated). */
enum successor_answer {
	SUCCESSOR_UP,		  /* designated, or no successor at all: the answer as built */
	SUCCESSOR_HELD,		  /* designated, but another may still be armed: Init, not Up */
	SUCCESSOR_NOT_DESIGNATED, /* another ranks higher: AdminDown, diag 7 */
};

/*
 * Fast failover, the active node's side: how a successor's request is answered, `up` saying whether
 * the answer as built is Up. The instance keeps the successors that asked within
 * XVIP_FAST_REQUESTER_HOLD_NS (or their detection time, if longer), up to XVIP_FAST_REQUESTERS;
 * only the highest of them (priority, then address, as VRRP ranks routers) is designated, so that
 * exactly one node takes over fast and the others wait for VRRP. The designated one is answered Up
 * only once no other successor's latest Up answer can still arm it (its up_until_ns); a slot whose
 * Up answer may still arm its node is never given to another. The table is written without a
 * lock: a successor's requests reach one CPU (one flow), and two new successors racing for one
 * free slot only delay one of them to its next request.
 *
 * A global function, verified once on its own: inlined at both call sites its branches multiplied
 * with theirs past the verifier's limit. So its arguments are scalars: `who` is
 * instance | priority << 32 | up << 40, the address comes in two halves (network byte order).
 */
__attribute__((noinline)) int xvip_successor_answer(__u64 who, __u64 detect_ns, __u64 addr_lo,
						    __u64 addr_hi)
{
	__u32 instance = (__u32)who;
	__u8 priority = (__u8)(who >> 32), lowest = 255, addr[16];
	int up = (who >> 40) & 1;
	int i, slot = -1, free = -1, lowest_slot = -1, outranked = 0, other_armed = 0;
	struct xvip_fast_timer *t = bpf_map_lookup_elem(&xvip_fast_timers, &instance);
	struct xvip_requester *r;
	__u64 now, hold_ns;

	if (!t)
		return SUCCESSOR_UP;
	__builtin_memcpy(addr, &addr_lo, 8);
	__builtin_memcpy(addr + 8, &addr_hi, 8);
	now = bpf_ktime_get_ns();
	hold_ns = detect_ns > XVIP_FAST_REQUESTER_HOLD_NS ? detect_ns : XVIP_FAST_REQUESTER_HOLD_NS;
	for (i = 0; i < XVIP_FAST_REQUESTERS; i++) {
		r = &t->requesters[i];
		if (address_equal16(r->addr, addr)) {
			slot = i;
			continue;
		}
		if (r->up_until_ns > now)
			other_armed = 1;
		if (r->expires_ns <= now) {
			if (free < 0 && r->up_until_ns <= now)
				free = i;
			continue;
		}
		if (r->priority > priority ||
		    (r->priority == priority && address_higher(r->addr, addr, 4)))
			outranked = 1;
		if (r->priority < lowest && r->up_until_ns <= now) {
			lowest = r->priority;
			lowest_slot = i;
		}
	}
	if (slot < 0)
		slot = free >= 0 ? free : (lowest < priority ? lowest_slot : -1);
	if (slot >= 0) {
		r = &t->requesters[slot & (XVIP_FAST_REQUESTERS - 1)];
		if (!address_equal16(r->addr, addr)) {
			__builtin_memcpy(r->addr, addr, 16);
			r->up_until_ns = 0;
		}
		r->priority = priority;
		r->expires_ns = now + hold_ns;
		if (up && !outranked && !other_armed)
			r->up_until_ns = now + 2 * xvip_fast_arming_ns(detect_ns);
	}
	if (outranked)
		return SUCCESSOR_NOT_DESIGNATED;
	if (up && (other_armed || slot < 0))
		return SUCCESSOR_HELD;
	return SUCCESSOR_UP;
}

/* How a control packet from `addr` is answered: as built unless it is a successor's tagged request
 * (xvip_bfd_request_discriminator); any other BFD peer (a router) is answered as before. */
static __always_inline enum successor_answer
successor_designated(__u32 instance, const struct bfd_control *bfd, const __u8 *addr)
{
	__u32 discriminator = bpf_ntohl(bfd->my_discriminator);
	__u64 lo, hi;

	if (!xvip_bfd_is_request(discriminator, instance))
		return SUCCESSOR_UP;
	__builtin_memcpy(&lo, addr, 8);
	__builtin_memcpy(&hi, addr + 8, 8);
	return (enum successor_answer)xvip_successor_answer(
		instance | (__u64)xvip_bfd_request_priority(discriminator) << 32 |
			(__u64)answers_up(bfd) << 40,
		(__u64)bfd->detect_multiplier * bpf_ntohl(bfd->desired_min_tx_us) * 1000, lo, hi);
}

/* The answer built for a successor's request made what successor_designated decided: AdminDown
 * with diag 7 to one that is not designated (it never arms), Init to one held; the rest as built. */
static __always_inline void shape_successor_answer(struct bfd_control *bfd,
						   enum successor_answer how)
{
	__u8 final = bfd->state_flags & BFD_FLAG_FINAL;

	if (how == SUCCESSOR_NOT_DESIGNATED) {
		bfd->version_diag = BFD_VERSION << 5 | BFD_DIAG_ADMIN_DOWN;
		bfd->state_flags = (__u8)(BFD_STATE_ADMIN_DOWN << 6) | final;
	} else if (how == SUCCESSOR_HELD) {
		bfd->state_flags = (__u8)(BFD_STATE_INIT << 6) | final;
	}
}

static __always_inline int successor_verdict(enum successor_answer how)
{
	if (how == SUCCESSOR_NOT_DESIGNATED)
		return verdict(XDP_TX, COUNTER(bfd_reply_not_designated));
	if (how == SUCCESSOR_HELD)
		return verdict(XDP_TX, COUNTER(bfd_reply_held));
	return verdict(XDP_TX, COUNTER(bfd_reply));
}

/*
 * Fast failover, the successor's detector, run by the instance's bpf_timer: when the latest Up
 * answer is multiplier x interval old (RFC 5880's detection time, counted from the last packet
 * received), and again every XVIP_FAST_RECHECK_DIVISOR-th of an interval after that while the node
 * stays armed. When `multiplier` requests have gone unanswered and the latest answer is at least
 * multiplier x interval old, the active node's data plane has stopped answering (host, link or
 * lease gone): the state word goes from standby to the word xvipd prepared with its latest
 * request (active, with its lease), by compare-and-swap, and xvipd is told. A word that is not
 * standby (xvipd made the node master, or something else changed it) is never swapped; a daemon
 * that stalls sends no requests, so its node never flips. Once the latest answer is
 * xvip_fast_arming_ns(multiplier x interval) old the node disarms without taking over: by then the
 * active node may answer another successor Up.
 */
static int detector_fired(void *map __attribute__((unused)), __u32 *key, struct xvip_fast_timer *t)
{
	__u32 instance = *key;
	struct xvip_fast *f = bpf_map_lookup_elem(&xvip_fast, &instance);
	__u64 *word = bpf_map_lookup_elem(&xvip_state, &instance);
	__u64 now, old, takeover, requests, answer, silent, detect, interval;

	if (!f || !word)
		return 0;
	answer = f->answer;
	interval = f->interval_ns;
	requests = f->requests;
	detect = xvip_fast_multiplier(requests) * interval;
	if (!(answer & XVIP_FAST_ARMED) || detect == 0)
		return 0; /* disarmed (or fast failover off): the timer stops */
	old = *(volatile __u64 *)word;
	if (xvip_word_role(old) != XVIP_ROLE_STANDBY)
		return 0; /* master by VRRP (or draining): nothing to detect */
	now = bpf_ktime_get_ns();
	silent = now - f->last_answer_ns;
	if (silent > xvip_fast_arming_ns(detect)) {
		/* The arming lapsed (the active node may have designated another since): disarmed,
		 * unless an answer came meanwhile. */
		__sync_val_compare_and_swap(&f->answer, answer, answer & ~XVIP_FAST_ARMED);
		return 0;
	}
	if (silent >= detect && xvip_fast_sent(requests) - xvip_fast_answered_at(answer) >=
					xvip_fast_multiplier(requests)) {
		takeover = f->takeover_word;
		if (xvip_word_role(takeover) == XVIP_ROLE_ACTIVE &&
		    xvip_word_deadline(takeover) > bpf_jiffies64() &&
		    __sync_val_compare_and_swap(word, old, takeover) == old) {
			f->takeover_ns = now;
			f->answer = answer & ~XVIP_FAST_ARMED;
			report(XVIP_EVENT_FAST_TAKEOVER, instance);
			return 0;
		}
	}
	/* Silent for less than the detection time: fire when it is reached. Silent long enough but
	 * fewer requests out (the last one is due, or the daemon runs late): look again soon. */
	bpf_timer_start(&t->timer,
			silent < detect ? detect - silent : interval / XVIP_FAST_RECHECK_DIVISOR,
			0);
	return 0;
}

/* The detector fires `detect_ns` (multiplier x interval) from now: each Up answer pushes it back,
 * so while the active node answers it never runs. */
static __always_inline void push_detector(__u32 instance, __u64 detect_ns)
{
	struct xvip_fast_timer *t = bpf_map_lookup_elem(&xvip_fast_timers, &instance);

	if (!t)
		return;
	if (bpf_timer_init(&t->timer, &xvip_fast_timers, XVIP_CLOCK_MONOTONIC) == 0)
		bpf_timer_set_callback(&t->timer, detector_fired);
	bpf_timer_start(&t->timer, detect_ns, 0);
}

/*
 * An answer to this node's fast-failover request for `instance` (from the VIP, from port 49152 +
 * instance, My Discriminator the instance's, Your Discriminator one of our requests): recorded
 * and dropped. An Up answer arms the detector; any other disarms it (AdminDown: another successor
 * is designated). While this node is active after a fast takeover, an Up answer means the old
 * active node is alive after all (a spurious takeover under loss): the word goes back to standby
 * at once and xvipd is told. -1 when fast failover is off for the instance: the frame is not ours.
 */
static __always_inline int record_answer(__u32 instance, const struct bfd_control *bfd)
{
	struct xvip_fast *f = bpf_map_lookup_elem(&xvip_fast, &instance);
	__u64 *word = bpf_map_lookup_elem(&xvip_state, &instance);
	__u8 state = bfd->state_flags >> 6;
	__u64 old, now, previous, gap, unanswered;
	int up = state == BFD_STATE_UP;

	if (!f || !word || f->interval_ns == 0)
		return -1;
	now = bpf_ktime_get_ns();
	previous = f->answer;
	if ((previous & XVIP_FAST_ARMED) && f->last_answer_ns != 0) {
		gap = now - f->last_answer_ns;
		unanswered = xvip_fast_sent(f->requests) - xvip_fast_answered_at(previous);
		if (gap > f->largest_gap_ns)
			f->largest_gap_ns = gap;
		if (unanswered > f->most_unanswered)
			f->most_unanswered = unanswered;
	}
	old = *(volatile __u64 *)word;
	if (up && f->takeover_ns != 0 &&
	    xvip_effective_role(old, bpf_jiffies64()) == XVIP_ROLE_ACTIVE &&
	    __sync_val_compare_and_swap(word, old, xvip_state_word(XVIP_ROLE_STANDBY, 0)) == old) {
		f->takeover_ns = 0;
		report(XVIP_EVENT_FAST_REVERTED, instance);
		old = 0;
	}
	f->last_answer_ns = now;
	f->answer = xvip_fast_answer(xvip_fast_sent(f->requests), state, up);
	__sync_fetch_and_add(&f->answers, 1);
	if (up && xvip_word_role(old) == XVIP_ROLE_STANDBY)
		push_detector(instance, xvip_fast_multiplier(f->requests) * f->interval_ns);
	return verdict(XDP_DROP, COUNTER(bfd_answer));
}

/* Whether a control packet is an answer to our request for `instance`, as the active node's
 * program builds them (bfd_answer): single hop, no authentication, the right discriminators. */
static __always_inline int is_answer(__u8 ttl, const struct udp_header *udp,
				     const struct bfd_control *bfd, __u32 instance)
{
	return ttl == 255 && udp->len == bpf_htons(BFD_UDP_LEN) &&
	       bfd->version_diag >> 5 == BFD_VERSION && bfd->length == sizeof(*bfd) &&
	       !(bfd->state_flags & (BFD_FLAG_AUTH | BFD_FLAG_MULTIPOINT)) &&
	       bfd->my_discriminator == bpf_htonl(xvip_bfd_discriminator(instance)) &&
	       xvip_bfd_is_request(bpf_ntohl(bfd->your_discriminator), instance);
}

/* The instance a datagram from a VIP's BFD source port answers for, or 0; the control packet at
 * *bfd. */
static __always_inline __u32 answer_instance(struct cursor *c, struct udp_header **udp,
					     struct bfd_control **bfd)
{
	__u32 port;

	*udp = parse_udp(c);
	if (!*udp || (*udp)->dest != bpf_htons(XVIP_BFD_PORT))
		return 0;
	port = bpf_ntohs((*udp)->source);
	if (port < XVIP_BFD_SOURCE_PORT_BASE ||
	    port >= XVIP_BFD_SOURCE_PORT_BASE + XVIP_STATE_ENTRIES)
		return 0;
	*bfd = parse_bfd_control(c);
	if (!*bfd)
		return 0;
	return port - XVIP_BFD_SOURCE_PORT_BASE;
}

/* BFD from an IPv4 VIP to this node (not to a VIP): -1 when it is no answer to our request. */
static __always_inline int handle_answer4(struct iphdr *ip, struct cursor *c)
{
	struct udp_header *udp;
	struct bfd_control *bfd;
	__u32 instance;

	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_FRAGMENT_BITS)))
		return -1;
	instance = answer_instance(c, &udp, &bfd);
	if (!instance || vip4_instance(ip->saddr) != instance ||
	    !is_answer(ip->ttl, udp, bfd, instance))
		return -1;
	return record_answer(instance, bfd);
}

/* BFD from an IPv6 VIP to this node: as handle_answer4. */
static __always_inline int handle_answer6(struct ipv6hdr *ip6, struct cursor *c,
					  const struct xvip_vip_filter *filter)
{
	struct udp_header *udp;
	struct bfd_control *bfd;
	__u32 instance;

	instance = answer_instance(c, &udp, &bfd);
	if (!instance || vip6_instance(filter, ip6->saddr.in6_u.u6_addr8) != instance ||
	    !is_answer(ip6->hop_limit, udp, bfd, instance))
		return -1;
	return record_answer(instance, bfd);
}

/* The Ethernet header turned back to its sender, from our MAC; -1 when the interface is unknown. */
static __always_inline int return_to_sender(struct eth_frame *eth)
{
	const struct xvip_iface *iface = iface_config();

	if (!iface)
		return -1;
	__builtin_memcpy(eth->dst, eth->src, ETH_ALEN);
	__builtin_memcpy(eth->src, iface->mac, ETH_ALEN);
	return 0;
}

/* BFD to an IPv4 VIP (unfragmented, no options): -1 when the frame is not that. The IP addresses
 * swap and the TTL stays 255, so the header checksum holds; the UDP checksum is 0 (none, which
 * IPv4 allows). */
static __always_inline int handle_bfd4(struct eth_frame *eth, struct iphdr *ip, struct cursor *c,
				       __u32 instance)
{
	struct udp_header *udp;
	struct bfd_control *bfd;
	__u8 requester[16] = {};
	enum successor_answer how;
	__be32 addr;
	int action;

	if (ip->protocol != IPPROTO_UDP || ip->ihl != 5 ||
	    (ip->frag_off & bpf_htons(IP_FRAGMENT_BITS)) || parse_bfd(c, &udp, &bfd))
		return -1;
	action = bfd_verdict(instance, ip->ttl, udp, bfd);
	if (action != XDP_TX)
		return action;
	if (is_multicast_mac(eth->src) || ip->saddr == 0 || arp_sender_unreachable(ip->saddr))
		return verdict(XDP_DROP, COUNTER(bfd_invalid)); /* no answer to a non-host */
	if (return_to_sender(eth))
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	__builtin_memcpy(requester, &ip->saddr, 4);
	how = successor_designated(instance, bfd, requester);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	bfd_answer(udp, bfd, instance);
	shape_successor_answer(bfd, how);
	return successor_verdict(how);
}

/* BFD to an IPv6 VIP (no extension headers): -1 when the frame is not that. The UDP checksum,
 * which IPv6 requires, is computed afresh over the pseudo-header and the datagram. */
static __always_inline int handle_bfd6(struct eth_frame *eth, struct ipv6hdr *ip6, struct cursor *c,
				       __u32 instance)
{
	struct udp_header *udp;
	struct bfd_control *bfd;
	enum successor_answer how;
	struct in6_addr addr;
	int action;
	__s64 sum;

	if (ip6->nexthdr != IPPROTO_UDP || parse_bfd(c, &udp, &bfd))
		return -1;
	action = bfd_verdict(instance, ip6->hop_limit, udp, bfd);
	if (action != XDP_TX)
		return action;
	if (is_multicast_mac(eth->src) || ip6->saddr.in6_u.u6_addr8[0] == 0xff ||
	    ipv6_is_unspecified(&ip6->saddr))
		return verdict(XDP_DROP, COUNTER(bfd_invalid)); /* no answer to a non-host */
	if (return_to_sender(eth))
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	__builtin_memcpy(&addr, &ip6->saddr, sizeof(addr));
	how = successor_designated(instance, bfd, (const __u8 *)&addr);
	__builtin_memcpy(&ip6->saddr, &ip6->daddr, sizeof(addr));
	__builtin_memcpy(&ip6->daddr, &addr, sizeof(addr));
	bfd_answer(udp, bfd, instance);
	shape_successor_answer(bfd, how);
	/* RFC 8200 §8.1: source and destination (contiguous in the header), the upper-layer length
	 * and next header, then the datagram. */
	sum = bpf_csum_diff(0, 0, (__be32 *)&ip6->saddr, 32, 0);
	sum = bpf_csum_diff(0, 0, (__be32 *)udp, BFD_UDP_LEN, (__u32)sum);
	if (sum < 0)
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	udp->check = csum_fold((__u64)sum + bpf_htons(BFD_UDP_LEN + IPPROTO_UDP));
	if (!udp->check)
		udp->check = 0xffff; /* RFC 768: a computed 0 is sent as all ones */
	return successor_verdict(how);
}

/* The instance's word goes from active to standby, by compare-and-swap: a renewal that user space
 * stores meanwhile makes the swap fail, and it is tried again on the renewed word (user space's
 * own renewal is a compare-and-swap against the word it last wrote, so it never overwrites this
 * one unseen). Returns 1 when this advert demoted it. */
static __always_inline int demote(__u32 instance)
{
	__u64 *word = bpf_map_lookup_elem(&xvip_state, &instance);
	int i;

	if (!word)
		return 0;
#pragma unroll
	for (i = 0; i < 2; i++) {
		__u64 old = *(volatile __u64 *)word;

		if (xvip_effective_role(old, bpf_jiffies64()) != XVIP_ROLE_ACTIVE)
			return 0;
		if (__sync_val_compare_and_swap(word, old, xvip_state_word(XVIP_ROLE_STANDBY, 0)) ==
		    old) {
			report(XVIP_EVENT_OUTRANKED, instance);
			return 1;
		}
	}
	return 0;
}

/* Fast failover: the source of an advert the daemon would accept is the active node (only a
 * master sends adverts), so a successor's requests go to its MAC. Recorded only where fast
 * failover is on for the instance. */
static __always_inline void learn_active(__u32 instance, const __u8 *mac, const __u8 *source,
					 __u32 addr_len)
{
	struct xvip_fast *f = bpf_map_lookup_elem(&xvip_fast, &instance);
	__u8 addr[16] = {};
	__u64 word = 0;

	if (!f || f->interval_ns == 0)
		return;
	__builtin_memcpy(&word, mac, ETH_ALEN);
	if (addr_len == 16)
		__builtin_memcpy(addr, source, 16);
	else
		__builtin_memcpy(addr, source, 4);
	__builtin_memcpy(f->active_addr, addr, 16);
	f->active_mac = word;
}

/* A VRRP message (cursor on it, `length` bytes by its IP header) from `source`. When it is an
 * advert for an instance this node is active for, one the daemon would accept as far as is cheap
 * to check here (hop limit 255, version, type, lengths, and for v2 the authentication and the
 * interval), and it outranks us as RFC 5798 §6.4.3 says a master must yield to (a higher
 * priority, or the same one from a higher primary address; priority 0 is a resignation), the
 * instance goes standby now, in the kernel, not when the daemon next runs. The advert always
 * passes: the daemon must read it. */
static __always_inline int handle_vrrp(enum xvip_family_slot slot, __u8 ttl, const __u8 *source,
				       const __u8 *mac, struct cursor *c, __u32 length)
{
	struct vrrp_hdr *v = parse_vrrp(c);
	const struct xvip_guard *guard;
	__u32 addr_len = slot == XVIP_SLOT_IPV4 ? 4 : 16;
	__u32 instance, expected;
	__u8 version;

	if (!v || ttl != 255 || (v->version_type & 0xf) != VRRP_TYPE_ADVERT || v->vrid == 0 ||
	    v->count == 0)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	version = v->version_type >> 4;
	instance = xvip_instance_index(slot, v->vrid);
	guard = bpf_map_lookup_elem(&xvip_guard, &instance);
	if (!guard || guard->version != version || (version == 2 && slot != XVIP_SLOT_IPV4))
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	expected = sizeof(*v) + (__u32)v->count * addr_len + (version == 2 ? VRRP_V2_AUTH_DATA : 0);
	if (length != expected || (void *)v + expected > c->end)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	if (version == 2) {
		const __u8 *auth = (const __u8 *)(v + 1) + (__u32)v->count * 4;
		int i;

		if (v->v2_auth_type != guard->auth_type || v->v2_interval != guard->interval_s ||
		    (void *)(auth + VRRP_V2_AUTH_DATA) > c->end)
			return verdict(XDP_PASS, COUNTER(pass_not_vip));
		if (guard->auth_type == 1) {
#pragma unroll
			for (i = 0; i < VRRP_V2_AUTH_DATA; i++) {
				if (auth[i] != guard->auth_data[i])
					return verdict(XDP_PASS, COUNTER(pass_not_vip));
			}
		}
	} else if (((v->v2_auth_type & 0xf) | v->v2_interval) == 0) {
		return verdict(XDP_PASS, COUNTER(pass_not_vip)); /* interval 0 */
	}
	if (v->priority != 0)
		learn_active(instance, mac, source, addr_len);
	if (guard->priority == 0 || v->priority == 0 || v->priority < guard->priority ||
	    (v->priority == guard->priority &&
	     !address_higher(source, guard->primary, (int)addr_len / 4)))
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	if (!demote(instance))
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	return verdict(XDP_PASS, COUNTER(vrrp_outranked));
}

/* A neighbour advertisement for a VIP: from another MAC, while we are active for it, another node
 * claims it (the IPv6 counterpart of a gratuitous ARP); xvipd re-announces. */
static __always_inline int handle_na(struct eth_frame *eth, struct ipv6hdr *ip6, __u32 instance,
				     const struct xvip_vip_filter *filter)
{
	const struct xvip_iface *iface = iface_config();

	if (ip6->nexthdr == IPPROTO_ICMPV6 && ip6->hop_limit == 255 && iface &&
	    !mac_equal(eth->src, iface->mac) && instance_role(instance) == XVIP_ROLE_ACTIVE) {
		report_conflict(instance);
		return verdict(XDP_PASS, COUNTER(na_conflict));
	}
	return vip_traffic(vip6_instance(filter, ip6->daddr.in6_u.u6_addr8));
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
	    upper == VRRP_PROTOCOL ||
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
	int action;
	int upper;

	if (!ip6 || ip6->version != 6)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	/* VRRP adverts carry no extension headers and never go to a VIP. */
	if (ip6->nexthdr == VRRP_PROTOCOL && !vip6_instance(filter, ip6->daddr.in6_u.u6_addr8))
		return handle_vrrp(XVIP_SLOT_IPV6, ip6->hop_limit, ip6->saddr.in6_u.u6_addr8,
				   eth->src, c, bpf_ntohs(ip6->payload_len));

	/* Solicitations for a VIP behind extension headers are found too: on a node that is not
	 * active every solicitation for the VIP is dropped, whether the program could answer it or
	 * not, so the kernel never judges one (docs/architecture.md). */
	upper = skip_ext_headers(c, ip6->nexthdr);
	if (upper == IPPROTO_ICMPV6 && (icmp = parse_icmp6_base(c)) &&
	    (icmp->type == ICMP6_NEIGHBOR_SOLICIT || icmp->type == ICMP6_NEIGHBOR_ADVERT) &&
	    (ns = parse_nd_body(c)) && (instance = vip6_instance(filter, ns->target))) {
		if (icmp->type == ICMP6_NEIGHBOR_ADVERT)
			return handle_na(eth, ip6, instance, filter);
		if (instance_role(instance) != XVIP_ROLE_ACTIVE)
			return verdict(XDP_DROP, COUNTER(ns_drop_inactive));
		/* Answered only when read whole: no extension headers, valid (the active node's
		 * kernel judges the rest, and never answers for a VIP on lo). */
		if (ip6->nexthdr != IPPROTO_ICMPV6 || validate_ns(eth, ip6, icmp, ns, c, &origin))
			return verdict(XDP_PASS, COUNTER(ns_invalid));
		return send_na(ctx, &origin);
	}
	instance = vip6_instance(filter, ip6->daddr.in6_u.u6_addr8);
	if (instance && (action = handle_bfd6(eth, ip6, c, instance)) >= 0)
		return action;
	if (!instance && ip6->nexthdr == IPPROTO_UDP &&
	    (action = handle_answer6(ip6, c, filter)) >= 0)
		return action;
	if (!instance && standby_must_drop6(ctx, eth, ip6, upper, icmp ? icmp->type : -1))
		return verdict(XDP_DROP, COUNTER(fwd6_drop_standby));
	return vip_traffic(instance);
}

/*
 * Forwarding for virtual services (docs/architecture.md, "Forwarding for the load-balancer mode"):
 * only for VIP traffic on a node active or draining for the VIP's instance. Each function returns
 * a verdict, or -1 when the frame is no service's: then it is VIP traffic as before.
 */
#define IP_MORE_FRAGMENTS 0x2000
#define IP_FRAGMENT_OFFSET 0x1fff
#define ICMP_DEST_UNREACHABLE 3
#define ICMP_TIME_EXCEEDED 11
#define TCP_HEADER_LEN 20
#define TCP_FLAGS_OFFSET 13 /* the byte of CWR ECE URG ACK PSH RST SYN FIN */
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define UDP_HEADER_LEN 8

/* The ports at the start of a TCP or UDP header. */
struct l4_ports {
	__be16 source;
	__be16 dest;
};

/* The 8 bytes of an ICMP error's header; the offending datagram's IP header follows. */
struct icmp_error_hdr {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest; /* unused, or the next-hop MTU of fragmentation needed */
};
PARSE_HEADER(parse_icmp_error, struct icmp_error_hdr)

/* The service (VIP, protocol, port) names: its id, and its word read in one load into *service.
 * -1 when there is none. */
static __always_inline int lb_service(__be32 vip, __u8 protocol, __be16 port, __u32 *id,
				      struct xvip_lb_service *service)
{
	struct xvip_lb_service_key key = {.vip = vip, .port = port, .protocol = protocol};
	const struct xvip_lb_service_id *found = bpf_map_lookup_elem(&xvip_lb_services, &key);
	const __u64 *slot;
	__u64 word;

	if (!found)
		return -1;
	*id = found->id;
	slot = bpf_map_lookup_elem(&xvip_lb_gens, id);
	if (!slot)
		return -1;
	word = *(const volatile __u64 *)slot;
	__builtin_memcpy(service, &word, sizeof(*service));
	return 0;
}

/* The ports of the TCP or UDP header after an IPv4 header of ihl words, when the whole fixed
 * transport header is in the frame; NULL otherwise. */
static __always_inline struct l4_ports *l4_ports_after(struct iphdr *ip, void *end)
{
	void *l4 = (void *)ip + (__u32)ip->ihl * 4; /* ihl: 4 bits, at least 5 (checked) */

	if (ip->protocol == IPPROTO_TCP) {
		if (l4 + TCP_HEADER_LEN > end)
			return NULL;
	} else if (l4 + UDP_HEADER_LEN > end) {
		return NULL;
	}
	return l4;
}

static __always_inline const struct xvip_lb_backend *lb_backend(__u32 index)
{
	return bpf_map_lookup_elem(&xvip_lb_backends, &index);
}

/* Out to a backend: its MAC, from ours; IP and above untouched (direct routing). */
static __always_inline int lb_forward(struct eth_frame *eth, const struct xvip_lb_backend *backend,
				      __u32 counter)
{
	const struct xvip_iface *iface = iface_config();

	if (!iface)
		return verdict(XDP_PASS, COUNTER(tx_aborted));
	__builtin_memcpy(eth->dst, backend->mac, ETH_ALEN);
	__builtin_memcpy(eth->src, iface->mac, ETH_ALEN);
	return verdict(XDP_TX, counter);
}

/* A source no flow may come from: 0.0.0.0, a VIP of ours, the limited broadcast, multicast,
 * class E, loopback; or a multicast source MAC. */
static __always_inline int lb_bad_source(const struct eth_frame *eth, __be32 saddr)
{
	return is_multicast_mac(eth->src) || saddr == 0 || arp_sender_unreachable(saddr) ||
	       vip4_instance(saddr) != 0;
}

/* Whether some service has this port (xvip_lb_ports): the one test all other VIP traffic pays. */
static __always_inline int lb_port_served(__be16 port)
{
	__u32 number = bpf_ntohs(port);
	__u32 key = number >> 6;
	const __u64 *word = bpf_map_lookup_elem(&xvip_lb_ports, &key);

	return word && (*(const volatile __u64 *)word >> (number & 63)) & 1;
}

/* The backend a known flow goes to, while the service it was entered for is the one live under
 * its id and the backend has a MAC; NULL otherwise (the flow is looked at anew). */
static __always_inline const struct xvip_lb_backend *
lb_flow_backend(const struct xvip_lb_flow *flow)
{
	__u32 id = flow->service;
	const __u64 *slot = bpf_map_lookup_elem(&xvip_lb_gens, &id);
	const struct xvip_lb_backend *backend;
	struct xvip_lb_service service;
	__u64 word;

	if (!slot)
		return NULL;
	word = *(const volatile __u64 *)slot;
	__builtin_memcpy(&service, &word, sizeof(service));
	if (!(service.flags & XVIP_LB_LIVE) || service.incarnation != flow->incarnation)
		return NULL;
	backend = lb_backend(flow->backend);
	if (!backend || !(backend->flags & XVIP_LB_BACKEND_MAC))
		return NULL;
	return backend;
}

/* The backend entry `slot` of the ring in use names, if it takes new flows. */
static __always_inline const struct xvip_lb_backend *
lb_ring_backend(__u32 id, const struct xvip_lb_service *service, __u32 slot, __u16 *index)
{
	__u32 key = xvip_lb_ring_key(id, service->generation, slot);
	const struct xvip_lb_ring_chunk *chunk = bpf_map_lookup_elem(&xvip_lb_rings, &key);
	const struct xvip_lb_backend *backend;

	if (!chunk)
		return NULL;
	*index = chunk->backend[slot & (XVIP_LB_RING_CHUNK - 1)];
	if (*index == XVIP_LB_NO_BACKEND)
		return NULL;
	backend = lb_backend(*index);
	if (!backend || (backend->flags & (XVIP_LB_BACKEND_MAC | XVIP_LB_BACKEND_USABLE)) !=
				(XVIP_LB_BACKEND_MAC | XVIP_LB_BACKEND_USABLE))
		return NULL;
	return backend;
}

/* The TCP flags of a segment with these ports; -1 for a datagram (or a header cut short). */
static __always_inline int lb_tcp_flags(const struct iphdr *ip, const struct l4_ports *ports,
					void *end)
{
	const __u8 *flags = (const __u8 *)ports + TCP_FLAGS_OFFSET;

	if (ip->protocol != IPPROTO_TCP || (void *)(flags + 1) > end)
		return -1;
	return *flags;
}

/* Whether the segment is a new connection's SYN (SYN without ACK). */
static __always_inline int lb_tcp_connects(const struct iphdr *ip, const struct l4_ports *ports,
					   void *end)
{
	int flags = lb_tcp_flags(ip, ports, end);

	return flags >= 0 && (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/* Whether the segment is TCP other than a SYN: of a connection some backend holds. */
static __always_inline int lb_tcp_established(const struct iphdr *ip, const struct l4_ports *ports,
					      void *end)
{
	int flags = lb_tcp_flags(ip, ports, end);

	return flags >= 0 && !(flags & TCP_FLAG_SYN);
}

/* A TCP or UDP frame to a VIP: a service's goes to its flow's backend, or, for a flow unknown
 * (new, or established through another balancer, SYN or not), to the one its hash picks. */
static __always_inline int lb_forward4(struct eth_frame *eth, struct iphdr *ip, void *end)
{
	struct xvip_lb_flow_key key = {};
	const struct xvip_lb_backend *backend;
	struct xvip_lb_service service;
	struct xvip_lb_flow flow = {};
	struct xvip_lb_flow *known;
	struct l4_ports *ports;
	__u32 id, hash;
	__u16 index;
	__u64 now;

	/* A later fragment carries no ports: no service can be told, VIP traffic as before. */
	if (ip->frag_off & bpf_htons(IP_FRAGMENT_OFFSET))
		return -1;
	ports = l4_ports_after(ip, end);
	if (!ports || !lb_port_served(ports->dest))
		return -1;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = ports->source;
	key.dport = ports->dest;
	key.protocol = ip->protocol;
	now = bpf_jiffies64();
	/* A known flow first, its service not looked up (lb_flow_backend checks it is still the
	 * one); a first fragment is decided by its service below. A SYN (without ACK) is a new
	 * connection that reuses the 5-tuple (a client gave up on a connect and its port came round
	 * again): when the flow's backend takes no new flows (failed, drained) it is hashed like any
	 * new flow, never sent to that backend. */
	if (!(ip->frag_off & bpf_htons(IP_MORE_FRAGMENTS))) {
		known = bpf_map_lookup_elem(&xvip_lb_flows, &key);
		if (known && (backend = lb_flow_backend(known)) &&
		    ((backend->flags & XVIP_LB_BACKEND_USABLE) ||
		     !lb_tcp_connects(ip, ports, end))) {
			if (known->last_seen_jiffies != now)
				known->last_seen_jiffies = now;
			return lb_forward(eth, backend, COUNTER(lb_flow_hit));
		}
		/* Unknown; or its service is gone, or its backend has no MAC, or a new connection's
		 * SYN meets a backend that takes no new flows: hashed (again). */
	}
	if (lb_service(ip->daddr, ip->protocol, ports->dest, &id, &service))
		return -1;
	if (ip->frag_off & bpf_htons(IP_MORE_FRAGMENTS))
		return verdict(XDP_PASS, COUNTER(lb_fragment_pass));
	if (lb_bad_source(eth, ip->saddr))
		return verdict(XDP_PASS, COUNTER(lb_bad_source));
	hash = xvip_lb_flow_hash(&service, &key);
	backend = lb_ring_backend(id, &service, hash % XVIP_LB_RING_SIZE, &index);
	/* No backend takes the flow (the ring holds none, or the one it names has no MAC). The kernel,
	 * which holds the VIP, would answer a segment of an established connection with a reset: it
	 * is dropped, and the client's retransmission finds a backend once one takes new flows again.
	 * A SYN, or a datagram, the kernel refuses (a reset, port unreachable). */
	if (!backend) {
		if (lb_tcp_established(ip, ports, end))
			return verdict(XDP_DROP, COUNTER(lb_no_backend_drop));
		return verdict(XDP_PASS, COUNTER(lb_no_backend));
	}
	flow.last_seen_jiffies = now;
	flow.backend = index;
	flow.incarnation = service.incarnation;
	flow.service = id;
	/* A full table drops its least recently used flow; a failed insert still forwards. */
	bpf_map_update_elem(&xvip_lb_flows, &key, &flow, BPF_ANY);
	return lb_forward(eth, backend, COUNTER(lb_flow_new));
}

/*
 * An ICMP error (destination unreachable, time exceeded) to a VIP about a service's datagram, one
 * a backend sent from VIP:port: it follows the flow, found by the inner header's 5-tuple reversed,
 * or passes when the flow is unknown; it is never hashed onto some backend.
 */
static __always_inline int lb_icmp_error4(struct eth_frame *eth, struct iphdr *ip, void *end)
{
	struct xvip_lb_flow_key key = {};
	const struct xvip_lb_backend *backend;
	struct xvip_lb_service service;
	struct icmp_error_hdr *icmp;
	struct xvip_lb_flow *known;
	struct l4_ports *ports;
	struct iphdr *inner;
	struct cursor c;
	__u32 id;

	if (ip->frag_off & bpf_htons(IP_FRAGMENT_BITS))
		return -1;
	c.pos = (void *)ip + (__u32)ip->ihl * 4;
	c.end = end;
	icmp = parse_icmp_error(&c);
	if (!icmp || (icmp->type != ICMP_DEST_UNREACHABLE && icmp->type != ICMP_TIME_EXCEEDED))
		return -1;
	inner = parse_iphdr(&c);
	if (!inner || inner->version != 4 || inner->ihl < 5 || inner->saddr != ip->daddr ||
	    (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP) ||
	    (inner->frag_off & bpf_htons(IP_FRAGMENT_OFFSET)))
		return -1;
	/* RFC 792 quotes the first 8 bytes of the datagram: the ports are enough here. */
	ports = (void *)inner + (__u32)inner->ihl * 4;
	if ((void *)(ports + 1) > end)
		return -1;
	if (!lb_port_served(ports->source) ||
	    lb_service(inner->saddr, inner->protocol, ports->source, &id, &service))
		return -1;
	key.saddr = inner->daddr;
	key.daddr = inner->saddr;
	key.sport = ports->dest;
	key.dport = ports->source;
	key.protocol = inner->protocol;
	known = bpf_map_lookup_elem(&xvip_lb_flows, &key);
	if (!known || known->service != id || !(backend = lb_flow_backend(known)))
		return verdict(XDP_PASS, COUNTER(lb_icmp_pass));
	return lb_forward(eth, backend, COUNTER(lb_icmp_forwarded));
}

/* A frame to an active (or draining) VIP: a service's, or -1 (VIP traffic as before). Each path
 * tests the port bitmap before any hash lookup. */
static __always_inline int handle_lb4(struct eth_frame *eth, struct iphdr *ip, void *end)
{
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP)
		return lb_forward4(eth, ip, end);
	if (ip->protocol == IPPROTO_ICMP)
		return lb_icmp_error4(eth, ip, end);
	return -1;
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct eth_frame *eth, struct cursor *c)
{
	struct iphdr *ip = parse_iphdr(c);
	__u32 instance, header_len;
	enum xvip_role role;
	int action;

	/* Options and fragments need no special case: the destination is in the fixed header. A bad
	 * header passes: the kernel drops it before any route lookup. */
	if (!ip || ip->version != 4 || ip->ihl < 5)
		return verdict(XDP_PASS, COUNTER(pass_unparsed));
	instance = vip4_instance(ip->daddr);
	/* A VRRP advert (never to a VIP, never fragmented), read past the header's options. */
	if (!instance && ip->protocol == VRRP_PROTOCOL &&
	    !(ip->frag_off & bpf_htons(IP_FRAGMENT_BITS))) {
		header_len = (__u32)ip->ihl * 4;
		c->pos = (void *)ip + header_len;
		return handle_vrrp(XVIP_SLOT_IPV4, ip->ttl, (const __u8 *)&ip->saddr, eth->src, c,
				   bpf_ntohs(ip->tot_len) - header_len);
	}
	if (instance && (action = handle_bfd4(eth, ip, c, instance)) >= 0)
		return action;
	if (!instance && ip->protocol == IPPROTO_UDP && (action = handle_answer4(ip, c)) >= 0)
		return action;
	if (!instance && standby_must_drop4(ctx, eth, ip))
		return verdict(XDP_DROP, COUNTER(fwd4_drop_standby));
	if (!instance)
		return verdict(XDP_PASS, COUNTER(pass_not_vip));
	role = instance_role(instance);
	if (xvip_lb_enabled && role != XVIP_ROLE_STANDBY &&
	    (action = handle_lb4(eth, ip, c->end)) >= 0)
		return action;
	return vip_role_verdict(role);
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
