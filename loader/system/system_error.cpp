#include "system/system_error.hpp"

namespace xvip {

void throw_system_error(const std::string& doing, int error_number) {
    throw std::system_error(error_number, std::generic_category(), doing);
}

}  // namespace xvip
