#include "topology/namespace_thread.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>

#include "common/unique_fd.hpp"

namespace xvip::topo {

void enter_netns(const std::string& netns) {
    const std::string path = "/run/netns/" + netns;
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw SystemError("open " + path, errno);
    if (setns(fd.get(), CLONE_NEWNET) != 0) throw SystemError("setns into " + path, errno);
}

}  // namespace xvip::topo
