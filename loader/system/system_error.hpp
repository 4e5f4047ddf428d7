// Set-up failures of the daemon's kernel plumbing: what was being done, and the errno it failed
// with ("join 224.0.0.18 on eth0: No such device"). Thrown only while setting up or tearing down;
// the hot path (send, receive, read) returns its failures instead.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace xvip {

// A std::system_error in the generic category: code().value() is the errno.
[[noreturn]] void throw_system_error(const std::string& doing, int error_number);
[[noreturn]] inline void throw_errno(const std::string& doing) {
    throw_system_error(doing, errno);
}

}  // namespace xvip
