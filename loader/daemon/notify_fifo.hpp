// keepalived's notify_fifo: one line per event, `INSTANCE "VI_1" MASTER 150` (type, quoted name,
// state, effective priority; a sync group is `GROUP "name" STATE 0`). Opened O_RDWR|O_NONBLOCK so
// that opening never waits for a reader and a missing or stalled reader can neither block nor
// SIGPIPE the daemon: the kernel buffers lines while there is room (64 KiB by default), and a line
// that does not fit is dropped and counted, with a warning on the first drop of each run of drops.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"
#include "daemon/log_sink.hpp"

namespace xvip {

// keepalived's words: MASTER BACKUP FAULT STOP, plus the priority-change events.
enum class NotifyState { master, backup, fault, stop };
std::string_view keepalived_word(NotifyState state);

// `INSTANCE "name" MASTER 150\n`
std::string fifo_instance_line(std::string_view instance, NotifyState state, int priority);
// `GROUP "name" MASTER 0\n`
std::string fifo_group_line(std::string_view group, NotifyState state);
// `INSTANCE "name" MASTER_PRIORITY 140\n` / `BACKUP_PRIORITY` (keepalived notify_priority_changes)
std::string fifo_priority_line(std::string_view instance, bool master, int priority);

class NotifyFifo {
public:
    // Creates the FIFO (mode 0600) if the path does not exist. Throws std::runtime_error, naming
    // the path, if it exists and is not a FIFO or cannot be opened: a start-up error.
    NotifyFifo(std::string path, LogSink log = {});

    // Writes one whole line or nothing. False when it was dropped.
    bool write_line(std::string_view line);

    const std::string& path() const { return path_; }
    std::uint64_t written() const { return written_; }
    std::uint64_t dropped() const { return dropped_; }

private:
    std::string path_;
    LogSink log_;
    UniqueFd fd_;
    std::uint64_t written_ = 0;
    std::uint64_t dropped_ = 0;
    bool dropping_ = false;
};

}  // namespace xvip
