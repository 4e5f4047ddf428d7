#include "xdp_harness.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <stdexcept>

#include "dataplane/dataplane_error.hpp"

namespace xvip::test {

namespace {

Dataplane load_for_tests(const LbCapacity& lb) {
    try {
        return Dataplane::load(
            {.ifname = "test-run", .ifindex = 1, .mac = node_mac, .subnets = node_subnets, .lb = lb});
    } catch (const DataplaneError& e) {
        // The error already carries the kernel's words (the verifier's tail, what it lacks).
        throw std::runtime_error(std::string(e.what()) + "\n(these tests need root)");
    }
}

}  // namespace

XdpHarness::XdpHarness(const LbCapacity& lb)
    : dataplane_(load_for_tests(lb)),
      events_(dataplane_.open_events([this](const xvip_event& e) { received_.push_back(e); })) {}

void XdpHarness::write_guard(std::uint32_t instance, const AdvertGuard& guard) {
    dataplane_.write_guard(InstanceKey::from_index(instance), guard);
}

XdpRole XdpHarness::role(std::uint32_t instance) const {
    return dataplane_.read_state(InstanceKey::from_index(instance)).effective_role(monotonic_now());
}

std::vector<xvip_event> XdpHarness::events() {
    events_->consume();
    return std::exchange(received_, {});
}

void XdpHarness::bind_vip(const IpAddress& vip, std::uint32_t instance) {
    dataplane_.add_vip(vip, InstanceKey::from_index(instance));
}

void XdpHarness::write_state(std::uint32_t instance, const StateWord& state) {
    dataplane_.write_state(InstanceKey::from_index(instance), state);
}

RunResult XdpHarness::run(std::span<const std::uint8_t> frame) {
    RunResult result;
    result.output.resize(frame.size() + 256);  // room for a reply that grows the frame
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = result.output.data(),
                .data_size_in = static_cast<std::uint32_t>(frame.size()),
                .data_size_out = static_cast<std::uint32_t>(result.output.size()), .repeat = 1);
    if (bpf_prog_test_run_opts(program_fd(), &opts) != 0) {
        result.error = errno;
        result.output.clear();
        return result;
    }
    result.verdict = opts.retval;
    result.output.resize(opts.data_size_out);
    return result;
}

}  // namespace xvip::test
