// What an operator reads when the kernel refuses xvip: the verifier's own words in a load error,
// a netlink extended ack in an attach error, and the BPF features this kernel has.
#include "dataplane/kernel_diagnostics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "topology/topology.hpp"
#include "xvip_refused_bpf.skel.h"

namespace xvip {
namespace {

class KernelDiagnostics : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "this suite loads BPF programs and builds network namespaces: "
                                    "run it as root";
    }
};

TEST_F(KernelDiagnostics, ThisKernelHasEveryFeatureXvipUses) {
    for (const auto& feature : missing_bpf_features()) {
        ADD_FAILURE() << "probed as missing: " << feature.name << " (Linux " << feature.since << ")";
    }
}

TEST_F(KernelDiagnostics, ALoadErrorCarriesTheVerifiersWords) {
    std::string message;
    {
        const LibbpfMessages messages;
        xvip_refused_bpf* skel = xvip_refused_bpf__open_and_load();
        ASSERT_EQ(skel, nullptr) << "the verifier accepted a program that reads an unchecked frame";
        message = bpf_load_error("loading the refused program", errno, messages).what();
    }
    EXPECT_NE(message.find("loading the refused program: "), std::string::npos) << message;
    EXPECT_NE(message.find("The verifier refused it; the end of its log:"), std::string::npos) << message;
    EXPECT_NE(message.find("invalid access to packet"), std::string::npos) << message;
    EXPECT_NE(message.find("has every BPF feature xvip uses"), std::string::npos)
        << "the hint must follow from the probes, which find nothing missing here: " << message;
}

TEST_F(KernelDiagnostics, CaptureEndsWithItsScope) {
    std::string inner_text;
    {
        const LibbpfMessages outer;
        {
            const LibbpfMessages inner;
            EXPECT_EQ(xvip_refused_bpf__open_and_load(), nullptr);
            inner_text = inner.text();
        }
        EXPECT_TRUE(outer.text().empty()) << "the innermost capture collects: " << outer.text();
    }
    EXPECT_NE(inner_text.find("BEGIN PROG LOAD LOG"), std::string::npos) << inner_text;
}

// A bridge has no native XDP: the kernel says so only in netlink's extended ack. (A bridge, not a
// dummy interface: some kernels, this machine's among them, are built without the dummy driver.)
class AttachRefusal : public KernelDiagnostics {
protected:
    void SetUp() override {
        KernelDiagnostics::SetUp();
        topo = std::make_unique<topo::Topology>(topo::TopologySpec{.nodes = 1, .clients = 1});
        topo->run_checked(node().netns, {"ip", "link", "add", "xbr0", "type", "bridge"});
        topo->run_checked(node().netns, {"ip", "link", "set", "xbr0", "up"});
    }
    void TearDown() override {
        if (topo) xvipctl({"detach", "--dev", "xbr0"});
        topo.reset();
    }
    const topo::Endpoint& node() const { return topo->node(0); }
    topo::CommandResult xvipctl(std::vector<std::string> args) {
        args.insert(args.begin(), XVIPCTL);
        args.insert(args.end(), {"--pin-root", node().pin_dir.string()});
        return topo->run(node().netns, args);
    }

    std::unique_ptr<topo::Topology> topo;
    const std::string kernel_reason = "does not support XDP in native mode";
};

TEST_F(AttachRefusal, NativeModeFailsWithTheKernelsReason) {
    const auto r = xvipctl({"attach", "--dev", "xbr0", "--xdp-mode", "native"});
    EXPECT_FALSE(r.success());
    EXPECT_NE(r.err.find("attaching XDP to xbr0 in native mode: Operation not supported: "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kernel_reason), std::string::npos) << r.err;
    const auto shown = topo->run(node().netns, {"ip", "link", "show", "xbr0"});
    EXPECT_EQ(shown.out.find("xdp"), std::string::npos) << "nothing left attached: " << shown.out;
}

TEST_F(AttachRefusal, AutoModeFallsBackToGenericAndSaysWhy) {
    const auto r = xvipctl({"attach", "--dev", "xbr0", "--xdp-mode", "auto"});
    ASSERT_TRUE(r.success()) << r.err;
    EXPECT_NE(r.err.find("native XDP is not available on xbr0 (Operation not supported: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(kernel_reason), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("generic mode"), std::string::npos) << r.out;
    const auto shown = topo->run_checked(node().netns, {"ip", "link", "show", "xbr0"});
    EXPECT_NE(shown.out.find("xdpgeneric"), std::string::npos)
        << "the probe's netlink attach was undone, the link stays: " << shown.out;
}

}  // namespace
}  // namespace xvip
