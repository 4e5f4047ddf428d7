// LibbpfMessages picks the verifier's log and netlink's extended ack out of what libbpf printed,
// here given by hand in libbpf 1.1's words (tests/kernel sees a real kernel say them).
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/kernel_diagnostics.hpp"

namespace xvip {
namespace {

TEST(LibbpfMessages, TheVerifierTailIsTheEndOfTheLastLoadLog) {
    LibbpfMessages messages;
    messages.append("libbpf: prog 'old': BPF program load failed: Permission denied\n");
    messages.append("libbpf: prog 'old': -- BEGIN PROG LOAD LOG --\nold log\n-- END PROG LOAD LOG --\n");
    messages.append("libbpf: prog 'xvip_xdp': BPF program load failed: Permission denied\n");
    messages.append(
        "libbpf: prog 'xvip_xdp': -- BEGIN PROG LOAD LOG --\n"
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
    messages.append(
        "libbpf: Kernel error message: virtio_net: Can't set XDP while host is "
        "implementing GRO_HW/CSUM, disable GRO_HW/CSUM first\n");
    EXPECT_EQ(messages.kernel_error_message(),
              "virtio_net: Can't set XDP while host is implementing GRO_HW/CSUM, disable GRO_HW/CSUM "
              "first");
}

// libbpf complains about an object it cannot parse without any privilege: a message to route.
void open_garbage_object() {
    const char garbage[] = "not an ELF object";
    bpf_object* object = bpf_object__open_mem(garbage, sizeof garbage, nullptr);
    EXPECT_EQ(object, nullptr) << "libbpf accepted garbage";
    if (object != nullptr) bpf_object__close(object);
}

TEST(LibbpfMessages, MessagesOutsideACaptureGoToTheRouteAndCapturesStillTakeTheirs) {
    std::vector<std::pair<LibbpfLevel, std::string>> routed;
    route_libbpf_messages(
        [&](LibbpfLevel level, std::string_view message) { routed.emplace_back(level, std::string(message)); });
    open_garbage_object();
    const auto warning =
        std::find_if(routed.begin(), routed.end(), [](const auto& m) { return m.first == LibbpfLevel::warning; });
    ASSERT_NE(warning, routed.end()) << "libbpf warned of nothing about a garbage object";
    EXPECT_EQ(warning->second.rfind("libbpf: ", 0), 0u) << warning->second;
    EXPECT_NE(warning->second.back(), '\n') << "one line, without its newline";

    const std::size_t before = routed.size();
    {
        const LibbpfMessages capture;
        open_garbage_object();
        EXPECT_NE(capture.text().find("libbpf: "), std::string::npos);
    }
    EXPECT_EQ(routed.size(), before) << "a capture's messages are its own";
    open_garbage_object();
    EXPECT_GT(routed.size(), before) << "the route is back once the capture ends";
    route_libbpf_messages({});  // `routed` goes out of scope
}

}  // namespace
}  // namespace xvip
