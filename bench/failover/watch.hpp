// What the failover benchmark watches during one run, each on a thread of its own:
//  - LogStamper: the daemons' log files, woken by inotify, every complete line stamped with
//    CLOCK_MONOTONIC as it arrives (keepalived's console log has 1 s timestamps and xvipd's 1 ms;
//    the stamp is the moment the line reached the file, a few microseconds after the write).
//  - StatePoller: each xvipd node's pinned state word, read every 50 us: who is active, and when
//    the poller first saw a new word (the decision itself comes from xvipd's status).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/monotonic_clock.hpp"
#include "dataplane/state_word.hpp"

namespace xvip::bench_failover {

struct StampedLine {
    TimePoint at{};  // when the line was read
    std::size_t node = 0;
    std::string text;
};

class LogStamper {
public:
    LogStamper();
    ~LogStamper();
    LogStamper(const LogStamper&) = delete;
    LogStamper& operator=(const LogStamper&) = delete;

    // Follows `path` (node `node`'s daemon log) from its start.
    void add(std::size_t node, const std::filesystem::path& path);
    // Every line read so far, in arrival order.
    std::vector<StampedLine> lines() const;
    // The first line of `node` at or after `after` containing `needle`.
    std::optional<StampedLine> first(std::size_t node, const std::string& needle, TimePoint after) const;
    void stop();

private:
    struct File {
        std::size_t node;
        std::filesystem::path path;
        int wd;
        std::uintmax_t offset;
        std::string partial;
    };
    void run(std::stop_token token);
    void read_new(File& file);

    int inotify_fd_ = -1;
    mutable std::mutex mutex_;
    std::vector<File> files_;
    std::vector<StampedLine> lines_;
    std::jthread thread_;
};

struct RoleChange {
    TimePoint at{};  // when the poller saw it
    std::size_t node = 0;
    std::optional<XdpRole> role;  // nullopt: nothing pinned
};

class StatePoller {
public:
    // `pins[i]`: node i's pinned state map; `state_index`: the instance's index in it.
    StatePoller(std::vector<std::filesystem::path> pins, std::uint32_t state_index);
    ~StatePoller();
    StatePoller(const StatePoller&) = delete;
    StatePoller& operator=(const StatePoller&) = delete;

    std::optional<XdpRole> role(std::size_t node) const;
    std::vector<RoleChange> changes() const;
    void stop();

private:
    void run(std::stop_token token);

    std::vector<std::filesystem::path> pins_;
    std::uint32_t state_index_;
    LeaseClock lease_clock_;  // to read the state words' deadlines
    mutable std::mutex mutex_;
    std::vector<std::optional<XdpRole>> roles_;
    std::vector<RoleChange> changes_;
    std::jthread thread_;
};

}  // namespace xvip::bench_failover
