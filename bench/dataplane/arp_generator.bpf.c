// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The ARP benchmark's generator, never attached: BPF_PROG_TEST_RUN runs it in live-frames mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES) in the sender's namespace, as if each frame had arrived on the
 * sender's interface, and its XDP_TX sends the frame out of that interface, as a driver would
 * send it: no socket, no skb. Each run writes the whole request into its frame, because live
 * frames come back from a page pool with whatever their receiver left in them (xvip turns a
 * request into its reply in place).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ARP_REQUEST_BYTES 42 /* Ethernet header and ARP for IPv4, no padding */

/* The request, set between open and load. Not const: the compiler would fold a const copy. */
__u8 request[ARP_REQUEST_BYTES];

SEC("xdp")
int send_arp_request(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;

	if (data + ARP_REQUEST_BYTES > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, request, ARP_REQUEST_BYTES);
	return XDP_TX;
}
