#include "bench/dataplane/reply_counter.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "topology/namespace_thread.hpp"
#include "xvip_reply_counter.skel.h"

namespace xvip::bench {

namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

}  // namespace

ReplyCounter::ReplyCounter(const std::string& netns, const std::string& ifname, const std::string& vip)
    : skel_(xvip_reply_counter__open(), xvip_reply_counter__destroy) {
    if (!skel_) throw std::runtime_error(errno_text("opening the reply counter"));
    in_addr address{};
    if (inet_pton(AF_INET, vip.c_str(), &address) != 1) throw std::invalid_argument("VIP " + vip);
    skel_->rodata->vip = address.s_addr;
    if (xvip_reply_counter__load(skel_.get()) != 0) {
        throw std::runtime_error(errno_text("loading the reply counter"));
    }
    const int prog_fd = bpf_program__fd(skel_->progs.count_arp_replies);
    // The interface index is the namespace's: look it up and attach from a thread inside it.
    link_ = UniqueFd(topo::run_in_netns(netns, std::chrono::seconds(10), [prog_fd, ifname] {
        const unsigned index = if_nametoindex(ifname.c_str());
        if (index == 0) return -1;
        LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
        return bpf_link_create(prog_fd, static_cast<int>(index), BPF_XDP, &opts);
    }));
    if (!link_) {
        throw std::runtime_error(errno_text("attaching the reply counter to " + ifname + " in " + netns));
    }
}

ReplyCounter::~ReplyCounter() = default;

std::uint64_t ReplyCounter::count() const {
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.arp_replies), &key, per_cpu.data()) != 0) {
        throw std::runtime_error(errno_text("reading the reply counter"));
    }
    std::uint64_t total = 0;
    for (auto n : per_cpu) total += n;
    return total;
}

}  // namespace xvip::bench
