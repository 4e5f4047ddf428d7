#include "xvipd/service_manager.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "common/monotonic_clock.hpp"

namespace xvip {

ServiceManager::ServiceManager(EventLoop& loop) : loop_(loop) {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_interval_ = std::chrono::microseconds(usec);
}

void ServiceManager::ready(const std::string& status) {
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceManager::reloading() {
    // MONOTONIC_USEC lets newer systemd (Type=notify-reload) match the reload; older ones ignore it.
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(to_ns(monotonic_now()) / 1000));
}

void ServiceManager::stopping(const std::string& status) {
    sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status.c_str());
}

void ServiceManager::status(const std::string& status) {
    sd_notifyf(0, "STATUS=%s", status.c_str());
}

void ServiceManager::start_watchdog() {
    if (!watchdog_interval_) return;
    spdlog::info("systemd watchdog: keep-alive every {} ms",
                 std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_interval_ / 2).count());
    keep_alive();
}

void ServiceManager::keep_alive() {
    sd_notify(0, "WATCHDOG=1");
    loop_.schedule(loop_.now() + *watchdog_interval_ / 2, [this] { keep_alive(); });
}

}  // namespace xvip
