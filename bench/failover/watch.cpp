#include "bench/failover/watch.hpp"

#include <bpf/bpf.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <system_error>

namespace xvip::bench_failover {

namespace fs = std::filesystem;
using namespace std::chrono;

LogStamper::LogStamper() : inotify_fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (inotify_fd_ < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
    thread_ = std::jthread([this](std::stop_token token) { run(token); });
}

LogStamper::~LogStamper() {
    stop();
    close(inotify_fd_);
}

void LogStamper::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

void LogStamper::add(std::size_t node, const fs::path& path) {
    const int wd = inotify_add_watch(inotify_fd_, path.c_str(), IN_MODIFY);
    if (wd < 0) throw std::system_error(errno, std::generic_category(), "inotify_add_watch " + path.string());
    std::lock_guard lock(mutex_);
    files_.push_back({node, path, wd, 0, {}});
    read_new(files_.back());
}

std::vector<StampedLine> LogStamper::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

std::optional<StampedLine> LogStamper::first(std::size_t node, const std::string& needle, TimePoint after) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
        if (line.node == node && line.at >= after && line.text.find(needle) != std::string::npos) return line;
    }
    return std::nullopt;
}

void LogStamper::read_new(File& file) {
    const auto at = monotonic_now();
    std::ifstream in(file.path, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(file.offset));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    file.offset += chunk.size();
    file.partial += chunk;
    std::size_t newline;
    while ((newline = file.partial.find('\n')) != std::string::npos) {
        lines_.push_back({at, file.node, file.partial.substr(0, newline)});
        file.partial.erase(0, newline + 1);
    }
}

void LogStamper::run(std::stop_token token) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    alignas(inotify_event) std::array<char, 4096> buffer{};
    while (!token.stop_requested()) {
        pollfd p{inotify_fd_, POLLIN, 0};
        const int ready = poll(&p, 1, 5);
        std::lock_guard lock(mutex_);
        if (ready > 0) {
            const auto n = read(inotify_fd_, buffer.data(), buffer.size());
            for (ssize_t offset = 0; n > 0 && offset < n;) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
                for (auto& file : files_) {
                    if (file.wd == event->wd) read_new(file);
                }
                offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            }
        } else {
            for (auto& file : files_) read_new(file);  // nothing missed, whatever inotify did
        }
    }
    std::lock_guard lock(mutex_);
    for (auto& file : files_) read_new(file);
}

StatePoller::StatePoller(std::vector<fs::path> pins, std::uint32_t state_index)
    : pins_(std::move(pins)), state_index_(state_index), lease_clock_(LeaseClock::system()), roles_(pins_.size()) {
    thread_ = std::jthread([this](std::stop_token token) { run(token); });
}

StatePoller::~StatePoller() {
    stop();
}

void StatePoller::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

std::optional<XdpRole> StatePoller::role(std::size_t node) const {
    std::lock_guard lock(mutex_);
    return roles_.at(node);
}

std::vector<RoleChange> StatePoller::changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
}

void StatePoller::run(std::stop_token token) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    std::vector<int> fds(pins_.size(), -1);
    std::vector<bool> seen(pins_.size(), false);
    unsigned tick = 0;
    while (!token.stop_requested()) {
        const bool recheck = tick++ % 200 == 0;  // every ~10 ms: pins that appeared or went away
        for (std::size_t i = 0; i < pins_.size(); ++i) {
            if (recheck) {
                std::error_code ec;
                const bool pinned = fs::exists(pins_[i], ec);
                if (!pinned && fds[i] >= 0) {
                    close(fds[i]);
                    fds[i] = -1;
                }
                if (pinned && fds[i] < 0) fds[i] = bpf_obj_get(pins_[i].c_str());
            }
            std::optional<XdpRole> role;
            std::uint64_t raw = 0;
            const auto now = monotonic_now();
            if (fds[i] >= 0 && bpf_map_lookup_elem(fds[i], &state_index_, &raw) == 0) {
                role = StateWord::decode(raw, lease_clock_).effective_role(now);
            }
            std::lock_guard lock(mutex_);
            if (seen[i] && roles_[i] == role) continue;
            seen[i] = true;
            roles_[i] = role;
            changes_.push_back({now, i, role});
        }
        std::this_thread::sleep_for(50us);
    }
    for (int fd : fds) {
        if (fd >= 0) close(fd);
    }
}

}  // namespace xvip::bench_failover
