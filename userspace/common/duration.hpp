// Durations as operators write them: "10ms", "1s", "1.5s", "2m", "250us". A bare number is an error,
// so that nobody has to guess the unit.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xvip {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// For people: the largest unit up to seconds, at most three decimals: "100ms", "1.5s", "2.915s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace xvip
