// The daemon's entry point: read a configuration file in whichever format it is and validate it.
#pragma once

#include <string>

#include "config/config.hpp"

namespace xvip {

// `*.toml` is read as xvip's TOML; anything else as keepalived.conf. The daemon prints every
// diagnostic (to_string) and refuses to start unless `ok()`.
ReadResult load_config_file(const std::string& path);

}  // namespace xvip
