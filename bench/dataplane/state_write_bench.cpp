#include "bench/dataplane/state_write_bench.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/unique_fd.hpp"

namespace xvip::bench {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ns_between(Clock::time_point a, Clock::time_point b) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

std::string fmt(const Summary& s) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "median %.0f ns, p99 %.0f ns", s.median, s.p99);
    return buf;
}

}  // namespace

StateWriteResults measure_state_writes(Dataplane& dataplane, InstanceKey instance, const StateWriteSettings& settings,
                                       const Progress& progress) {
    StateWriteResults results{.settings = settings};
    // Every word a live lease, a little longer each time, as the daemon's renewals are.
    const auto lease_base = monotonic_now() + 60s;
    auto word = [&](int i) { return StateWord::active_until(lease_base + std::chrono::nanoseconds(i)); };

    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(settings.writes));
    for (int i = 0; i < settings.writes; ++i) {
        const auto a = Clock::now();
        const auto b = Clock::now();
        samples.push_back(ns_between(a, b));
    }
    results.clock_ns = summarize(samples);

    samples.clear();
    for (int i = 0; i < settings.writes; ++i) {
        const StateWord next = word(i);
        const auto a = Clock::now();
        dataplane.write_state(instance, next);
        const auto b = Clock::now();
        samples.push_back(ns_between(a, b));
    }
    results.write_state_ns = summarize(samples);

    const auto loop_start = Clock::now();
    for (int i = 0; i < settings.loop_writes; ++i) dataplane.write_state(instance, word(i));
    results.write_state_loop_ns = ns_between(loop_start, Clock::now()) / settings.loop_writes;
    // The layer writes a deadline t as the last jiffy that begins by t - tick (StateWord::encode,
    // docs/architecture.md): read back, the last word written, its deadline at most two ticks
    // early (plus the dating's uncertainty), never later.
    const StateWord last = word(settings.loop_writes - 1);
    const StateWord back = dataplane.read_state(instance);
    const auto tick = dataplane.lease_clock().tick();
    if (back.role != last.role || back.deadline > last.deadline || back.deadline < last.deadline - 2 * tick - 1ms) {
        throw std::runtime_error("the state word read back is not the last one written");
    }
    progress.say("  write_state: " + fmt(results.write_state_ns) + " (clock pair alone: " + fmt(results.clock_ns) +
                 ")");

    const auto pin = dataplane.pin_dir() / XVIP_MAP_STATE;
    UniqueFd map(bpf_obj_get(pin.c_str()));
    if (!map) throw std::runtime_error("opening " + pin.string() + ": " + std::strerror(errno));
    const std::uint32_t key = instance.index();
    samples.clear();
    for (int i = 0; i < settings.syscall_writes; ++i) {
        const std::uint64_t encoded = word(i).encode(dataplane.lease_clock());
        const auto a = Clock::now();
        const int rc = bpf_map_update_elem(map.get(), &key, &encoded, BPF_ANY);
        const auto b = Clock::now();
        if (rc != 0) throw std::runtime_error(std::string("bpf_map_update_elem: ") + std::strerror(errno));
        samples.push_back(ns_between(a, b));
    }
    results.map_update_ns = summarize(std::move(samples));
    progress.say("  bpf_map_update_elem: " + fmt(results.map_update_ns));
    return results;
}

}  // namespace xvip::bench
