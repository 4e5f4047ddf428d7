// "did you mean ...?" for a mistyped keyword.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xvip {

// The candidate closest to `word` by edit distance, if close enough to be a likely typo
// (at most a third of the word's length, and at most 3 edits).
std::optional<std::string> closest_spelling(std::string_view word, std::span<const std::string_view> candidates);

// "did you mean `x`?" or empty.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace xvip
