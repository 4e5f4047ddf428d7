#include "topology/run_id.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <regex>
#include <sstream>

#include "topology/bpf_mount.hpp"
#include "topology/command.hpp"

namespace xvip::topo {
namespace {

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

bool is_stale(const std::string& name) {
    const auto owner = run_owner(name);
    return owner && *owner != getpid() && !process_exists(*owner);
}

void remove_stale_namespaces() {
    const auto listing = run_command({"ip", "netns", "list"});
    if (!listing.success()) return;
    std::istringstream lines(listing.out);
    for (std::string line; std::getline(lines, line);) {
        const std::string name = line.substr(0, line.find(' '));
        if (!is_stale(name)) continue;
        std::fprintf(stderr, "xvip topology: removing namespace %s of a dead run\n", name.c_str());
        run_command({"ip", "netns", "del", name});  // another process may be removing it too
    }
}

void remove_stale_directories() {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(kRunRoot, error)) {
        const std::string name = entry.path().filename();
        if (!is_stale(name)) continue;
        std::fprintf(stderr, "xvip topology: removing %s of a dead run\n", entry.path().c_str());
        const auto bpffs = entry.path() / "bpffs";
        if (is_bpffs(bpffs)) umount2(bpffs.c_str(), MNT_DETACH);
        if (is_bpffs(bpffs)) continue;  // still mounted: never delete pins through the mount
        std::filesystem::remove_all(entry.path(), error);
    }
}

}  // namespace

std::string make_run_id() {
    static std::atomic<unsigned> sequence{0};
    return "xvt" + std::to_string(getpid()) + "-" + std::to_string(sequence++);
}

std::optional<pid_t> run_owner(const std::string& name) {
    static const std::regex scheme(R"(^xvt([0-9]{1,9})-[0-9]+(-.*)?$)");
    std::smatch match;
    if (!std::regex_match(name, match, scheme)) return std::nullopt;
    return static_cast<pid_t>(std::stol(match[1].str()));
}

void remove_stale_runs() {
    remove_stale_namespaces();
    remove_stale_directories();
}

}  // namespace xvip::topo
