#include "system/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include "common/unique_fd.hpp"
#include "system/system_error.hpp"

namespace xvip {

std::string sysctl_path(const std::string& key) {
    return "/proc/sys/" + key;
}

std::string read_sysctl(const std::string& key) {
    const std::string path = sysctl_path(key);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open sysctl " + path + " for reading");
    std::string value;
    std::array<char, 256> buf{};
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read sysctl " + path);
        }
        if (n == 0) break;
        value.append(buf.data(), static_cast<std::size_t>(n));
    }
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return value;
}

void write_sysctl(const std::string& key, const std::string& value) {
    const std::string path = sysctl_path(key);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open sysctl " + path + " to write " + value);
    const std::string line = value + "\n";
    // A sysctl takes its value in one write; a short or failed one leaves it unchanged.
    const ssize_t n = ::write(fd.get(), line.data(), line.size());
    if (n < 0) throw_errno("write " + value + " to sysctl " + path);
    if (static_cast<std::size_t>(n) != line.size()) {
        throw_system_error("write " + value + " to sysctl " + path + " (short write)", EIO);
    }
}

}  // namespace xvip
