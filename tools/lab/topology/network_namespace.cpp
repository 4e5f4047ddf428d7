#include "topology/network_namespace.hpp"

#include <cstdio>

#include "topology/command.hpp"

namespace xvip::topo {

NetworkNamespace::NetworkNamespace(std::string name) : name_(std::move(name)) {
    run_checked({"ip", "netns", "add", name_});
    try {
        run_checked({"ip", "-n", name_, "link", "set", "lo", "up"});
    } catch (...) {
        run_command({"ip", "netns", "del", name_});
        throw;
    }
}

NetworkNamespace::NetworkNamespace(NetworkNamespace&& other) noexcept : name_(std::move(other.name_)) {
    other.name_.clear();
}

NetworkNamespace::~NetworkNamespace() {
    if (name_.empty()) return;
    try {
        // A process we did not start (a daemon's own child) would keep the namespace and its
        // veths alive after the name is gone. It is not ours to kill, so say so loudly.
        const auto pids = run_command({"ip", "netns", "pids", name_});
        if (pids.success() && !pids.out.empty()) {
            std::fprintf(stderr, "xvip topology: processes still in %s after teardown: %s", name_.c_str(),
                         pids.out.c_str());
        }
        const auto deleted = run_command({"ip", "netns", "del", name_});
        if (!deleted.success()) {
            std::fprintf(stderr, "xvip topology: ip netns del %s: %s", name_.c_str(), deleted.err.c_str());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "xvip topology: deleting namespace %s: %s\n", name_.c_str(), error.what());
    }
}

std::vector<std::string> in_netns(const std::string& netns, const std::vector<std::string>& argv) {
    std::vector<std::string> full{"ip", "netns", "exec", netns};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
}

void set_sysctl(const std::string& netns, const std::string& key, const std::string& value) {
    run_checked(in_netns(netns, {"sysctl", "-q", "-w", key + "=" + value}));
}

}  // namespace xvip::topo
