// xvipctl's side of the control socket: one request, one answer, bounded in time. Blocking, so
// for tools, never for the daemon's loop.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace xvip {

// The message says what went wrong for a person: "xvipd is not running (no control socket at
// /run/xvip/xvipd.sock)", "permission denied on ...: run xvipctl as root", "no answer ... within".
class ControlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Sends `request` as one line and returns the daemon's one-line answer, parsed. An answer with an
// "error" member is returned as is: that is the daemon speaking. Throws ControlError otherwise.
nlohmann::json control_request(const std::string& path, const nlohmann::json& request,
                               std::chrono::milliseconds timeout);

}  // namespace xvip
