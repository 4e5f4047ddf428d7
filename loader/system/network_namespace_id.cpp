#include "system/network_namespace_id.hpp"

#include <sys/stat.h>

#include "system/system_error.hpp"

namespace xvip {

std::string NetworkNamespaceId::to_string() const {
    return "net:[" + std::to_string(inode) + "]";
}

NetworkNamespaceId current_network_namespace() {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) != 0) {
        throw_errno("stat /proc/thread-self/ns/net to identify the network namespace");
    }
    return {.device = static_cast<std::uint64_t>(st.st_dev), .inode = static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace xvip
