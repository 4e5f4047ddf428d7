// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The lease clock's calibration: run by user space with BPF_PROG_TEST_RUN, it reads the jiffy
 * count the XDP program compares leases with, and then CLOCK_MONOTONIC (see xvip_clock_sample). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xvip_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("syscall")
int xvip_clock_sample(struct xvip_clock_sample *sample)
{
	sample->jiffies = bpf_jiffies64();
	sample->monotonic_ns = bpf_ktime_get_ns();
	return 0;
}
