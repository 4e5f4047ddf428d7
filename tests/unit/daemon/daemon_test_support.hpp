// Shared by the daemon tests: private temporary directories, scripts written into them, and a
// bounded way to run the event loop until something has happened.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

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
