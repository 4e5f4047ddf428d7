#include "xvipd/neighbour_watch.hpp"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>
#include <utility>

#include "system/rtnetlink_messages.hpp"
#include "system/rtnetlink_queries.hpp"

namespace xvip {

namespace {

// No entry, or one the kernel gave up on: nothing resolves it unless asked.
bool needs_resolution(std::uint16_t state) {
    return state == NUD_NONE || state == NUD_FAILED;
}

// How long after the n-th consecutive resolution without a MAC the next may be asked for.
Duration retry_delay(int attempts_without_mac) {
    if (attempts_without_mac <= 0) return Duration::zero();
    const int doublings = std::min(attempts_without_mac - 1, 16);
    return std::min<Duration>(NeighbourWatch::first_retry * (1 << doublings), NeighbourWatch::longest_retry);
}

}  // namespace

NeighbourWatch::NeighbourWatch(EventLoop& loop, int ifindex, OnChange on_change, LogSink log)
    : loop_(loop),
      ifindex_(ifindex),
      on_change_(std::move(on_change)),
      log_(std::move(log)),
      notifications_(RTMGRP_NEIGH),
      requests_() {
    loop_.watch(notifications_.fd(), [this] { read_notifications(); });
    refresh_timer_ = loop_.schedule(loop_.now() + refresh_interval, [this] { refresh(); });
}

NeighbourWatch::~NeighbourWatch() {
    loop_.unwatch(notifications_.fd());
    loop_.cancel(refresh_timer_);
    for (const auto& [address, neighbour] : neighbours_) {
        if (neighbour.retry) loop_.cancel(*neighbour.retry);
    }
}

void NeighbourWatch::watch(std::span<const IpAddress> addresses) {
    for (const auto& address : addresses) {
        if (!address.is_v4()) throw std::invalid_argument("the neighbour watch is for IPv4: " + address.to_string());
    }
    const std::set<IpAddress> wanted(addresses.begin(), addresses.end());
    for (auto it = neighbours_.begin(); it != neighbours_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        if (it->second.retry) loop_.cancel(*it->second.retry);
        it = neighbours_.erase(it);
    }
    bool added = false;
    for (const auto& address : wanted) {
        added |= neighbours_.try_emplace(address, Neighbour{.changed = loop_.now()}).second;
    }
    if (!added) return;
    // Subscribed since construction, read now: a change in between is both in the dump and
    // queued, and applying it again later reports nothing new.
    std::vector<Report> reports;
    if (const int error = resync(reports); error != 0) {
        log_line(log_, "neighbour watch: reading the neighbours of interface index " + std::to_string(ifindex_) +
                           " (RTM_GETNEIGH): " + std::strerror(error) + "; retrying every " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(refresh_interval).count()) +
                           " s");
    }
    deliver(reports);
}

std::optional<MacAddress> NeighbourWatch::mac(const IpAddress& address) const {
    const auto it = neighbours_.find(address);
    if (it == neighbours_.end()) return std::nullopt;
    return it->second.mac;
}

nlohmann::json NeighbourWatch::status() const {
    const TimePoint now = loop_.now();
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [address, neighbour] : neighbours_) {
        j[address.to_string()] = {
            {"mac", neighbour.mac ? nlohmann::json(format_mac(*neighbour.mac)) : nlohmann::json()},
            {"state", neighbour_state_name(neighbour.state)},
            {"changed_ms_ago", std::chrono::duration_cast<std::chrono::milliseconds>(now - neighbour.changed).count()},
            {"resolutions", neighbour.resolutions},
        };
    }
    return j;
}

void NeighbourWatch::read_notifications() {
    std::vector<Report> reports;
    const int error = notifications_.read_notifications([&](const nlmsghdr& message) {
        const auto parsed = parse_neighbour_message(message);
        if (!parsed || parsed->index != ifindex_ || !parsed->address.is_v4() || parsed->proxy) return;
        const auto it = neighbours_.find(parsed->address);
        if (it == neighbours_.end()) return;
        if (parsed->deleted) {
            apply(it->first, it->second, NUD_NONE, std::nullopt, reports);
        } else {
            apply(it->first, it->second, parsed->state, parsed->mac, reports);
        }
    });
    if (error == ENOBUFS) {
        // Notifications were lost: what is true now is in a fresh dump. Drain what is queued
        // first, so that stale messages do not undo the dump afterwards.
        (void)notifications_.read_notifications([](const nlmsghdr&) {});
        if (const int resync_error = resync(reports); resync_error != 0) {
            log_line(log_, "neighbour watch: re-reading the neighbours after lost notifications (RTM_GETNEIGH): " +
                               std::string(std::strerror(resync_error)));
        }
    } else if (error != 0) {
        log_line(log_, "neighbour watch: reading neighbour notifications: " + std::string(std::strerror(error)));
    }
    deliver(reports);
}

void NeighbourWatch::refresh() {
    refresh_timer_ = loop_.schedule(loop_.now() + refresh_interval, [this] { refresh(); });
    if (neighbours_.empty()) return;
    std::vector<Report> reports;
    if (const int error = resync(reports); error != 0) {
        log_line(log_, "neighbour watch: reading the neighbours of interface index " + std::to_string(ifindex_) +
                           " (RTM_GETNEIGH): " + std::strerror(error));
    }
    // Re-verify what the kernel holds but has not confirmed lately: a backend whose MAC changed
    // is found out by the unanswered unicast probes that follow.
    for (auto& [address, neighbour] : neighbours_) {
        if (neighbour.state == NUD_STALE) resolve(address, neighbour);
    }
    deliver(reports);
}

int NeighbourWatch::resync(std::vector<Report>& reports) {
    std::vector<NeighbourMessage> table;
    if (const int error = dump_ipv4_neighbours(requests_, ifindex_, table); error != 0) return error;
    for (auto& [address, neighbour] : neighbours_) {
        const auto it = std::ranges::find(table, address, &NeighbourMessage::address);
        if (it == table.end()) {
            apply(address, neighbour, NUD_NONE, std::nullopt, reports);
        } else {
            apply(address, neighbour, it->state, it->mac, reports);
        }
    }
    return 0;
}

void NeighbourWatch::apply(const IpAddress& address, Neighbour& neighbour, std::uint16_t state,
                           const std::optional<MacAddress>& mac, std::vector<Report>& reports) {
    neighbour.state = state;
    const auto usable = usable_mac(state, mac);
    // A first verdict of none is the kernel giving up, not the absence of an entry not yet asked for.
    const bool first_failure = !neighbour.reported && state == NUD_FAILED;
    if (usable != neighbour.mac || first_failure) {
        neighbour.mac = usable;
        neighbour.reported = true;
        neighbour.changed = loop_.now();
        reports.push_back(Report{.address = address, .mac = usable});
    }
    if (usable) {
        neighbour.attempts_without_mac = 0;
        if (neighbour.retry) loop_.cancel(*std::exchange(neighbour.retry, std::nullopt));
    } else if (needs_resolution(state)) {
        schedule_retry(address, neighbour);
    }
}

void NeighbourWatch::schedule_retry(const IpAddress& address, Neighbour& neighbour) {
    if (neighbour.retry) return;
    const TimePoint now = loop_.now();
    const TimePoint when = neighbour.last_resolution
                               ? std::max(now, *neighbour.last_resolution + retry_delay(neighbour.attempts_without_mac))
                               : now;
    neighbour.retry = loop_.schedule(when, [this, address] {
        const auto it = neighbours_.find(address);
        if (it == neighbours_.end()) return;
        Neighbour& retried = it->second;
        retried.retry.reset();
        // The kernel may have resolved it meanwhile (the health checks' traffic), or be at it.
        if (!needs_resolution(retried.state)) return;
        ++retried.attempts_without_mac;
        resolve(address, retried);
    });
}

void NeighbourWatch::resolve(const IpAddress& address, Neighbour& neighbour) {
    ++neighbour.resolutions;
    neighbour.last_resolution = loop_.now();
    if (const int error = use_neighbour(requests_, ifindex_, address); error != 0) {
        log_line(log_, "neighbour watch: asking the kernel to resolve " + address.to_string() + " on interface index " +
                           std::to_string(ifindex_) + " (RTM_NEWNEIGH NTF_USE): " + std::strerror(error));
        // Nothing is under way: the next try waits out the back-off, which this attempt lengthened.
        if (needs_resolution(neighbour.state)) schedule_retry(address, neighbour);
    }
}

void NeighbourWatch::deliver(const std::vector<Report>& reports) {
    for (const auto& report : reports) {
        if (neighbours_.contains(report.address) && on_change_) on_change_(report.address, report.mac);
    }
}

}  // namespace xvip
