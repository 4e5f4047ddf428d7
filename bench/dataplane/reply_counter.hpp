// reply_counter.bpf.c attached (native XDP) to an interface in one of the benchmark's namespaces:
// counts (and drops) the ARP replies from the VIP that reach the sender. The BPF link is held by
// this object's fd: it goes when the object does, and with the process if it dies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/unique_fd.hpp"

struct xvip_reply_counter;

namespace xvip::bench {

class ReplyCounter {
public:
    ReplyCounter(const std::string& netns, const std::string& ifname, const std::string& vip);
    ~ReplyCounter();
    ReplyCounter(const ReplyCounter&) = delete;
    ReplyCounter& operator=(const ReplyCounter&) = delete;

    std::uint64_t count() const;  // summed over every possible CPU

private:
    std::unique_ptr<xvip_reply_counter, void (*)(xvip_reply_counter*)> skel_;
    UniqueFd link_;
};

}  // namespace xvip::bench
