// Reading and writing sysctls as files under /proc/sys. The net.* ones belong to the network
// namespace of the calling *thread* at the time of the call (the lookup happens at open), so
// call these on a thread that is in the namespace meant.
//
// A key is the path below /proc/sys with slashes, "net/ipv4/conf/eth0.100/arp_ignore": interface
// names may contain dots, which the dotted sysctl(8) form would turn into path separators.
#pragma once

#include <string>

namespace xvip {

std::string sysctl_path(const std::string& key);  // "/proc/sys/" + key

// The value without its trailing newline. Throws std::system_error naming the file.
std::string read_sysctl(const std::string& key);
// Throws std::system_error naming the file and the value.
void write_sysctl(const std::string& key, const std::string& value);

}  // namespace xvip
