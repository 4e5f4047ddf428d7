#pragma once

#include <filesystem>

namespace xvip::topo {

// The directory of one run (/run/xvip-test/<run id>): the bpffs mount point and the logs of the
// processes it started. Removed with everything in it on destruction.
class RunDirectory {
public:
    explicit RunDirectory(std::filesystem::path path);
    ~RunDirectory();
    RunDirectory(const RunDirectory&) = delete;
    RunDirectory& operator=(const RunDirectory&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace xvip::topo
