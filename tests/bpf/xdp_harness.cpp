#include "xdp_harness.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "dataplane/counters.hpp"
#include "dataplane/kernel_diagnostics.hpp"
#include "xvip_bpf.skel.h"

namespace xvip::test {

// A refusal throws with the kernel's words: the end of the verifier's log, what it lacks.
XdpHarness::XdpHarness() : skel_(nullptr, xvip_bpf__destroy) {
    const LibbpfMessages messages;
    skel_.reset(xvip_bpf__open_and_load());
    if (!skel_) throw bpf_load_error("loading the XDP program (these tests need root)", errno, messages);
}

XdpHarness::~XdpHarness() = default;

void XdpHarness::set_interface_mac(std::span<const std::uint8_t, 6> mac) {
    xvip_iface iface{};
    iface.abi_version = XVIP_ABI_VERSION;
    iface.ifindex = 1;
    std::memcpy(iface.mac, mac.data(), 6);
    const std::uint32_t key = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xvip_iface), &key, &iface, BPF_ANY) != 0) {
        throw std::runtime_error("writing xvip_iface failed");
    }
}

void XdpHarness::bind_vip(const IpAddress& vip, std::uint32_t instance) {
    const xvip_vip value{instance};
    const int fd = vip.is_v4() ? bpf_map__fd(skel_->maps.xvip_vip4) : bpf_map__fd(skel_->maps.xvip_vip6);
    if (bpf_map_update_elem(fd, vip.bytes().data(), &value, BPF_ANY) != 0) {
        throw std::runtime_error("binding VIP " + vip.to_string() + " failed");
    }
    // The program's index ahead of the hash maps must know the VIP too: built as the data-plane
    // layer builds it, each bucket that changed written after the hash map.
    bound_.push_back({vip, {instance >= 256 ? AddressFamily::ipv6 : AddressFamily::ipv4,
                            static_cast<std::uint8_t>(instance % 256)}});
    const VipIndex index = build_vip_index(bound_);
    for (std::uint32_t bucket = 0; bucket < index.buckets4.size(); ++bucket) {
        if (index.buckets4[bucket] == index_.buckets4[bucket]) continue;
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xvip_vip4_buckets), &bucket,
                                &index.buckets4[bucket], BPF_ANY) != 0) {
            throw std::runtime_error("writing a VIP bucket failed");
        }
    }
    const std::uint32_t key = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xvip_vip_filter), &key, &index.filter6,
                            BPF_ANY) != 0) {
        throw std::runtime_error("writing the VIP filter failed");
    }
    index_ = index;
}

void XdpHarness::write_state(std::uint32_t instance, const StateWord& state) {
    const std::uint64_t word = state.encode(LeaseClock::system());
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.xvip_state), &instance, &word, BPF_ANY) != 0) {
        throw std::runtime_error("writing state word failed");
    }
}

RunResult XdpHarness::run(std::span<const std::uint8_t> frame) {
    RunResult result;
    result.output.resize(frame.size() + 256);  // room for a reply that grows the frame
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_out = result.output.data(),
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

xvip_counters XdpHarness::counters() const {
    std::vector<xvip_counters> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.xvip_counters), &key, per_cpu.data()) != 0) {
        throw std::runtime_error("reading counters failed");
    }
    return sum_counters(per_cpu);
}

int XdpHarness::program_fd() const { return bpf_program__fd(skel_->progs.xvip_xdp); }

}  // namespace xvip::test
