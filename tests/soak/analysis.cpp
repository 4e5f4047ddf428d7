#include "soak/analysis.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>

namespace xvip::soak {

using namespace std::chrono;

const char* to_string(FaultKind kind) {
    switch (kind) {
        case FaultKind::kill: return "kill";
        case FaultKind::stall: return "stall";
        case FaultKind::link_down: return "link-down";
        case FaultKind::loss: return "loss";
        case FaultKind::partition: return "partition";
        case FaultKind::restart: return "restart";
        case FaultKind::planned_stop: return "planned-stop";
        case FaultKind::restart_storm: return "restart-storm";
        case FaultKind::reload_storm: return "reload-storm";
        case FaultKind::bad_reload: return "bad-reload";
        case FaultKind::nft_drop: return "nft-drop";
        case FaultKind::metrics_flood: return "metrics-flood";
        case FaultKind::iface_recreate: return "iface-recreate";
        case FaultKind::mac_change: return "mac-change";
        case FaultKind::addr_flush: return "addr-flush";
    }
    return "?";
}

std::optional<FaultKind> parse_fault_kind(std::string_view text) {
    for (const auto kind : kFaultKinds) {
        if (text == to_string(kind)) return kind;
    }
    for (const auto kind : kOperationsFaultKinds) {
        if (text == to_string(kind)) return kind;
    }
    return std::nullopt;
}

bool hitless(FaultKind kind) {
    switch (kind) {
        case FaultKind::restart_storm:
        case FaultKind::reload_storm:
        case FaultKind::bad_reload:
        case FaultKind::metrics_flood:
        case FaultKind::mac_change: return true;
        default: return false;
    }
}

bool expected_hitless(const Fault& f) {
    return hitless(f.kind) && !f.lease_lapsed;
}

bool operational(FaultKind kind) {
    return hitless(kind) || kind == FaultKind::nft_drop || kind == FaultKind::iface_recreate ||
           kind == FaultKind::mac_change || kind == FaultKind::addr_flush;
}

bool exits_for_restart(FaultKind kind) {
    return kind == FaultKind::iface_recreate || kind == FaultKind::mac_change;
}

namespace {

// The active node stopped serving the client: it is gone, frozen, off the link, or on the other
// side of a partition (cut off alone, or a backup cut off together with the client).
bool active_fails(const Fault& f) {
    if (f.lease_lapsed) return f.target_active;  // as a kill: its lease ran out with no daemon behind it
    switch (f.kind) {
        case FaultKind::kill:
        case FaultKind::stall:
        case FaultKind::link_down:
        case FaultKind::iface_recreate:
        case FaultKind::addr_flush:  // IPv6: its adverts leave from the link-local address the flush took
        case FaultKind::nft_drop: return f.target_active;
        case FaultKind::partition: return f.target_active != f.client_with_target;
        default: return false;
    }
}

// Where the two-at-once bound starts counting, for the faults it applies to.
std::optional<TimePoint> both_answer_from(const Fault& f) {
    if (f.lease_lapsed) return f.injected;
    switch (f.kind) {
        case FaultKind::kill:
        case FaultKind::stall:
        case FaultKind::nft_drop:
        case FaultKind::iface_recreate:
        case FaultKind::mac_change:
        case FaultKind::addr_flush: return f.injected;
        case FaultKind::partition: return f.healed;
        default: return std::nullopt;
    }
}

std::string ms(nanoseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(d.count()) / 1e6);
    return text;
}

}  // namespace

Limits limits_for(const Fault& fault, const Timing& t) {
    Limits limits;
    if (both_answer_from(fault)) limits.both_answer = t.advert + t.round_trip + t.slot;
    limits.settled_echo_gap = t.advert;
    if (active_fails(fault)) {
        limits.silence =
            t.successor_fast_detection ? *t.successor_fast_detection + t.successor_late : t.successor_master_down;
        *limits.silence += milliseconds(5) + t.slot;
    }
    return limits;
}

namespace {

// Whether the client asked in slot `i` or the one before (a reply may land in the next slot).
bool probed(const ClientView& view, std::int64_t i) {
    const auto& r = view.arp_requests;
    const auto at = static_cast<std::size_t>(i);
    return r.empty() || (at < r.size() && r[at] > 0) || (at > 0 && at <= r.size() && r[at - 1] > 0);
}

}  // namespace

Span longest_run(const ClientView& view, TimePoint from, TimePoint to, int min_nodes) {
    if (view.arp_slots.empty() || to <= from) return {};
    const auto slot_count = static_cast<std::int64_t>(view.arp_slots.size());
    const auto first = std::max<std::int64_t>(0, (from - view.arp_start) / view.slot);
    const auto last =
        std::min<std::int64_t>(slot_count, (to - view.arp_start + view.slot - nanoseconds(1)) / view.slot);
    Span best;
    std::int64_t run_begin = -1;
    std::int64_t run_slots = 0;  // probed slots in the run
    const auto close_run = [&] {
        if (run_begin < 0) return;
        const auto length = run_slots * view.slot;
        if (length > best.length) best = {view.arp_start + run_begin * view.slot, length};
        run_begin = -1;
        run_slots = 0;
    };
    for (auto i = first; i < last; ++i) {
        if (!probed(view, i)) continue;
        const int answering = std::popcount(view.arp_slots[static_cast<std::size_t>(i)]);
        const bool in_run = min_nodes == 0 ? answering == 0 : answering >= min_nodes;
        if (!in_run) {
            close_run();
            continue;
        }
        if (run_begin < 0) run_begin = i;
        ++run_slots;
    }
    close_run();
    return best;
}

std::size_t unprobed_slots(const ClientView& view, TimePoint from, TimePoint to) {
    if (view.arp_requests.empty() || to <= from) return 0;
    const auto count = static_cast<std::int64_t>(view.arp_requests.size());
    const auto first = std::clamp<std::int64_t>((from - view.arp_start) / view.slot, 0, count);
    const auto last =
        std::clamp<std::int64_t>((to - view.arp_start + view.slot - nanoseconds(1)) / view.slot, 0, count);
    std::size_t n = 0;
    for (auto i = first; i < last; ++i) n += probed(view, i) ? 0 : 1;
    return n;
}

nanoseconds longest_reply_gap(const ClientView& view, TimePoint from, TimePoint to) {
    if (to <= from) return nanoseconds(0);
    const auto& r = view.echo_replies;
    auto it = std::lower_bound(r.begin(), r.end(), from);
    TimePoint previous = from;
    nanoseconds longest{0};
    for (; it != r.end() && *it < to; ++it) {
        longest = std::max(longest, *it - previous);
        previous = *it;
    }
    return std::max(longest, to - previous);
}

std::size_t count_within(const std::vector<TimePoint>& times, TimePoint from, TimePoint to) {
    return static_cast<std::size_t>(
        std::count_if(times.begin(), times.end(), [&](TimePoint t) { return t >= from && t < to; }));
}

FaultFindings assess(const Fault& f, const Timing& timing, const ClientView& view,
                     const std::vector<TimePoint>& role_changes) {
    FaultFindings out;
    out.limits = limits_for(f, timing);
    const std::string what = "fault " + std::to_string(f.number) + " (" + to_string(f.kind) + ")";
    const auto both_from = both_answer_from(f).value_or(f.injected);
    out.both_answer = longest_run(view, both_from, f.settled, 2);
    out.silence = longest_run(view, f.injected, f.settled, 0);
    out.echo_gap = longest_reply_gap(view, f.injected, f.settled);
    if (!view.echo_replies.empty()) out.settled_echo_gap = longest_reply_gap(view, f.settled, f.quiet_end);
    out.fault_transitions = count_within(role_changes, f.injected, f.settled);
    if (expected_hitless(f)) out.fault_transitions += f.fault_vrrp_transitions;
    out.quiet_transitions = count_within(role_changes, f.settled, f.quiet_end) + f.quiet_vrrp_transitions;

    if (!f.settled_in_time) out.violations.push_back(what + ": did not settle (see the log)");
    if (out.limits.both_answer && out.both_answer.length > *out.limits.both_answer) {
        out.violations.push_back(what + ": two nodes answered ARP at once for " + ms(out.both_answer.length) +
                                 ", more than one advert interval plus a round trip (" + ms(*out.limits.both_answer) +
                                 ")");
    }
    if (out.limits.silence && out.silence.length > *out.limits.silence) {
        out.violations.push_back(
            what + ": no node answered ARP for " + ms(out.silence.length) + ", more than " +
            (timing.successor_fast_detection ? "the fast detection time" : "Master_Down_Interval") + " + 5 ms (" +
            ms(*out.limits.silence) + ")");
    }
    if (f.settled_in_time && out.settled_echo_gap > out.limits.settled_echo_gap) {
        out.violations.push_back(what + ": the client went " + ms(out.settled_echo_gap) +
                                 " without an echo reply after it settled, more than one advert interval (" +
                                 ms(out.limits.settled_echo_gap) + ")");
    }
    if (expected_hitless(f) && out.fault_transitions != 0) {
        out.violations.push_back(what + ": " + std::to_string(out.fault_transitions) +
                                 " role change(s) or VRRP transition(s) during a fault that must change nothing");
    }
    if (out.quiet_transitions != 0) {
        out.violations.push_back(what + ": " + std::to_string(out.quiet_transitions) +
                                 " state transition(s) in the fault-free window after it settled");
    }
    return out;
}

UsageFindings assess_usage(const std::vector<Usage>& readings, long rss_slack_kib) {
    std::map<int, std::pair<Usage, Usage>> by_pid;  // first, last
    for (const auto& u : readings) {
        auto [it, fresh] = by_pid.try_emplace(u.pid, u, u);
        if (!fresh) {
            if (u.at < it->second.first.at) it->second.first = u;
            if (u.at > it->second.second.at) it->second.second = u;
        }
    }
    UsageFindings out;
    for (const auto& [pid, span] : by_pid) {
        const auto& [first, last] = span;
        if (first.at == last.at) continue;
        ++out.daemons_compared;
        char line[160];
        std::snprintf(line, sizeof line, "node%zu pid %d: %zu -> %zu fds, %ld -> %ld KiB resident over %.0f s",
                      first.node, pid, first.fds, last.fds, first.rss_kib, last.rss_kib,
                      duration<double>(last.at - first.at).count());
        out.lines.emplace_back(line);
        if (last.fds != first.fds) out.violations.push_back(std::string(line) + ": descriptors changed");
        if (last.rss_kib > first.rss_kib + rss_slack_kib) {
            out.violations.push_back(std::string(line) + ": memory grew by more than " + std::to_string(rss_slack_kib) +
                                     " KiB");
        }
    }
    return out;
}

}  // namespace xvip::soak
