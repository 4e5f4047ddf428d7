#include "dataplane/kernel_diagnostics.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <mutex>

#include "common/unique_fd.hpp"

namespace xvip {

namespace {

// libbpf's one print callback leads to the innermost capture; the mutex makes captures on
// different threads take turns (a capture lives on one thread, so a recursive mutex lets it nest).
std::recursive_mutex capture_mutex;
LibbpfMessages* current_capture = nullptr;

// Enough for the end of any verifier log; older text is dropped first.
constexpr std::size_t max_captured = 1 << 20;

// One libbpf message, formatted.
std::string formatted(const char* format, va_list args) {
    va_list measure;
    va_copy(measure, args);
    const int length = std::vsnprintf(nullptr, 0, format, measure);
    va_end(measure);
    if (length <= 0) return {};
    std::string message(static_cast<std::size_t>(length), '\0');
    std::vsnprintf(message.data(), message.size() + 1, format, args);
    return message;
}

int capture_print(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG || current_capture == nullptr) return 0;
    const std::string message = formatted(format, args);
    current_capture->append(message);
    return static_cast<int>(message.size());
}

std::function<void(LibbpfLevel, std::string_view)> routed_sink;

int route_print(enum libbpf_print_level level, const char* format, va_list args) {
    if (!routed_sink) return 0;
    std::string message = formatted(format, args);
    if (message.empty()) return 0;
    const int length = static_cast<int>(message.size());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    routed_sink(level == LIBBPF_WARN   ? LibbpfLevel::warning
                : level == LIBBPF_INFO ? LibbpfLevel::info
                                       : LibbpfLevel::debug,
                message);
    return length;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::string last_lines(std::string_view text, std::size_t count, std::string_view indent) {
    const auto lines = lines_of(text);
    std::string out;
    for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
        out += "\n";
        out += indent;
        out += lines[i];
    }
    return out;
}

// 1: the kernel has it; 0: it refused it; -1: the probe could not tell (then it counts as present).
using Probe = std::function<int()>;

int probe_result(int libbpf_answer) {
    return libbpf_answer < 0 ? -1 : libbpf_answer;
}

// A trivial XDP program (return XDP_PASS), for probes that need one.
UniqueFd trivial_xdp_program() {
    const bpf_insn program[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 2},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    return UniqueFd(
        bpf_prog_load(BPF_PROG_TYPE_XDP, "xvip_probe", "GPL", program, sizeof program / sizeof program[0], nullptr));
}

int probe_mmapable_array() {
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
    UniqueFd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "xvip_probe", 4, 8, 1, &opts));
    if (map) return 1;
    return errno == EINVAL ? 0 : -1;
}

// An XDP link on the loopback interface (ifindex 1 in every namespace) in native mode: a kernel
// with XDP links refuses it because lo has no native XDP (EOPNOTSUPP); one without refuses the
// link type itself (EINVAL). Should it ever be accepted, closing the unpinned link detaches it.
int probe_xdp_link() {
    const UniqueFd program = trivial_xdp_program();
    if (!program) return -1;
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
    const UniqueFd link(bpf_link_create(program.get(), 1, BPF_XDP, &opts));
    if (link) return 1;
    return errno == EINVAL ? 0 : 1;
}

struct FeatureProbe {
    BpfFeature feature;
    Probe probe;
};

// Oldest first, so that the last one missing names the kernel needed.
const std::vector<FeatureProbe>& feature_probes() {
    static const std::vector<FeatureProbe> probes{
        {{"XDP programs", "4.8"}, [] { return probe_result(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr)); }},
        {{"bpf_xdp_adjust_tail() in XDP programs", "4.18"},
         [] { return probe_result(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_adjust_tail, nullptr)); }},
        {{"bpf_fib_lookup() in XDP programs", "4.18"},
         [] { return probe_result(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_fib_lookup, nullptr)); }},
        {{"LRU hash maps (the flow table of virtual services)", "4.10"},
         [] { return probe_result(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, nullptr)); }},
        {{"memory-mapped BPF arrays (BPF_F_MMAPABLE)", "5.5"}, probe_mmapable_array},
        {{"bpf_jiffies64() in XDP programs", "5.5"},
         [] { return probe_result(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_jiffies64, nullptr)); }},
        {{"BPF ring buffers (the program's events to xvipd)", "5.8"},
         [] { return probe_result(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr)); }},
        {{"bpf_ringbuf_output() in XDP programs", "5.8"},
         [] { return probe_result(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_output, nullptr)); }},
        {{"BPF links for XDP", "5.9"}, probe_xdp_link},
        {{"BPF_PROG_TYPE_SYSCALL programs (they date the lease clock)", "5.14"},
         [] { return probe_result(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, nullptr)); }},
        {{"bpf_timer in XDP programs (the fast-failover detector)", "5.15"},
         [] { return probe_result(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_timer_init, nullptr)); }},
    };
    return probes;
}

std::string platform_hint(int error, bool verifier_spoke) {
    const std::vector<BpfFeature> missing = missing_bpf_features();
    if (!missing.empty()) {
        std::string names;
        for (const auto& feature : missing) {
            names += (names.empty() ? "" : ", ") + feature.name + " (Linux " + feature.since + ")";
        }
        return "\nThis kernel lacks " + names + ": xvip needs Linux " + missing.back().since +
               " or later (Debian 12's 6.1 has everything it uses).";
    }
    if (verifier_spoke) {
        return "\nThis kernel has every BPF feature xvip uses, so its verifier refused the program "
               "itself: please report it with the log above and `uname -r`.";
    }
    if (error == EPERM) {
        return "\nThe kernel refused the bpf() call itself: run as root (CAP_BPF, CAP_NET_ADMIN "
               "and CAP_PERFMON; CAP_SYS_ADMIN on kernels before 5.8).";
    }
    return {};
}

}  // namespace

LibbpfMessages::LibbpfMessages() {
    capture_mutex.lock();
    outer_ = current_capture;
    current_capture = this;
    previous_print_ = reinterpret_cast<void*>(libbpf_set_print(capture_print));
}

LibbpfMessages::~LibbpfMessages() {
    libbpf_set_print(reinterpret_cast<libbpf_print_fn_t>(previous_print_));
    current_capture = outer_;
    capture_mutex.unlock();
}

void LibbpfMessages::append(std::string_view message) {
    text_ += message;
    if (text_.size() > max_captured) text_.erase(0, text_.size() - max_captured);
}

std::string LibbpfMessages::verifier_log_tail(std::size_t lines) const {
    // libbpf prints a refused program's log between these two lines.
    const std::size_t begin = text_.rfind("-- BEGIN PROG LOAD LOG --");
    if (begin == std::string::npos) return {};
    const std::size_t start = text_.find('\n', begin);
    if (start == std::string::npos) return {};
    const std::size_t end = text_.find("-- END PROG LOAD LOG --", start);
    const std::string_view log =
        std::string_view(text_).substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    const std::string tail = last_lines(log, lines, "");
    return tail.empty() ? tail : tail.substr(1);
}

std::string LibbpfMessages::kernel_error_message() const {
    constexpr std::string_view marker = "Kernel error message: ";
    const std::size_t at = text_.rfind(marker);
    if (at == std::string::npos) return {};
    const std::size_t from = at + marker.size();
    return text_.substr(from, text_.find('\n', from) - from);
}

void route_libbpf_messages(std::function<void(LibbpfLevel, std::string_view)> sink) {
    // Under the capture mutex: a capture in progress restores the callback it found, so the route
    // must not change beneath it.
    const std::lock_guard lock(capture_mutex);
    routed_sink = std::move(sink);
    libbpf_set_print(route_print);
}

std::vector<BpfFeature> missing_bpf_features() {
    std::vector<BpfFeature> missing;
    const LibbpfMessages quiet;  // a refused probe is an answer, not a warning
    for (const auto& [feature, probe] : feature_probes()) {
        if (probe() == 0) missing.push_back(feature);
    }
    return missing;
}

DataplaneError bpf_load_error(std::string_view what, int error, const LibbpfMessages& messages) {
    std::string detail;
    const std::string verifier = messages.verifier_log_tail();
    if (!verifier.empty()) {
        detail = "\nThe verifier refused it; the end of its log:" + last_lines(verifier, 12, "    ");
    } else if (!messages.text().empty()) {
        detail = "\nlibbpf said:" + last_lines(messages.text(), 4, "    ");
    }
    detail += platform_hint(error, !verifier.empty());
    return DataplaneError(std::string(what), error, detail);
}

std::string xdp_attach_refusal(int prog_fd, int ifindex, std::uint32_t flags) {
    const LibbpfMessages messages;
    if (bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr) == 0) {
        LIBBPF_OPTS(bpf_xdp_attach_opts, ours, .old_prog_fd = prog_fd);
        bpf_xdp_detach(ifindex, flags, &ours);  // only ours: netlink accepted what the link was not
        return {};
    }
    return messages.kernel_error_message();
}

}  // namespace xvip
