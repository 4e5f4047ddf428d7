/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data-plane ABI: every layout shared by the XDP program (bpf/) and the C++ side (loader/,
 * tools/). Fixed-width types and explicit padding only; this is the one place a layout is defined.
 * Bump XVIP_ABI_VERSION on any change: a daemon refuses to adopt pins of another version.
 */
#ifndef XVIP_ABI_H
#define XVIP_ABI_H

#include <linux/types.h>

#define XVIP_ABI_VERSION 5

/* Map names, as pinned under the interface's pin directory (and as bpftool shows them). */
#define XVIP_MAP_STATE "xvip_state"
#define XVIP_MAP_VIP4 "xvip_vip4"
#define XVIP_MAP_VIP6 "xvip_vip6"
#define XVIP_MAP_IFACE "xvip_iface"
#define XVIP_MAP_COUNTERS "xvip_counters"
#define XVIP_MAP_VIP4_BUCKETS "xvip_vip4_buckets"
#define XVIP_MAP_VIP_FILTER "xvip_vip_filter"
#define XVIP_MAP_GATEWAYS "xvip_gateways"
#define XVIP_PIN_LINK "xdp_link"

#define XVIP_MAX_VIPS 1024

/*
 * One VRRP instance per (address family, VRID): state index = family slot * 256 + VRID, so an
 * IPv4 and an IPv6 instance may share a VRID, as in VRRP. Index 0 and 256 are never used.
 */
enum xvip_family_slot {
	XVIP_SLOT_IPV4 = 0,
	XVIP_SLOT_IPV6 = 1,
};
#define XVIP_STATE_ENTRIES 512

static inline __u32 xvip_instance_index(enum xvip_family_slot slot, __u8 vrid)
{
	return (__u32)slot * 256u + vrid;
}

/* The inverse of xvip_instance_index, for readers of the VIP maps' values (index < 512). */
static inline enum xvip_family_slot xvip_instance_slot(__u32 index)
{
	return (enum xvip_family_slot)(index >> 8);
}

static inline __u8 xvip_instance_vrid(__u32 index)
{
	return (__u8)(index & 0xffu);
}

/*
 * The state word: role in the top two bits, a deadline in jiffies (what bpf_jiffies64() reads: the
 * verifier inlines it into one load, where a clock read is a helper call) in the 62 below. Jiffies
 * count the ticks of CLOCK_MONOTONIC: jiffy j begins when that clock crosses a fixed grid point,
 * one tick (the resolution of CLOCK_MONOTONIC_COARSE) after jiffy j - 1. User space writes its
 * CLOCK_MONOTONIC deadline as the last jiffy that begins no later than it (see struct
 * xvip_clock_sample), so the role ends no later than the deadline it meant, and at most one tick
 * early. Written by user space with one aligned 64-bit store into the mmapped array and read once
 * per packet, so role and deadline can never tear apart.
 *   active:   answer ARP/ND, pass VIP traffic, until the deadline (the lease); then standby.
 *   draining: answer nothing, pass VIP traffic, until the deadline; then standby.
 *   standby:  answer nothing, drop VIP traffic. The deadline is ignored.
 * There is no "active forever": an active word always carries its lease.
 */
enum xvip_role {
	XVIP_ROLE_STANDBY = 0,
	XVIP_ROLE_ACTIVE = 1,
	XVIP_ROLE_DRAINING = 2,
};

#define XVIP_ROLE_SHIFT 62
#define XVIP_DEADLINE_MASK ((1ULL << XVIP_ROLE_SHIFT) - 1)

static inline __u64 xvip_state_word(enum xvip_role role, __u64 deadline_jiffies)
{
	return ((__u64)role << XVIP_ROLE_SHIFT) | (deadline_jiffies & XVIP_DEADLINE_MASK);
}

static inline enum xvip_role xvip_word_role(__u64 word)
{
	return (enum xvip_role)(word >> XVIP_ROLE_SHIFT);
}

static inline __u64 xvip_word_deadline(__u64 word)
{
	return word & XVIP_DEADLINE_MASK;
}

/* The role the data plane acts on in jiffy now: an expired lease or drain is standby. */
static inline enum xvip_role xvip_effective_role(__u64 word, __u64 now_jiffies)
{
	enum xvip_role role = xvip_word_role(word);

	if (role == XVIP_ROLE_STANDBY || now_jiffies >= xvip_word_deadline(word))
		return XVIP_ROLE_STANDBY;
	return role;
}

/*
 * Value of the state array. The bit-fields are there for BTF, so that bpftool prints role and
 * deadline by name; both sides access the word only whole, through the functions above, on
 * little-endian targets where deadline_jiffies occupies the low bits.
 */
struct xvip_state {
	__u64 deadline_jiffies : 62;
	__u64 role : 2;
};

/*
 * How user space maps CLOCK_MONOTONIC onto jiffies: a BPF_PROG_TYPE_SYSCALL program
 * (lease_clock.bpf.c) fills this context with the jiffy count and, read after it, the monotonic
 * time. Sampled until the count moves, a pair of samples dates the start of the new jiffy to within
 * the time between them, never before it; every later jiffy begins a whole number of ticks after.
 */
struct xvip_clock_sample {
	__u64 jiffies;
	__u64 monotonic_ns;
};

/*
 * IPv4 VIPs indexed by their address's last byte, so that the common cases cost an inlined array
 * read instead of a hash lookup: 256 buckets, one 64-bit word each, the address (network byte
 * order, in the low 32 bits as a little-endian load of the frame's bytes gives it) and its
 * instance above. An empty bucket (0) proves an address is no VIP; a bucket of one VIP answers by
 * comparing addresses; when several VIPs end in the same byte, the bucket says so and the hash map
 * (the source of truth, xvip_vip4) answers. The array is mmapable and user space writes each word
 * with one atomic 64-bit store, so address and instance never tear apart (as the state word).
 * User space rebuilds the buckets from the hash map on every change: a VIP goes into the hash map
 * before its bucket, and out of its bucket before the hash map.
 */
#define XVIP_VIP4_BUCKETS 256
#define XVIP_BUCKET_SHARED 0xffffffffu /* instance of a bucket that several VIPs end in */

/* For bpftool; both sides access the word only whole, through the functions below. */
struct xvip_vip4_bucket {
	__be32 addr;
	__u32 instance;
};

static inline __u32 xvip_bucket4_of(__be32 addr)
{
	return ((const __u8 *)&addr)[3];
}

/* The instance addr is a VIP of, read from its bucket's word: 0 when it is none, or
 * XVIP_BUCKET_SHARED when the hash map must tell. */
static inline __u32 xvip_bucket4_instance(__u64 word, __be32 addr)
{
	__u32 instance = (__u32)(word >> 32);

	if (instance == XVIP_BUCKET_SHARED || (__u32)word == (__u32)addr)
		return instance;
	return 0;
}

/* The writer's side, for user space: put a VIP into buckets that started all zero. */
static inline void xvip_bucket4_add(__u64 buckets[XVIP_VIP4_BUCKETS], __be32 addr, __u32 instance)
{
	__u64 *bucket = &buckets[xvip_bucket4_of(addr)];

	*bucket = *bucket == 0 ? ((__u64)instance << 32 | (__u32)addr)
			       : (__u64)XVIP_BUCKET_SHARED << 32;
}

/*
 * A one-entry array: one bit per value of an IPv6 address's last byte, set when some VIP ends in
 * that byte. A clear bit proves an address is not a VIP without the hash lookup, so the common
 * case, traffic not for a VIP, costs an inlined array read. (An IPv6 address and its instance do
 * not fit one word that can be stored atomically, so IPv6 keeps the hash map behind this filter.)
 * User space rebuilds it from the VIP map on every change (set after adding a VIP, cleared after
 * removing the last VIP of a bucket).
 */
struct xvip_vip_filter {
	__u64 ipv6[4];
};

static inline int xvip_filter_has(const __u64 bits[4], __u8 last_byte)
{
	return (bits[last_byte >> 6] >> (last_byte & 63)) & 1;
}

/* The writer's side, for user space: mark the bucket of a VIP's last byte. */
static inline void xvip_filter_add(__u64 bits[4], __u8 last_byte)
{
	bits[last_byte >> 6] |= 1ULL << (last_byte & 63);
}

/*
 * The gateway instances of the interface (the instance option `gateway`), one 64-bit word per
 * family slot (key: enum xvip_family_slot): up to XVIP_MAX_GATEWAYS VRIDs, one per byte from the
 * lowest, the first 0 ending the list. While no instance listed for a frame's family is active or
 * draining, the program drops every frame to the interface's MAC that the kernel would forward
 * (docs/architecture.md, "Forwarding guard"); a family with no word (0) forwards as the kernel
 * does. The array is mmapable and user space writes each word with one atomic store, so a list
 * never tears; it is written when the instances are bound (start, reload).
 */
#define XVIP_MAX_GATEWAYS 8

/* For bpftool; both sides access the word only whole. */
struct xvip_gateway_vrids {
	__u8 vrid[XVIP_MAX_GATEWAYS];
};

static inline __u8 xvip_gateway_vrid(__u64 word, unsigned int i)
{
	return (__u8)(word >> (i * 8));
}

/* Value of the VIP hash maps: which instance (state index) a VIP belongs to. */
struct xvip_vip {
	__u32 instance;
};

/* Key of the IPv6 VIP map: the address in network byte order. (IPv4 keys are a plain __be32.) */
struct xvip_vip6_key {
	__u8 addr[16];
};

/* The interface the program serves; written once by the loader before the program is attached. */
struct xvip_iface {
	__u32 abi_version;
	__u32 ifindex;
	__u8 mac[6];
	__u8 pad[2];
	__u32 xdp_flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE: how it was attached */
	__u32 pad2;
	__u64 netns_ino; /* inode of the network namespace the interface lives in */
};

/* One counter per verdict reason; every frame the program sees lands in exactly one. */
struct xvip_counters {
	__u64 pass_unparsed;	 /* too short, VLAN-tagged, unknown ethertype, bad IP header */
	__u64 pass_not_vip;	 /* parsed, not addressed to a VIP */
	__u64 arp_pass_other;	 /* ARP we do not answer: not a request, odd lengths, not for us */
	__u64 arp_pass_from_vip; /* sender IP is a VIP (gratuitous ARP, another host's reply) */
	__u64 arp_conflict;	 /* ... and we are active for that VIP: a split brain shows here */
	__u64 arp_reply;	 /* request for an active VIP answered, XDP_TX */
	__u64 arp_drop_inactive; /* request for a VIP we are not active for */
	__u64 ns_invalid;	 /* solicitation for an active VIP left to the kernel */
	__u64 na_reply;		 /* solicitation for an active VIP answered, XDP_TX */
	__u64 ns_drop_inactive;	 /* solicitation for a VIP we are not active for */
	__u64 vip_pass_active;	 /* other traffic to a VIP, active */
	__u64 vip_pass_draining; /* other traffic to a VIP, draining */
	__u64 vip_drop_standby;	 /* other traffic to a VIP, standby (or lease expired) */
	__u64 tx_aborted; /* a reply could not be built (frame could not be resized): passed */
	__u64 fwd4_drop_standby; /* IPv4 to our MAC the kernel would forward, no gateway active */
	__u64 fwd6_drop_standby; /* IPv6 to our MAC the kernel would forward, no gateway active */
};

#endif /* XVIP_ABI_H */
