// The client's view of a failover: ICMP echo requests to the VIP at a fixed rate, every reply
// timed, and the longest silence reported with sub-millisecond resolution. Bounded in count and
// time by construction; run it on a thread that has entered the client's network namespace.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "common/monotonic_clock.hpp"

namespace xvip::probe {

struct EchoProbeOptions {
    IpAddress target;                              // IPv4 or IPv6
    std::chrono::microseconds interval{1000};      // one request per millisecond
    std::chrono::milliseconds duration{5000};      // then it stops, whatever happens
    std::chrono::milliseconds reply_timeout{200};  // a reply later than this counts as lost
    const std::atomic<bool>* stop = nullptr;       // set: stop early (the caller gave up)
};

struct EchoReply {
    std::uint32_t sequence = 0;
    std::chrono::nanoseconds sent{0};      // since the probe started
    std::chrono::nanoseconds received{0};  // since the probe started
};

struct EchoProbeResult {
    std::uint32_t sent = 0;
    std::vector<EchoReply> replies;  // in arrival order
    TimePoint started_at{};          // when the first request left

    std::uint32_t lost() const;
    // The longest time without a reply: between two consecutive replies, or from the start to the
    // first and from the last to the end, if those are longer. Zero if every request was answered
    // at the rate it was sent.
    std::chrono::nanoseconds longest_gap() const;
    // The time without a reply around `moment` (a takeover): from the last reply at or before it
    // (or the start) to the first after it (or the end). What a fault cost, without the pauses of
    // a loaded host elsewhere in the run.
    std::chrono::nanoseconds gap_around(TimePoint moment) const;
    // Requests sent whose replies never came (or came after the timeout).
    std::vector<std::uint32_t> lost_sequences() const;
    std::vector<std::chrono::nanoseconds> sent_at;  // each request's departure, since the start
    std::chrono::nanoseconds duration{0};           // from the first request to the last
    // "sent 5000, lost 3, longest gap 3.412ms", and when the first lost requests left:
    // "(lost #812 sent at 812.034ms, ...)", so that a loss can be placed against the fault.
    std::string summary() const;
};

// Sends and receives until duration has passed. Throws std::system_error if the socket cannot
// be opened (needs CAP_NET_RAW).
EchoProbeResult run_echo_probe(const EchoProbeOptions& options);

}  // namespace xvip::probe
