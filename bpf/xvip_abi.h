/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data-plane ABI: every layout shared by the XDP program (bpf/) and the C++ side (loader/,
 * tools/). Fixed-width types and explicit padding only; this is the one place a layout is defined.
 * Bump XVIP_ABI_VERSION on any change: a daemon refuses to adopt pins of another version.
 */
#ifndef XVIP_ABI_H
#define XVIP_ABI_H

#include <linux/types.h>

#define XVIP_ABI_VERSION 13

/* Map names, as pinned under the interface's pin directory (and as bpftool shows them). */
#define XVIP_MAP_STATE "xvip_state"
#define XVIP_MAP_VIP4 "xvip_vip4"
#define XVIP_MAP_VIP6 "xvip_vip6"
#define XVIP_MAP_IFACE "xvip_iface"
#define XVIP_MAP_COUNTERS "xvip_counters"
#define XVIP_MAP_VIP4_BUCKETS "xvip_vip4_buckets"
#define XVIP_MAP_VIP_FILTER "xvip_vip_filter"
#define XVIP_MAP_GUARD "xvip_guard"
#define XVIP_MAP_EVENTS "xvip_events"
#define XVIP_MAP_GATEWAYS "xvip_gateways"
#define XVIP_MAP_FAST "xvip_fast"
#define XVIP_MAP_FAST_TIMERS "xvip_fast_timers"
#define XVIP_MAP_LB_SERVICES "xvip_lb_services"
#define XVIP_MAP_LB_GENS "xvip_lb_gens"
#define XVIP_MAP_LB_PORTS "xvip_lb_ports"
#define XVIP_MAP_LB_RINGS "xvip_lb_rings"
#define XVIP_MAP_LB_BACKENDS "xvip_lb_backends"
#define XVIP_MAP_LB_FLOWS "xvip_lb_flows"
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

/* An IPv4 subnet of the interface, both words in network byte order: addresses a with
 * (a & mask) == network lie in it. */
struct xvip_subnet4 {
	__be32 network;
	__be32 mask;
};
#define XVIP_MAX_SUBNETS4 16

/*
 * The interface the program serves; written by the loader before the program is attached, again
 * by each xvipd that adopts it (its MAC, its subnets as they are at that start).
 * ARP requests are answered only for senders inside one of subnet4[0 .. subnet4_count) (and for
 * 0.0.0.0, an RFC 5227 probe, and IPv4 link-local senders, 169.254/16, which are on every link);
 * subnet4_count 0 means the senders are not checked (an interface with more subnets than fit).
 */
struct xvip_iface {
	__u32 abi_version;
	__u32 ifindex;
	__u8 mac[6];
	__u8 pad[2];
	__u32 xdp_flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE: how it was attached */
	__u32 subnet4_count;
	__u64 netns_ino; /* inode of the network namespace the interface lives in */
	struct xvip_subnet4 subnet4[XVIP_MAX_SUBNETS4];
};

/*
 * BFD to a VIP (RFC 5880/5881, single hop, UDP port 3784): the node active for the VIP's instance
 * answers in its XDP program, one control packet back per packet received, while its lease holds;
 * so a peer's session with the VIP is Up exactly while some node's data plane serves it. The
 * answer's My Discriminator names the instance, so that the peer's packets after the first can be
 * checked against it (Your Discriminator).
 */
#define XVIP_BFD_PORT 3784
#define XVIP_BFD_SOURCE_PORT_BASE 49152 /* RFC 5881 §4: answers leave from 49152 + instance */
#define XVIP_BFD_SOURCE_PORT_MASK 0x3fff
#define XVIP_BFD_DISCRIMINATOR_BASE 0x58560000u /* "XV" above the instance index */

static inline __u32 xvip_bfd_discriminator(__u32 instance)
{
	return XVIP_BFD_DISCRIMINATOR_BASE | instance;
}

/*
 * Fast failover (issue 15; docs/architecture.md, "Fast failover"). A backup with fast failover on
 * sends BFD control packets to a VIP of its instance, in frames addressed to the MAC of the active
 * node (learnt from its adverts), from its primary address; My Discriminator carries its VRRP
 * priority, so that the active node's program can choose the one successor it answers Up:
 *   0x53 ('S') << 24 | priority << 16 | instance (a state index, below 512).
 * The discriminator stays unique per session on the sender (one per instance); a new priority is a
 * new session, as RFC 5880 allows. Any other discriminator is a plain BFD peer (a router), answered
 * as before.
 */
#define XVIP_BFD_REQUEST_TAG 0x53000000u
#define XVIP_BFD_REQUEST_TAG_MASK 0xff000000u

static inline __u32 xvip_bfd_request_discriminator(__u32 instance, __u8 priority)
{
	return XVIP_BFD_REQUEST_TAG | (__u32)priority << 16 | (instance & 0xffffu);
}

static inline int xvip_bfd_is_request(__u32 discriminator, __u32 instance)
{
	return (discriminator & XVIP_BFD_REQUEST_TAG_MASK) == XVIP_BFD_REQUEST_TAG &&
	       (discriminator & 0xffffu) == instance;
}

static inline __u8 xvip_bfd_request_priority(__u32 discriminator)
{
	return (__u8)(discriminator >> 16);
}

/*
 * Per instance, the successor's side of fast failover (array xvip_fast, mmapable, 64-bit words
 * only, each stored whole). xvipd writes the first three words before each request; the program
 * writes the rest when an advert or an answer arrives, and its detector (a bpf_timer in
 * xvip_fast_timers) reads both:
 *   armed: the latest answer was Up; then, once `multiplier` requests have gone unanswered and
 *   the latest answer is at least multiplier x interval old (RFC 5880's detection time), the
 *   timer swaps the state word from standby to takeover_word (compare-and-swap) and reports
 *   XVIP_EVENT_FAST_TAKEOVER. A daemon that stalls sends nothing, so its node never flips; once
 *   the latest answer is xvip_fast_arming_ns(multiplier x interval) old the timer disarms instead.
 */
struct xvip_fast {
	__u64 interval_ns;    /* xvipd: the request interval; 0: fast failover off */
	__u64 takeover_word;  /* xvipd: the active word (with its lease) the detector swaps in */
	__u64 requests;	      /* xvipd: xvip_fast_requests(sent, multiplier, our priority) */
	__u64 active_mac;     /* program: source MAC of the latest advert, bytes in order; 0 none */
	__u8 active_addr[16]; /* program: its source address (IPv4 in the first 4 bytes) */
	__u64 last_answer_ns; /* program: bpf_ktime_get_ns() of the latest answer */
	__u64 answer;	      /* program: xvip_fast_answer(answered_at, state, armed) */
	__u64 answers;	      /* program: answers recorded */
	__u64 takeover_ns;    /* program: when the detector took over; xvipd clears it */
	/* program, since the data plane was loaded, while armed: the margin the detector had */
	__u64 largest_gap_ns;  /* the longest time between two answers */
	__u64 most_unanswered; /* the most requests out when an answer came (it takes over at
				* multiplier, once multiplier x interval passed since an answer) */
};

#define XVIP_FAST_WORDS (sizeof(struct xvip_fast) / sizeof(__u64))
#define XVIP_FAST_ARMED (1ULL << 40)

static inline __u64 xvip_fast_requests(__u32 sent, __u8 multiplier, __u8 priority)
{
	return (__u64)sent | (__u64)multiplier << 32 | (__u64)priority << 40;
}

static inline __u32 xvip_fast_sent(__u64 requests)
{
	return (__u32)requests;
}

static inline __u8 xvip_fast_multiplier(__u64 requests)
{
	return (__u8)(requests >> 32);
}

static inline __u8 xvip_fast_priority(__u64 requests)
{
	return (__u8)(requests >> 40);
}

/* The answer word: how many requests had been sent when the latest answer came, its BFD state,
 * and whether it armed the detector (Up). */
static inline __u64 xvip_fast_answer(__u32 answered_at, __u8 state, int armed)
{
	return (__u64)answered_at | (__u64)state << 32 | (armed ? XVIP_FAST_ARMED : 0);
}

static inline __u32 xvip_fast_answered_at(__u64 answer)
{
	return (__u32)answer;
}

static inline __u8 xvip_fast_answer_state(__u64 answer)
{
	return (__u8)(answer >> 32);
}

/*
 * A successor's arming lapses when no Up answer came for xvip_fast_arming_ns(its detection time):
 * its detector neither takes over nor stays armed past that, whatever its daemon's scheduling.
 * The slack covers a daemon whose requests leave late; a successor that waits longer for its
 * answers than that waits for VRRP instead.
 */
#define XVIP_FAST_ARMING_SLACK_NS (50ULL * 1000 * 1000)

/*
 * Once the detection time has passed with fewer than `multiplier` requests out (the last one is
 * due any moment, or the daemon runs late), the detector looks again every interval / this: a
 * last request that leaves a little late costs an eighth of an interval, not a whole one.
 */
#define XVIP_FAST_RECHECK_DIVISOR 8

static inline __u64 xvip_fast_arming_ns(__u64 detect_ns)
{
	return 2 * detect_ns + XVIP_FAST_ARMING_SLACK_NS;
}

/*
 * On the active node: the successors that asked recently, per instance (in xvip_fast_timers).
 * Only the highest (priority, then address, as VRRP) among those that asked within
 * XVIP_FAST_REQUESTER_HOLD_NS (or their detection time, if longer) is designated; every other
 * gets AdminDown, so exactly one node can take over fast. The hold keeps the designation through
 * a designated successor's scheduling hiccups. A newly designated successor is answered Init, not
 * Up, until every other successor's last Up answer is 2 x xvip_fast_arming_ns(its detection time)
 * old: by then that one has disarmed (its arming lapsed) or taken over, so two successors are
 * never armed at once (for one-way delays under the difference, at least 50 ms).
 */
#define XVIP_FAST_REQUESTERS 4
#define XVIP_FAST_REQUESTER_HOLD_NS (1000ULL * 1000 * 1000)

struct xvip_requester {
	__u8 addr[16];	   /* network byte order; IPv4 in the first 4 bytes */
	__u64 expires_ns;  /* last request + the hold (or its detection time, if longer) */
	__u64 up_until_ns; /* last Up answer + 2 x xvip_fast_arming_ns(its detection time) */
	__u8 priority;
	__u8 pad[7];
};

/* One counter per verdict reason; every frame the program sees lands in exactly one. */
struct xvip_counters {
	__u64 pass_unparsed;	 /* too short, VLAN-tagged, unknown ethertype, bad IP header */
	__u64 pass_not_vip;	 /* parsed, not addressed to a VIP */
	__u64 arp_pass_other;	 /* ARP we do not answer: not a request, odd lengths, not for us,
				  * from a sender off the interface's subnets */
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
	__u64 bfd_reply;  /* BFD control packet to an active VIP answered, XDP_TX */
	__u64 bfd_invalid; /* BFD to an active VIP that RFC 5880 §6.8.6 / 5881 §5 discard: dropped */
	__u64 bfd_drop_inactive; /* BFD to a VIP we are not active for: dropped, never answered */
	__u64 vrrp_outranked;	 /* an advert outranking an active instance: demoted it, passed */
	__u64 na_conflict;	 /* a neighbour advertisement for an active VIP from another MAC */
	__u64 fwd4_drop_standby; /* IPv4 to our MAC the kernel would forward, no gateway active */
	__u64 fwd6_drop_standby; /* IPv6 to our MAC the kernel would forward, no gateway active */
	__u64 bfd_reply_not_designated; /* a successor's request answered AdminDown: another ranks
					 * higher (fast failover), XDP_TX */
	__u64 bfd_answer; /* the active's answer to our fast-failover request: recorded, dropped */
	__u64 bfd_reply_held; /* the designated successor's request answered Init, not Up:
			       * another successor may still be armed (fast failover), XDP_TX */
	/* Forwarding for virtual services (active or draining only; docs/architecture.md). Frames
	 * forwarded = lb_flow_hit + lb_flow_new + lb_icmp_forwarded. */
	__u64 lb_flow_hit;   /* to a service, flow known: to its backend, XDP_TX */
	__u64 lb_flow_new;   /* to a service, flow unknown: hashed onto the ring, entered, XDP_TX */
	__u64 lb_no_backend; /* to a service, its ring names no backend that takes new flows: a
			      * SYN or a datagram, passed to the kernel */
	__u64 lb_fragment_pass;	  /* a first fragment to a service (no later fragment can be
				  * matched: they count as VIP traffic): passed */
	__u64 lb_icmp_forwarded;  /* ICMP error about a known flow of a service: to its backend */
	__u64 lb_icmp_pass;	  /* ICMP error about a service's traffic, flow unknown: passed */
	__u64 lb_bad_source;	  /* to a service from a source no flow may come from (a VIP,
				  * 0.0.0.0, broadcast, multicast, class E, loopback; a multicast
				  * source MAC): passed, so the kernel's martian checks decide */
	__u64 lb_no_backend_drop; /* the same, a TCP segment other than a SYN: dropped, not
				   * reset by the kernel (its connection lives on a backend) */
};

/*
 * What the program needs to judge a VRRP advert for an instance the way its master would (RFC 5798
 * §6.4.3): our own priority and primary address (the advert source we use), and the checks the
 * daemon makes that are cheap here (version; for v2, the authentication and the advert interval).
 * Written by xvipd per instance (bpf_map_update_elem) when it starts and whenever its priority
 * changes; priority 0 turns the guard off (unicast instances, a planned stop, a peer whose adverts
 * the daemon discards). conflict_ns is the program's own: when it last reported a conflict for the
 * instance (one event per instance per XVIP_CONFLICT_INTERVAL_NS at most).
 */
struct xvip_guard {
	__u8 primary[16]; /* network byte order; an IPv4 address in the first 4 bytes */
	__u8 priority;	  /* ours, as our adverts carry it; 0: the guard is off */
	__u8 version;	  /* 2 or 3: the VRRP version the instance speaks */
	__u8 auth_type;	  /* v2: 0 none, 1 simple password (then auth_data must match) */
	__u8 interval_s;  /* v2: the advert interval in seconds, as the advert carries it */
	__u8 pad[4];
	__u8 auth_data[8];
	__u64 conflict_ns; /* bpf_ktime_get_ns() of the latest conflict event (rate limit) */
};

#define XVIP_CONFLICT_INTERVAL_NS 1000000ULL

/* What the program tells xvipd through the ring buffer xvip_events. */
enum xvip_event_kind {
	XVIP_EVENT_OUTRANKED =
		1,		 /* an advert outranked an active instance: its word went standby */
	XVIP_EVENT_CONFLICT = 2, /* another MAC claimed a VIP of an active instance */
	XVIP_EVENT_FAST_TAKEOVER = 3, /* the detector swapped standby for xvip_fast.takeover_word */
	XVIP_EVENT_FAST_REVERTED =
		4, /* the old active answered Up after all: the word went standby */
};

struct xvip_event {
	__u32 kind;	/* enum xvip_event_kind */
	__u32 instance; /* state index */
};

/*
 * Forwarding for virtual services (LVS direct routing; docs/architecture.md, "Forwarding for the
 * load-balancer mode"). On a node active or draining for a VIP, an IPv4 TCP or UDP frame to a
 * service (VIP, protocol, port) goes to one of the service's backends: its flow (5-tuple) is looked
 * up in xvip_lb_flows, or, unknown, hashed (xvip_lb_flow_hash) onto the service's Maglev ring and
 * entered there. The frame's destination MAC becomes the backend's, its source MAC ours, and it
 * leaves by XDP_TX: the backend answers the client itself. IP and TCP/UDP bytes are untouched.
 *
 * Maps:
 *   xvip_lb_services  hash, struct xvip_lb_service_key -> struct xvip_lb_service_id
 *   xvip_lb_gens      array (mmapable), XVIP_LB_MAX_SERVICES x struct xvip_lb_service: one word
 *   xvip_lb_ports     array (mmapable), XVIP_LB_PORT_WORDS 64-bit words: bit (port % 64) of word
 *                     port / 64 is set while some service has that port (TCP or UDP, any VIP).
 *                     VIP traffic to any other port looks up neither a flow nor a service (each a
 *                     hash lookup, 15-30 ns under test-run), and while no service exists none does
 *   xvip_lb_rings     array of XVIP_LB_MAX_SERVICES x 2 generations x XVIP_LB_RING_CHUNKS chunks
 *   xvip_lb_backends  array, XVIP_LB_MAX_BACKENDS x struct xvip_lb_backend
 *   xvip_lb_flows     LRU hash, struct xvip_lb_flow_key -> struct xvip_lb_flow; its size is set at
 *                     load (global.lb_flow_table_entries; XVIP_LB_DEFAULT_FLOWS)
 */
#define XVIP_LB_MAX_SERVICES 64
#define XVIP_LB_MAX_BACKENDS 4096
#define XVIP_LB_DEFAULT_FLOWS 65536
#define XVIP_LB_PORT_WORDS (65536 / 64)

/*
 * The ring: a Maglev table (userspace/lb/maglev.hpp) of XVIP_LB_RING_SIZE entries, each a backend
 * index into xvip_lb_backends or XVIP_LB_NO_BACKEND. The size is prime, and part of the cross-host
 * contract with the table builder: both balancers must index the same table. 16381 rather than
 * the builder's default 65537 keeps the rings at 4 MiB per interface (64 services x 2 generations
 * x 32 KiB) instead of 16.8 MiB; Maglev's balance wants the size well above 100 x the backends, so
 * it suits services of up to about 160 backends.
 * Stored in chunks of XVIP_LB_RING_CHUNK entries (an array map rounds each value up to 8 bytes,
 * so single 2-byte entries would cost four times the memory): entry `slot` of generation `gen` of
 * service `id` is entry slot % XVIP_LB_RING_CHUNK of chunk xvip_lb_ring_key(id, gen, slot).
 */
#define XVIP_LB_RING_SIZE 16381
#define XVIP_LB_RING_CHUNK 64
#define XVIP_LB_RING_CHUNK_SHIFT 6
#define XVIP_LB_RING_CHUNKS ((XVIP_LB_RING_SIZE + XVIP_LB_RING_CHUNK - 1) / XVIP_LB_RING_CHUNK)
#define XVIP_LB_NO_BACKEND 0xffff

struct xvip_lb_ring_chunk {
	__u16 backend[XVIP_LB_RING_CHUNK];
};

static inline __u32 xvip_lb_ring_key(__u32 id, __u32 generation, __u32 slot)
{
	return (id * 2 + (generation & 1)) * XVIP_LB_RING_CHUNKS +
	       (slot >> XVIP_LB_RING_CHUNK_SHIFT);
}

/* Key of xvip_lb_services: all in network byte order, as in the frame. */
struct xvip_lb_service_key {
	__be32 vip;
	__be16 port;
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* Value of xvip_lb_services: the service's index into xvip_lb_gens and xvip_lb_rings. Written
 * once when the service is made; it never changes while the key is in the map. */
struct xvip_lb_service_id {
	__u32 id; /* < XVIP_LB_MAX_SERVICES */
};

/* Persistence: new flows of one client (its address masked to persist_prefix bits) go to one
 * backend while the ring stays as it is (keepalived's persistence_timeout and granularity). */
#define XVIP_LB_PERSISTENT 1
/* The word belongs to a service whose key is in xvip_lb_services (cleared when it is removed). */
#define XVIP_LB_LIVE 2

/*
 * A service's word in xvip_lb_gens (an mmapable array, as the state words): which ring
 * generation is in use, and how flows are hashed. User space writes a new ring into the
 * generation not in use, then switches to it with one atomic 64-bit store of this word; the
 * program reads it with one load, so it never sees half a switch. (A hash map's value would be
 * replaced by a new element, and the old one may be reused at once for another update while a
 * program still reads it.)
 */
struct xvip_lb_service {
	__u8 generation;     /* 0 or 1: the ring in use */
	__u8 flags;	     /* XVIP_LB_LIVE, XVIP_LB_PERSISTENT */
	__u8 persist_prefix; /* with XVIP_LB_PERSISTENT: source prefix length hashed, 0..32 */
	__u8 pad;
	__u16 incarnation; /* one more each time the id is given to a service: a flow entered for
			    * an earlier one (struct xvip_lb_flow) is not followed */
	__u8 pad2[2];
};

/* Backend flags. A backend takes new flows only when usable (healthy, with a weight, its MAC
 * resolved); a flow already entered keeps forwarding to it while it has a MAC. */
#define XVIP_LB_BACKEND_MAC 1	 /* mac holds the backend's resolved MAC */
#define XVIP_LB_BACKEND_USABLE 2 /* takes new flows */

struct xvip_lb_backend {
	__be32 addr; /* for operators and the ICMP path's checks; DR does not rewrite IP */
	__u8 mac[6];
	__u8 flags;
	__u8 pad[5];
};

/* Key of xvip_lb_flows: the frame's 5-tuple in network byte order. */
struct xvip_lb_flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 pad[3];
};

/* A known flow is followed without looking its service up: only while the service's word (at
 * `service`) is live and of the same incarnation, so a flow outlives neither its service's
 * removal nor the id's reuse. */
struct xvip_lb_flow {
	__u64 last_seen_jiffies; /* bpf_jiffies64() of the latest frame, for timeouts later */
	__u16 backend;
	__u16 incarnation; /* the service's when the flow was entered */
	__u8 service;	   /* its id */
	__u8 pad[3];
};

/*
 * The flow hash, part of the cross-host contract (pinned by tests/unit/lb/flow_hash_test.cpp):
 * MurmurHash3_x86_32 with seed XVIP_LB_HASH_SEED of 16 bytes, the little-endian encodings of four
 * 32-bit words: the source address, the destination address (both as numbers: 192.0.2.1 is
 * 0xc0000201), source port << 16 | destination port, and the protocol. A persistent service hashes
 * (source address & mask of persist_prefix bits), 0, 0, 0. The ring slot is hash % XVIP_LB_RING_SIZE.
 * Host byte order in, so the result is the same on any host.
 */
#define XVIP_LB_HASH_SEED 0x78766970u /* "xvip" */

static inline __u32 xvip_lb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 xvip_lb_hash_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = xvip_lb_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = xvip_lb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 xvip_lb_hash(__u32 saddr, __u32 daddr, __u32 ports, __u32 protocol)
{
	__u32 h = XVIP_LB_HASH_SEED;

	h = xvip_lb_hash_word(h, saddr);
	h = xvip_lb_hash_word(h, daddr);
	h = xvip_lb_hash_word(h, ports);
	h = xvip_lb_hash_word(h, protocol);
	h ^= 16; /* the length in bytes */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* The mask of a prefix length in host byte order (0..32; more counts as 32). */
static inline __u32 xvip_lb_prefix_mask(__u8 prefix)
{
	return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : 0xffffffffu << (32 - prefix);
}

/* A big-endian (network order) 32- or 16-bit field as a number, the same on any host. */
static inline __u32 xvip_lb_be32(const void *field)
{
	const __u8 *b = (const __u8 *)field;

	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

static inline __u32 xvip_lb_be16(const void *field)
{
	const __u8 *b = (const __u8 *)field;

	return (__u32)b[0] << 8 | b[1];
}

/* The hash of a flow (its key as in the frame) for a service. */
static inline __u32 xvip_lb_flow_hash(const struct xvip_lb_service *service,
				      const struct xvip_lb_flow_key *flow)
{
	__u32 saddr = xvip_lb_be32(&flow->saddr);

	if (service->flags & XVIP_LB_PERSISTENT)
		return xvip_lb_hash(saddr & xvip_lb_prefix_mask(service->persist_prefix), 0, 0, 0);
	return xvip_lb_hash(saddr, xvip_lb_be32(&flow->daddr),
			    xvip_lb_be16(&flow->sport) << 16 | xvip_lb_be16(&flow->dport),
			    flow->protocol);
}

#endif /* XVIP_ABI_H */
