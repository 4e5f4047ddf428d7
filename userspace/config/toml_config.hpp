// Reads xvip's native configuration (TOML, schema in docs/config.md) into the model.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace xvip {

// Parses `text`, named `file_name` in diagnostics. The result has been validated (validate.hpp).
// Never throws on any input.
ReadResult read_toml_config(std::string_view text, std::string_view file_name);

ReadResult read_toml_config_file(const std::string& path);

}  // namespace xvip
