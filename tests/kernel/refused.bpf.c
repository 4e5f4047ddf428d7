// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A program every verifier refuses: it reads the frame without checking its length. The kernel
 * diagnostics test loads it to see the verifier's own words reach xvip's load error. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xvip_refused(struct xdp_md *ctx)
{
	const unsigned char *data = (const unsigned char *)(long)ctx->data;

	return data[13] == 0x06 ? XDP_DROP : XDP_PASS; /* no bounds check: refused */
}
