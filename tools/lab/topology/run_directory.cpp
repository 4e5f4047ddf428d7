#include "topology/run_directory.hpp"

#include <cstdio>

#include "topology/bpf_mount.hpp"

namespace xvip::topo {

RunDirectory::RunDirectory(std::filesystem::path path) : path_(std::move(path)) {
    if (!std::filesystem::create_directories(path_)) {
        throw std::runtime_error("run directory " + path_.string() + " already exists");
    }
}

RunDirectory::~RunDirectory() {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(path_, error)) {
        // Never recurse into a bpffs that is still mounted: that would unpin a live data plane.
        if (is_bpffs(entry.path())) {
            std::fprintf(stderr, "xvip topology: %s is still a mounted bpffs; leaving %s\n", entry.path().c_str(),
                         path_.c_str());
            return;
        }
    }
    std::filesystem::remove_all(path_, error);
    if (error) {
        std::fprintf(stderr, "xvip topology: removing %s: %s\n", path_.c_str(), error.message().c_str());
    }
}

}  // namespace xvip::topo
