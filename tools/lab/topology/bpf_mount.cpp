#include "topology/bpf_mount.hpp"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>

#include "topology/errors.hpp"

namespace xvip::topo {

bool is_bpffs(const std::filesystem::path& path) {
    struct statfs info {};
    return statfs(path.c_str(), &info) == 0 && info.f_type == BPF_FS_MAGIC;
}

BpfMount::BpfMount(std::filesystem::path mount_point) : path_(std::move(mount_point)) {
    std::filesystem::create_directories(path_);
    if (mount("bpf", path_.c_str(), "bpf", 0, nullptr) != 0) {
        throw SystemError("mount -t bpf bpf " + path_.string(), errno);
    }
    if (!is_bpffs(path_)) {
        umount2(path_.c_str(), MNT_DETACH);
        throw std::runtime_error("mounted a bpffs at " + path_.string() +
                                 " but statfs does not report BPF_FS_MAGIC there");
    }
}

BpfMount::~BpfMount() {
    // A lazy unmount still takes the pins away from everyone who can see them; it only waits for
    // open descriptors, which hold their maps and links by themselves.
    if (umount2(path_.c_str(), 0) != 0 && umount2(path_.c_str(), MNT_DETACH) != 0) {
        std::perror(("xvip topology: umount " + path_.string()).c_str());
        return;
    }
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

}  // namespace xvip::topo
