// A hook or track-script command line split into argv the way keepalived splits it
// (alloc_strvec_quoted_escaped): words separated by blanks; '...' and "..." group blanks into a
// word and are removed; a backslash escapes the next character, inside quotes too, and \a \b \E
// \f \n \r \t \v stand for their control characters. No shell: no variables, globs or pipes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codec/value_or_error.hpp"

namespace xvip {

struct CommandWordsError {
    std::string message;
};

ValueOrError<std::vector<std::string>, CommandWordsError> split_command_words(std::string_view line);

}  // namespace xvip
