#include "xvipctl/link_holders.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace xvip::ctl {

namespace {

namespace fs = std::filesystem;

std::string first_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// The "link_id:" line of a BPF link's fdinfo (Linux 5.8 and later); 0 for any other fd.
std::uint32_t link_id_of(const fs::path& fdinfo) {
    std::ifstream in(fdinfo);
    for (std::string line; std::getline(in, line);) {
        constexpr std::string_view key = "link_id:";
        if (line.rfind(key, 0) != 0) continue;
        std::string_view value = std::string_view(line).substr(key.size());
        while (!value.empty() && (value.front() == '\t' || value.front() == ' ')) value.remove_prefix(1);
        std::uint32_t id = 0;
        std::from_chars(value.data(), value.data() + value.size(), id);
        return id;
    }
    return 0;
}

bool holds_link(const fs::path& process, std::uint32_t link_id) {
    std::error_code ec;
    for (fs::directory_iterator fd(process / "fd", ec), end; !ec && fd != end; fd.increment(ec)) {
        // Only BPF links have a link id; reading the target first spares the other fds' fdinfo.
        if (fs::read_symlink(fd->path(), ec).string() != "anon_inode:bpf_link" || ec) continue;
        if (link_id_of(process / "fdinfo" / fd->path().filename()) == link_id) return true;
    }
    return false;
}

}  // namespace

std::vector<LinkHolder> link_holders(std::uint32_t link_id) {
    std::vector<LinkHolder> holders;
    if (link_id == 0) return holders;
    const pid_t self = getpid();
    std::error_code ec;
    for (fs::directory_iterator entry("/proc", ec), end; !ec && entry != end; entry.increment(ec)) {
        const std::string name = entry->path().filename().string();
        pid_t pid = 0;
        const auto [rest, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (error != std::errc{} || rest != name.data() + name.size() || pid == self) continue;
        if (holds_link(entry->path(), link_id)) {
            holders.push_back({pid, first_line(entry->path() / "comm")});
        }
    }
    return holders;
}

}  // namespace xvip::ctl
