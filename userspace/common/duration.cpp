#include "common/duration.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

namespace xvip {

namespace {

constexpr std::array<std::pair<std::string_view, std::int64_t>, 6> units{{
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    const auto unit_at = text.find_first_not_of("0123456789.");
    if (unit_at == 0 || unit_at == std::string_view::npos) return std::nullopt;
    const std::string_view number = text.substr(0, unit_at);
    const std::string_view unit = text.substr(unit_at);
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || value < 0) return std::nullopt;
    for (const auto& [name, scale] : units) {
        if (unit != name) continue;
        const double ns = std::round(value * static_cast<double>(scale));
        if (ns > 9.2e18) return std::nullopt;
        return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
    }
    return std::nullopt;
}

std::string format_duration(std::chrono::nanoseconds d) {
    const std::int64_t ns = d.count();
    if (ns == 0) return "0s";
    // The largest unit up to seconds that the value reaches, with at most three decimals.
    for (auto it = units.rbegin() + 2; it != units.rend(); ++it) {
        const auto& [name, scale] = *it;
        if (std::llabs(ns) < scale) continue;
        const std::int64_t millis = (std::llabs(ns) * 1000 + scale / 2) / scale;  // rounded
        std::string out = (ns < 0 ? "-" : "") + std::to_string(millis / 1000);
        if (millis % 1000 != 0) {
            std::string digits = std::to_string(1000 + millis % 1000).substr(1);
            while (digits.back() == '0') digits.pop_back();
            out += "." + digits;
        }
        return out + std::string(name);
    }
    return std::to_string(ns) + "ns";
}

}  // namespace xvip
