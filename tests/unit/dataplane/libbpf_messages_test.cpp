// LibbpfMessages picks the verifier's log and netlink's extended ack out of what libbpf printed,
// here given by hand in libbpf 1.1's words (tests/kernel sees a real kernel say them).
#include <gtest/gtest.h>

#include "dataplane/kernel_diagnostics.hpp"

namespace xvip {
namespace {

TEST(LibbpfMessages, TheVerifierTailIsTheEndOfTheLastLoadLog) {
    LibbpfMessages messages;
    messages.append("libbpf: prog 'old': BPF program load failed: Permission denied\n");
    messages.append("libbpf: prog 'old': -- BEGIN PROG LOAD LOG --\nold log\n-- END PROG LOAD LOG --\n");
    messages.append("libbpf: prog 'xvip_xdp': BPF program load failed: Permission denied\n");
    messages.append("libbpf: prog 'xvip_xdp': -- BEGIN PROG LOAD LOG --\n"
                    "0: R1=ctx() R10=fp0\n; int xvip_xdp(struct xdp_md *ctx)\n\n"
                    "261: (0f) r1 += r2\n"
                    "math between pkt pointer and register with unbounded min value is not allowed\n"
                    "processed 300 insns (limit 1000000)\n"
                    "-- END PROG LOAD LOG --\n"
                    "libbpf: failed to load object 'xvip_bpf'\n");
    EXPECT_EQ(messages.verifier_log_tail(2),
              "math between pkt pointer and register with unbounded min value is not allowed\n"
              "processed 300 insns (limit 1000000)");
    EXPECT_EQ(messages.verifier_log_tail(100).find("old log"), std::string::npos);
    EXPECT_EQ(messages.verifier_log_tail(100).find("failed to load object"), std::string::npos);
}

TEST(LibbpfMessages, NoLoadLogNoTail) {
    LibbpfMessages messages;
    messages.append("libbpf: Error in bpf_object__probe_loading():Operation not permitted(1).\n");
    EXPECT_EQ(messages.verifier_log_tail(), "");
    EXPECT_EQ(messages.kernel_error_message(), "");
}

TEST(LibbpfMessages, TheKernelErrorMessageIsTheLastExtendedAck) {
    LibbpfMessages messages;
    messages.append("libbpf: Kernel error message: first\n");
    messages.append("libbpf: Kernel error message: virtio_net: Can't set XDP while host is "
                    "implementing GRO_HW/CSUM, disable GRO_HW/CSUM first\n");
    EXPECT_EQ(messages.kernel_error_message(),
              "virtio_net: Can't set XDP while host is implementing GRO_HW/CSUM, disable GRO_HW/CSUM "
              "first");
}

}  // namespace
}  // namespace xvip
