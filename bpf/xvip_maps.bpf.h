/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps of the XDP program: declarations only. Layouts live in xvip_abi.h. */
#ifndef XVIP_MAPS_BPF_H
#define XVIP_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xvip_abi.h"

/* Role + deadline per instance; mmapable so the daemon renews leases with a plain store. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XVIP_STATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct xvip_state);
} xvip_state SEC(".maps");

/* IPv4 VIPs by their last byte, ahead of the hash map; mmapable so each word is stored whole. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XVIP_VIP4_BUCKETS);
	__type(key, __u32);
	__type(value, struct xvip_vip4_bucket);
} xvip_vip4_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVIP_MAX_VIPS);
	__type(key, __u32); /* IPv4 address, network byte order */
	__type(value, struct xvip_vip);
} xvip_vip4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVIP_MAX_VIPS);
	__type(key, struct xvip_vip6_key);
	__type(value, struct xvip_vip);
} xvip_vip6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvip_iface);
} xvip_iface SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvip_vip_filter);
} xvip_vip_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvip_counters);
} xvip_counters SEC(".maps");

/* Per instance: what an advert is judged against, and the conflict rate limit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVIP_STATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct xvip_guard);
} xvip_guard SEC(".maps");

/* Events for xvipd (struct xvip_event): demotions and conflicts. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384); /* a multiple of the page size; events are 16 bytes each */
} xvip_events SEC(".maps");

/* Gateway VRIDs per family slot; mmapable so each word is stored whole. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct xvip_gateway_vrids);
} xvip_gateways SEC(".maps");

/* Per instance: the successor's side of fast failover, shared with xvipd (struct xvip_fast). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XVIP_STATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct xvip_fast);
} xvip_fast SEC(".maps");

/*
 * Per instance, the program's own: the successor's detector (a bpf_timer cannot live in an
 * mmapable map, and user space never writes this one: an update from user space would cancel the
 * timer) and, on the active node, the successors that asked recently.
 */
struct xvip_fast_timer {
	struct bpf_timer timer;
	struct xvip_requester requesters[XVIP_FAST_REQUESTERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVIP_STATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct xvip_fast_timer);
} xvip_fast_timers SEC(".maps");

/* Forwarding for virtual services (xvip_abi.h): the services by (VIP, protocol, port) ... */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVIP_LB_MAX_SERVICES);
	__type(key, struct xvip_lb_service_key);
	__type(value, struct xvip_lb_service_id);
} xvip_lb_services SEC(".maps");

/* ... each one's word (generation in use, hashing); mmapable so that each is stored whole ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XVIP_LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xvip_lb_service);
} xvip_lb_gens SEC(".maps");

/* ... the ports they have, a bit each (none set: the program looks nothing up); mmapable,
 * stored whole ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XVIP_LB_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} xvip_lb_ports SEC(".maps");

/* ... their Maglev rings, two generations each, in chunks (4 MiB) ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVIP_LB_MAX_SERVICES * 2 * XVIP_LB_RING_CHUNKS);
	__type(key, __u32);
	__type(value, struct xvip_lb_ring_chunk);
} xvip_lb_rings SEC(".maps");

/* ... the backends the rings name ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVIP_LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xvip_lb_backend);
} xvip_lb_backends SEC(".maps");

/* ... and the flows seen, least recently used out first. The loader sets max_entries before the
 * load, from the configuration (global.lb_flow_table_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XVIP_LB_DEFAULT_FLOWS);
	__type(key, struct xvip_lb_flow_key);
	__type(value, struct xvip_lb_flow);
} xvip_lb_flows SEC(".maps");

#endif /* XVIP_MAPS_BPF_H */
