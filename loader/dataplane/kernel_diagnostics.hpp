// What the kernel says when it refuses xvip's BPF programs, and which of the BPF features xvip
// uses it lacks. The verifier's log and a netlink request's extended ack reach user space only as
// libbpf's messages, so a load or an attach runs with those messages captured, and the error it
// throws carries the kernel's own words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/dataplane_error.hpp"

namespace xvip {

// While one is alive, libbpf's messages are collected in it instead of going to stderr. libbpf has
// one print callback per process: captures nest within a thread (the innermost collects), and a
// capture on another thread waits until this one ends.
class LibbpfMessages {
public:
    LibbpfMessages();
    ~LibbpfMessages();
    LibbpfMessages(const LibbpfMessages&) = delete;
    LibbpfMessages& operator=(const LibbpfMessages&) = delete;

    // Everything collected, as libbpf printed it.
    const std::string& text() const { return text_; }
    // The last `lines` lines of the last verifier log libbpf printed; empty when it printed none.
    std::string verifier_log_tail(std::size_t lines = 12) const;
    // The kernel's extended-ack text for the last netlink request that failed; empty if none.
    std::string kernel_error_message() const;

    // Called by the capture's callback.
    void append(std::string_view message);

private:
    std::string text_;
    LibbpfMessages* outer_;
    void* previous_print_;
};

// libbpf's messages outside any capture (its warnings at other times): libbpf prints them to
// stderr unless told otherwise, past the daemon's logger. route_libbpf_messages sends each to
// `sink` instead, as one line without its newline; captures take over while they live and then
// restore this route. Call it once, before any other thread may load BPF.
enum class LibbpfLevel { warning, info, debug };
void route_libbpf_messages(std::function<void(LibbpfLevel, std::string_view)> sink);

// A BPF feature xvip depends on, and the first kernel that has it.
struct BpfFeature {
    std::string name;
    std::string since;
};

// The features this kernel lacks, probed one by one (needs CAP_BPF; a probe that cannot run counts
// as present, so only what the kernel really refused is named). Empty on every supported kernel.
std::vector<BpfFeature> missing_bpf_features();

// The error for a BPF object that did not load: errno, the tail of the verifier's log (or libbpf's
// last words when there is none), and the hint that follows from what the kernel lacks, probed now.
DataplaneError bpf_load_error(std::string_view what, int error, const LibbpfMessages& messages);

// Why the kernel refuses to attach prog_fd to ifindex with these XDP flags, in its own words: a
// BPF link's refusal carries no text, so the same attach is asked of netlink, whose extended ack
// does (and undone at once should netlink accept it). Empty when the kernel gave no text.
std::string xdp_attach_refusal(int prog_fd, int ifindex, std::uint32_t flags);

}  // namespace xvip
