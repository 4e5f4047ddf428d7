#pragma once

#include <filesystem>

namespace xvip::topo {

// A bpffs mounted from the test process's own (root) mount namespace. Processes started with
// `ip netns exec` get a private copy of the mount table with /sys remounted, so a bpffs under
// /sys/fs/bpf would be hidden from them, and one they mounted themselves would vanish with them;
// this one is visible to all of them and outlives them. Unmounted and removed on destruction.
class BpfMount {
public:
    explicit BpfMount(std::filesystem::path mount_point);
    ~BpfMount();
    BpfMount(const BpfMount&) = delete;
    BpfMount& operator=(const BpfMount&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

bool is_bpffs(const std::filesystem::path& path);

}  // namespace xvip::topo
