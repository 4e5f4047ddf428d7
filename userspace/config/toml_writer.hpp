// Writes a configuration model as xvip's TOML (docs/config.md), every setting explicit, so that
// reading the text back gives the same model: what `xvipctl import-keepalived` prints.
#pragma once

#include <string>

#include "config/config.hpp"

namespace xvip {

std::string write_toml(const Config& config);

}  // namespace xvip
