// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Probes for the data-plane benchmark, never attached: the trivial program plus one of the
 * operations xvip's paths are made of, so that the benchmark can say where xvip's time goes.
 * Each returns XDP_PASS, and depends on its operation's result so that it is not optimised away.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The shape of xvip's IPv4 VIP map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} probe_hash SEC(".maps");

/* The fine clock, which xvip's lease check read first. */
SEC("xdp")
int probe_ktime(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_ns() == 0 ? XDP_DROP : XDP_PASS;
}

/* The tick-resolution clock, which the lease check read next (a helper call all the same). */
SEC("xdp")
int probe_ktime_coarse(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_coarse_ns() == 0 ? XDP_DROP : XDP_PASS;
}

/* The jiffy count the lease check reads now, once per frame to a VIP: the verifier inlines it. */
SEC("xdp")
int probe_jiffies(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_jiffies64() == 0 ? XDP_DROP : XDP_PASS;
}

/* One lookup that misses, as for a destination that is no VIP. */
SEC("xdp")
int probe_hash_lookup(struct xdp_md *ctx)
{
	__u32 key = ctx->ingress_ifindex;

	return bpf_map_lookup_elem(&probe_hash, &key) ? XDP_DROP : XDP_PASS;
}
