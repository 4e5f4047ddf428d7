// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The trivial program: the baseline of the data-plane benchmark, and what a veth peer can carry
 * so that XDP_TX frames from the other end are received. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
