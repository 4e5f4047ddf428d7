// The configuration as xvipd will run it, every default filled in: what `xvipd --check` prints.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace xvip {

nlohmann::json effective_config(const Config& config);

}  // namespace xvip
