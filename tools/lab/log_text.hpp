// Showing what a daemon said when something went wrong: the end of its log.
#pragma once

#include <cstddef>
#include <string>

namespace xvip::lab {

// The last `count` lines of `text` (all of it when it has fewer).
std::string tail_lines(const std::string& text, std::size_t count);

}  // namespace xvip::lab
