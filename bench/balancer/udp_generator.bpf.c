// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The load-balancer rate comparison's generator (xvip-udp-blast), never attached: BPF_PROG_TEST_RUN
 * runs it in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES), as if each frame had arrived on the
 * sender's interface, and its XDP_TX sends the frame out of that interface as a driver would: the
 * receiving veth gets an XDP frame, not an skb, as a NIC's driver starts from its DMA buffer. Each
 * run writes the whole datagram into its frame (live frames come back from a page pool with
 * whatever their receiver left in them) and takes the next of `flows` source ports, so that the
 * balancer sees that many flows, in turn.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define DATAGRAM_FRAME_BYTES 60 /* Ethernet, IPv4, UDP and 18 bytes of payload: the minimum frame */
#define UDP_SOURCE_OFFSET 34

/* Set between open and load. The frame is not const: the compiler would fold a const copy. The
 * ports are (xvip-udp-blast refuses 0 flows), so the verifier and the program take them as known. */
__u8 frame[DATAGRAM_FRAME_BYTES];
const volatile __u16 first_port;
const volatile __u16 flows = 1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sent SEC(".maps");

SEC("xdp")
int send_udp(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u32 zero = 0;
	__u32 *count;
	__u16 port;

	if (data + DATAGRAM_FRAME_BYTES > (__u8 *)(long)ctx->data_end)
		return XDP_ABORTED;
	count = bpf_map_lookup_elem(&sent, &zero);
	if (!count)
		return XDP_ABORTED;
	__builtin_memcpy(data, frame, DATAGRAM_FRAME_BYTES);
	port = first_port + (__u16)(*count % flows);
	*count += 1;
	data[UDP_SOURCE_OFFSET] = port >> 8;
	data[UDP_SOURCE_OFFSET + 1] = port & 0xff;
	return XDP_TX;
}
