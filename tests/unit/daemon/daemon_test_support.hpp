// Shared by the daemon tests: private temporary directories, scripts written into them, and a
// bounded way to run the event loop until something has happened, and descriptor exhaustion.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"

namespace xvip::test {

// A 0700 directory under /tmp (root-owned and sticky, which script security accepts), removed at
// the end.
class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/xvip-daemon-test-XXXXXX";
        const char* made = ::mkdtemp(name);
        path_ = made != nullptr ? made : "";
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline std::string write_script(const std::string& path, const std::string& body, mode_t mode = 0700) {
    {
        std::ofstream out(path);
        out << "#!/bin/sh\n" << body << "\n";
    }
    ::chmod(path.c_str(), mode);
    return path;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Every descriptor of this process taken (RLIMIT_NOFILE lowered to 256 and filled with copies of
// /dev/null) until released or destroyed: what a flood of connections does to the daemon.
class DescriptorExhaustion {
public:
    DescriptorExhaustion() {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit low = saved_;
        low.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);
        EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
        const int seed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        EXPECT_GE(seed, 0);
        if (seed >= 0) held_.push_back(seed);
        for (int fd = 0; seed >= 0 && (fd = ::fcntl(seed, F_DUPFD_CLOEXEC, 0)) >= 0;) held_.push_back(fd);
        EXPECT_EQ(errno, EMFILE);
    }
    ~DescriptorExhaustion() { release(); }
    void release() {
        for (const int fd : held_) ::close(fd);
        held_.clear();
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }

private:
    rlimit saved_{};
    std::vector<int> held_;
};

// Runs the loop until `done()` holds or `limit` passes; returns done().
inline bool run_until(EventLoop& loop, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    if (done()) return true;
    const auto deadline = Clock::now() + limit;
    std::function<void()> check;
    check = [&] {
        if (done() || Clock::now() >= deadline) {
            loop.stop();
            return;
        }
        loop.schedule(Clock::now() + std::chrono::milliseconds(1), check);
    };
    loop.schedule(Clock::now(), check);
    loop.run();
    return done();
}

// True when this process has no child left, reaped or not: no zombie of ours.
inline bool no_children_left() {
    siginfo_t info{};
    return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
}

}  // namespace xvip::test
