#include "config/spelling.hpp"

#include <algorithm>
#include <vector>

namespace xvip {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::optional<std::string> closest_spelling(std::string_view word, std::span<const std::string_view> candidates) {
    // Typo distance is cheap to compute but unbounded words make it quadratic: fuzzers send those.
    if (word.size() > 64) return std::nullopt;
    const std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(1, word.size() / 3));
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const std::string_view candidate : candidates) {
        if (candidate.size() > word.size() + limit || word.size() > candidate.size() + limit) continue;
        const std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = std::string(candidate);
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
    const auto best = closest_spelling(word, candidates);
    return best ? "did you mean `" + *best + "`?" : std::string{};
}

}  // namespace xvip
