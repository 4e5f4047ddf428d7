// Errors of the data-plane layer: what was being done, and the errno it failed with.
// Thrown at set-up (attach, adopt, detach, VIP changes); the per-transition state write never fails.
#pragma once

#include <stdexcept>
#include <string>

namespace xvip {

class DataplaneError : public std::runtime_error {
public:
    DataplaneError(const std::string& what_failed, int error_number);
    // As above, then `detail` (what the kernel said, a hint), which starts its own line(s).
    DataplaneError(const std::string& what_failed, int error_number, const std::string& detail);
    explicit DataplaneError(const std::string& message);

    int error_number() const { return errno_; }

private:
    int errno_ = 0;
};

}  // namespace xvip
