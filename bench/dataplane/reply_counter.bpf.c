// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The ARP benchmark's counter on the sender's interface: counts each ARP reply that comes from
 * the VIP and drops it there, so the count is taken in the kernel at the sender and the sender's
 * own ARP code costs the same (nothing) whoever answered. Everything else passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "parsing.bpf.h" /* the data plane's own ARP header */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The VIP, network byte order; set between open and load. */
const volatile __be32 vip = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arp_replies SEC(".maps");

SEC("xdp")
int count_arp_replies(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct arp_eth_ipv4 *arp = (void *)(eth + 1);
	__u32 key = 0;
	__u64 *count;

	if ((void *)(arp + 1) > end || eth->h_proto != bpf_htons(ETH_P_ARP) ||
	    arp->op != bpf_htons(2) || arp->spa != vip)
		return XDP_PASS;
	count = bpf_map_lookup_elem(&arp_replies, &key);
	if (count)
		*count += 1;
	return XDP_DROP;
}
