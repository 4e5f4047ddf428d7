#include "bench/dataplane/machine_info.hpp"

#include <bpf/libbpf.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <sstream>

#include "topology/command.hpp"
#include "topology/load_average.hpp"

namespace xvip::bench {

namespace {

std::string first_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line.empty() ? "unknown" : line;
}

// The value of the first "key : value" line whose key is `key` in a /proc-style file.
std::string field(const char* path, const std::string& key, char separator) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        const auto at = line.find(separator);
        if (at == std::string::npos) continue;
        std::string name = line.substr(0, at);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        if (name != key) continue;
        std::string value = line.substr(at + 1);
        const auto begin = value.find_first_not_of(" \t\"");
        const auto end = value.find_last_not_of(" \t\"");
        return begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
    }
    return "unknown";
}

std::string git(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"git", "-C", XVIP_SOURCE_DIR};
    argv.insert(argv.end(), args.begin(), args.end());
    try {
        const auto result = topo::run_command(argv, std::chrono::seconds(10));
        return result.success() ? result.out : "";
    } catch (const std::exception&) {
        return "";
    }
}

}  // namespace

MachineInfo read_machine_info() {
    MachineInfo info;
    info.cpu_model = field("/proc/cpuinfo", "model name", ':');
    info.cores = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
    info.virtual_machine = field("/proc/cpuinfo", "flags", ':').find(" hypervisor") != std::string::npos;
    utsname uts{};
    if (uname(&uts) == 0) info.kernel = uts.release;
    info.os = field("/etc/os-release", "PRETTY_NAME", '=');
    info.clocksource = first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    info.bpf_jit = first_line("/proc/sys/net/core/bpf_jit_enable");
    info.bpf_stats = first_line("/proc/sys/kernel/bpf_stats_enabled");
    info.libbpf = libbpf_version_string();
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    info.date_utc = date;
    std::string head = git({"rev-parse", "--short", "HEAD"});
    while (!head.empty() && head.back() == '\n') head.pop_back();
    if (head.empty()) head = "unknown";
    // What is measured: the programs, their loader and the benchmark itself.
    if (!git({"status", "--porcelain", "--", "bpf", "loader/dataplane", "bench/dataplane"}).empty()) {
        head += "+dirty";
    }
    info.commit = head;
    info.load_before = topo::load_average();
    errno = 0;
    info.nice = getpriority(PRIO_PROCESS, 0);
    return info;
}

}  // namespace xvip::bench
