#include "dataplane/dataplane_error.hpp"

#include <cstring>

namespace xvip {

DataplaneError::DataplaneError(const std::string& what_failed, int error_number)
    : std::runtime_error(what_failed + ": " + std::strerror(error_number)), errno_(error_number) {}

DataplaneError::DataplaneError(const std::string& what_failed, int error_number, const std::string& detail)
    : std::runtime_error(what_failed + ": " + std::strerror(error_number) + detail), errno_(error_number) {}

DataplaneError::DataplaneError(const std::string& message) : std::runtime_error(message) {}

}  // namespace xvip
