// xvip-probe: the lab's client probe as a command, for labs that are not built from this code's
// topology (tools/vmlab runs it in the client namespace of its QEMU guests' bridge):
//
//   xvip-probe --target IP [--duration 10s] [--interval 1ms] [--reply-timeout 200ms]
//
// Sends ICMP echo requests to IP at the interval for the duration and prints one line:
//   sent=N lost=N longest_gap_us=N gap_from_ms=N first_lost_ms=N last_lost_ms=N rtt_median_us=N
//   lost_runs=AT_MS+COUNT,...
// (times in ms since the first request, when the request was sent; -1 when nothing was lost;
// rtt_median_us is the median round trip of the replies that came, -1 when none did;
// lost_runs lists each run of consecutive lost requests, the first 50), then the summary for
// people.
// Exit status 0 when it ran (whatever it lost), 2 for bad usage, 1 when the socket cannot be opened.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "probe/echo_probe.hpp"

using namespace std::chrono;

namespace {

int usage(const char* message) {
    if (message != nullptr) std::fprintf(stderr, "xvip-probe: %s\n", message);
    std::fprintf(message != nullptr ? stderr : stdout,
                 "usage: xvip-probe --target IP [--duration 10s] [--interval 1ms] [--reply-timeout 200ms]\n");
    return message != nullptr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    xvip::probe::EchoProbeOptions options;
    std::optional<xvip::IpAddress> target;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") return usage(nullptr);
        if (i + 1 >= argc) return usage(("option " + std::string(arg) + " needs a value").c_str());
        const std::string_view value = argv[++i];
        if (arg == "--target") {
            target = xvip::IpAddress::parse(value);
            if (!target) return usage(("--target: not an IP address: " + std::string(value)).c_str());
            continue;
        }
        const auto d = xvip::parse_duration(value);
        if (!d || d->count() <= 0)
            return usage(("option " + std::string(arg) + ": not a duration: " + std::string(value)).c_str());
        if (arg == "--duration") {
            options.duration = duration_cast<milliseconds>(*d);
        } else if (arg == "--interval") {
            options.interval = duration_cast<microseconds>(*d);
        } else if (arg == "--reply-timeout") {
            options.reply_timeout = duration_cast<milliseconds>(*d);
        } else {
            return usage(("unknown option " + std::string(arg)).c_str());
        }
    }
    if (!target) return usage("--target is required");
    options.target = *target;
    try {
        const auto result = xvip::probe::run_echo_probe(options);
        const auto lost = result.lost_sequences();
        // Where the longest silence starts: after the reply that precedes it (or at the start).
        nanoseconds gap_from{0};
        const nanoseconds longest = result.longest_gap();
        for (std::size_t i = 1; i < result.replies.size(); ++i) {
            if (result.replies[i].received - result.replies[i - 1].received == longest) {
                gap_from = result.replies[i - 1].received;
                break;
            }
        }
        if (!result.replies.empty() && result.duration - result.replies.back().received == longest &&
            gap_from == nanoseconds{0} && result.replies.front().received != longest)
            gap_from = result.replies.back().received;
        const auto sent_at_ms = [&options](std::uint32_t seq) {
            return static_cast<long long>(duration_cast<milliseconds>(options.interval * seq).count());
        };
        // The median round trip of the replies that came (-1 when none did).
        std::vector<nanoseconds> rtts;
        for (const auto& reply : result.replies) rtts.push_back(reply.received - reply.sent);
        long long rtt_median_us = -1;
        if (!rtts.empty()) {
            const auto middle = rtts.begin() + static_cast<std::ptrdiff_t>(rtts.size() / 2);
            std::nth_element(rtts.begin(), middle, rtts.end());
            rtt_median_us = duration_cast<microseconds>(*middle).count();
        }
        std::printf(
            "sent=%u lost=%u longest_gap_us=%lld gap_from_ms=%lld first_lost_ms=%lld last_lost_ms=%lld "
            "rtt_median_us=%lld\n",
            result.sent, result.lost(), static_cast<long long>(duration_cast<microseconds>(longest).count()),
            static_cast<long long>(duration_cast<milliseconds>(gap_from).count()),
            lost.empty() ? -1LL : sent_at_ms(lost.front()), lost.empty() ? -1LL : sent_at_ms(lost.back()),
            rtt_median_us);
        std::string runs;
        std::size_t listed = 0;
        for (std::size_t i = 0; i < lost.size() && listed < 50;) {
            std::size_t j = i + 1;
            while (j < lost.size() && lost[j] == lost[j - 1] + 1) ++j;
            runs += (runs.empty() ? "" : ",") + std::to_string(sent_at_ms(lost[i])) + "+" + std::to_string(j - i);
            ++listed;
            i = j;
        }
        std::printf("lost_runs=%s\n", runs.c_str());
        std::printf("%s\n", result.summary().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvip-probe: %s\n", e.what());
        return 1;
    }
}
