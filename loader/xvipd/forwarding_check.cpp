#include "xvipd/forwarding_check.hpp"

#include <utility>

#include "system/sysctl.hpp"

namespace xvip {

namespace {

std::string dotted(std::string key) {
    for (auto& c : key) {
        if (c == '/') c = '.';
    }
    return key;
}

}  // namespace

std::vector<std::string> forwarding_warnings(const std::string& ifname, const std::vector<Instance>& instances,
                                             const SysctlReader& read) {
    std::vector<std::string> warnings;
    for (const Instance& instance : instances) {
        const auto family = instance.family();
        if (!instance.gateway || !family) continue;
        const bool v4 = *family == AddressFamily::ipv4;
        const std::vector<std::string> keys =
            v4 ? std::vector<std::string>{"net/ipv4/ip_forward", "net/ipv4/conf/" + ifname + "/forwarding"}
               : std::vector<std::string>{"net/ipv6/conf/all/forwarding", "net/ipv6/conf/" + ifname + "/forwarding"};
        for (const std::string& key : keys) {
            const auto value = read(key);
            if (value && *value != "0") continue;
            warnings.push_back(ifname + ": instance " + instance.name + " is a gateway, but " +
                               (value ? dotted(key) + " = " + *value + ": this host forwards nothing, active or not"
                                      : dotted(key) + " cannot be read: forwarding may be off") +
                               " (set " + dotted(keys.front()) + " = 1; xvipd never changes it)");
            break;
        }
    }
    return warnings;
}

SysctlReader system_sysctl_reader() {
    return [](const std::string& key) -> std::optional<std::string> {
        try {
            return read_sysctl(key);
        } catch (const std::exception&) {
            return std::nullopt;
        }
    };
}

}  // namespace xvip
