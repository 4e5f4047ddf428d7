// What xvipd tells its service manager (systemd, Type=notify): ready, reloading, stopping, a
// one-line status, and the watchdog's keep-alive. Every call is a no-op when xvipd does not run
// under a manager that listens (no NOTIFY_SOCKET).
#pragma once

#include <optional>
#include <string>

#include "daemon/event_loop.hpp"

namespace xvip {

class ServiceManager {
public:
    explicit ServiceManager(EventLoop& loop);

    void ready(const std::string& status);
    void reloading();
    void stopping(const std::string& status);
    void status(const std::string& status);

    // With WatchdogSec= set, sends WATCHDOG=1 from the event loop at half the interval: if the
    // loop stalls, the keep-alives stop and systemd acts.
    void start_watchdog();

private:
    void keep_alive();

    EventLoop& loop_;
    std::optional<Duration> watchdog_interval_;
};

}  // namespace xvip
