// Refuses TOML input that toml++ 3.3 does not handle safely, before it sees it: control
// characters, a table header whose key starts with a character no key can start with (`[=x]`),
// non-ASCII text outside strings and comments (`a = 1 é`), a closing bracket that closes nothing
// open (`a = [}]`), and a non-ASCII character right after a line-ending backslash in a multi-line
// string (the one shape the reader's ASCII stand-in parse cannot catch, see toml_config.cpp). On
// those toml++ 3.3 fails an internal assertion or reaches __builtin_unreachable (undefined
// behaviour in release builds), although all are plain syntax errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostic.hpp"

namespace xvip {

struct TomlInputProblem {
    SourceLocation where;
    std::string message;
};

std::optional<TomlInputProblem> screen_toml_input(std::string_view text, const std::string& file);

}  // namespace xvip
