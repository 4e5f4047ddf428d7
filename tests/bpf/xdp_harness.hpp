// Runs the XDP program on crafted frames with BPF_PROG_TEST_RUN, the way the kernel's BPF
// selftests do: a freshly loaded skeleton, maps filled for the case, repeat = 1.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/state_word.hpp"
#include "test_frames.hpp"
#include "xvip_abi.h"

struct xvip_bpf;

namespace xvip::test {

struct RunResult {
    int error = 0;           // errno of the test run itself (0: it ran)
    std::uint32_t verdict = 0;  // XDP_PASS, XDP_DROP, XDP_TX ...
    Bytes output;            // the frame as the program left it
};

class XdpHarness {
public:
    // Loads the program. Throws with the reason when the kernel refuses (not root, no BPF).
    XdpHarness();
    ~XdpHarness();
    XdpHarness(const XdpHarness&) = delete;
    XdpHarness& operator=(const XdpHarness&) = delete;

    void set_interface_mac(std::span<const std::uint8_t, 6> mac);
    void bind_vip(const IpAddress& vip, std::uint32_t instance);
    // Encoded as the data-plane layer does, with this boot's lease clock.
    void write_state(std::uint32_t instance, const StateWord& state);

    RunResult run(std::span<const std::uint8_t> frame);
    xvip_counters counters() const;
    int program_fd() const;

private:
    std::unique_ptr<xvip_bpf, void (*)(xvip_bpf*)> skel_;
    std::vector<VipBinding> bound_;  // every bind_vip so far
    VipIndex index_;                 // as written into the program's maps
};

}  // namespace xvip::test
