#include "probe/echo_probe.hpp"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

#include "common/duration.hpp"
#include "common/unique_fd.hpp"
#include "probe/receive_time.hpp"

namespace xvip::probe {

namespace {

using namespace std::chrono;

std::uint16_t checksum(const std::uint8_t* data, std::size_t len) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (len % 2) sum += static_cast<std::uint32_t>(data[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

}  // namespace

EchoProbeResult run_echo_probe(const EchoProbeOptions& options) {
    const bool v4 = options.target.is_v4();
    UniqueFd fd(socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       v4 ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6}));
    if (!fd) throw std::system_error(errno, std::generic_category(), "echo probe socket");
    stamp_receptions(fd.get());  // a reply's arrival is the kernel's, however late the probe reads it
    if (!v4) {
        // Only echo replies; the kernel fills in the ICMPv6 checksum (RFC 3542 §3.1).
        icmp6_filter filter{};
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
    sockaddr_storage to{};
    socklen_t to_len = 0;
    if (v4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&to);
        sin->sin_family = AF_INET;
        std::memcpy(&sin->sin_addr, options.target.bytes().data(), 4);
        to_len = sizeof(sockaddr_in);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&to);
        sin6->sin6_family = AF_INET6;
        std::memcpy(&sin6->sin6_addr, options.target.bytes().data(), 16);
        to_len = sizeof(sockaddr_in6);
    }
    const auto identifier = static_cast<std::uint16_t>(getpid() ^ 0x5856);  // "XV"

    EchoProbeResult result;
    std::map<std::uint32_t, nanoseconds> in_flight;
    const TimePoint start = monotonic_now();
    result.started_at = start;
    const TimePoint end = start + options.duration;
    // The last requests get time to be answered before the probe stops listening.
    const TimePoint send_end = end - std::min<nanoseconds>(options.reply_timeout, milliseconds(20));
    TimePoint next_send = start;
    std::array<std::uint8_t, 1500> buffer{};

    // Everything queued on the socket. A reply counts by the kernel's arrival stamp, so a probe
    // thread that was not scheduled for a while still counts what arrived meanwhile.
    const auto read_replies = [&] {
        while (true) {
            const auto received = receive_stamped(fd.get(), buffer);
            const ssize_t n = received.length;
            if (n <= 0) break;
            const nanoseconds at = received.at - start;
            if (received.at > end) continue;  // after the probe stopped listening
            std::size_t offset = 0;
            if (v4) offset = static_cast<std::size_t>(buffer[0] & 0x0f) * 4;  // raw IPv4 includes the header
            if (static_cast<std::size_t>(n) < offset + 8) continue;
            const std::uint8_t* icmp = buffer.data() + offset;
            if (icmp[0] != (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY)) continue;
            if ((icmp[4] << 8 | icmp[5]) != identifier) continue;
            const std::uint16_t seq16 = static_cast<std::uint16_t>(icmp[6] << 8 | icmp[7]);
            // Map the 16-bit sequence back onto the request it answers (the latest one with it).
            for (auto it = in_flight.rbegin(); it != in_flight.rend(); ++it) {
                if (static_cast<std::uint16_t>(it->first) != seq16) continue;
                if (at - it->second <= options.reply_timeout) {
                    result.replies.push_back({it->first, it->second, at});
                }
                in_flight.erase(std::next(it).base());
                break;
            }
        }
    };

    while (true) {
        const TimePoint now = monotonic_now();
        if (now >= end || (options.stop && options.stop->load())) break;
        if (now >= next_send && now < send_end) {
            std::array<std::uint8_t, 16> request{};
            request[0] = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
            request[4] = static_cast<std::uint8_t>(identifier >> 8);
            request[5] = static_cast<std::uint8_t>(identifier);
            const std::uint16_t seq = static_cast<std::uint16_t>(result.sent);
            request[6] = static_cast<std::uint8_t>(seq >> 8);
            request[7] = static_cast<std::uint8_t>(seq);
            if (v4) {
                const auto sum = checksum(request.data(), request.size());
                request[2] = static_cast<std::uint8_t>(sum >> 8);
                request[3] = static_cast<std::uint8_t>(sum);
            }
            // A full socket buffer or an unresolved neighbour is a lost request, as for a client.
            (void)sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), to_len);
            in_flight[result.sent] = now - start;
            result.sent_at.push_back(now - start);
            ++result.sent;
            next_send += options.interval;
            continue;
        }
        pollfd p{fd.get(), POLLIN, 0};
        const auto wake = now < send_end ? std::min(next_send, end) : end;
        const auto wait = std::max(nanoseconds(0), wake - now);
        const timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                               static_cast<long>(wait.count() % 1'000'000'000)};
        ppoll(&p, 1, &timeout, nullptr);
        read_replies();
    }
    // What arrived before the end while this thread was not running (a loaded host) still counts.
    read_replies();
    result.duration = std::min(monotonic_now(), send_end) - start;
    return result;
}

std::uint32_t EchoProbeResult::lost() const {
    return sent - static_cast<std::uint32_t>(replies.size());
}

std::chrono::nanoseconds EchoProbeResult::longest_gap() const {
    if (replies.empty()) return duration;
    nanoseconds longest = replies.front().received;
    for (std::size_t i = 1; i < replies.size(); ++i) {
        longest = std::max(longest, replies[i].received - replies[i - 1].received);
    }
    return std::max(longest, duration - replies.back().received);
}

std::chrono::nanoseconds EchoProbeResult::gap_around(TimePoint moment) const {
    const auto at = moment - started_at;
    nanoseconds before{0};
    for (const auto& r : replies) {
        if (r.received <= at) {
            before = std::max(before, r.received);
        } else {
            return r.received - before;  // replies are in arrival order
        }
    }
    return duration - before;
}

std::vector<std::uint32_t> EchoProbeResult::lost_sequences() const {
    std::vector<bool> answered(sent, false);
    for (const auto& r : replies) answered[r.sequence] = true;
    std::vector<std::uint32_t> lost_ones;
    for (std::uint32_t i = 0; i < sent; ++i) {
        if (!answered[i]) lost_ones.push_back(i);
    }
    return lost_ones;
}

std::string EchoProbeResult::summary() const {
    std::string text = "sent " + std::to_string(sent) + ", lost " + std::to_string(lost()) + ", longest gap " +
                       format_duration(longest_gap());
    constexpr std::size_t named = 5;
    const auto lost_ones = lost_sequences();
    for (std::size_t i = 0; i < std::min(named, lost_ones.size()); ++i) {
        text += (i == 0 ? " (lost #" : ", #") + std::to_string(lost_ones[i]) + " sent at " +
                format_duration(sent_at.at(lost_ones[i]));
    }
    if (lost_ones.size() > named) text += ", ...";
    if (!lost_ones.empty()) text += ")";
    return text;
}

}  // namespace xvip::probe
