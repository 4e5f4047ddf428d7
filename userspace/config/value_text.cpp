#include "config/value_text.hpp"

#include <charconv>

namespace xvip {

std::optional<long long> parse_integer(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

std::optional<Milliseconds> parse_seconds(std::string_view text) {
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() && fraction.empty()) return std::nullopt;
    long long seconds = 0;
    if (!whole.empty()) {
        const auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
        if (error != std::errc{} || end != whole.data() + whole.size() || seconds < 0) return std::nullopt;
    }
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
    // Trailing zeros below a millisecond are harmless ("0.1000").
    while (fraction.size() > 3 && fraction.back() == '0') fraction.remove_suffix(1);
    if (fraction.size() > 3) return std::nullopt;
    long long millis = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        millis *= 10;
        if (i < fraction.size()) {
            const char digit = fraction[i];
            if (digit < '0' || digit > '9') return std::nullopt;
            millis += digit - '0';
        }
    }
    constexpr long long max_seconds = 1'000'000'000;  // far beyond any sane timer; no overflow below
    if (seconds > max_seconds) return std::nullopt;
    return Milliseconds{seconds * 1000 + millis};
}

std::optional<AddressWithPrefix> parse_address_with_prefix(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    const int max_length = address->is_v4() ? 32 : 128;
    AddressWithPrefix result{*address, static_cast<std::uint8_t>(max_length)};
    if (slash == std::string_view::npos) return result;
    const auto length = parse_integer(text.substr(slash + 1));
    if (!length || *length < 0 || *length > max_length || text[slash + 1] == '+' || text[slash + 1] == '-') {
        return std::nullopt;
    }
    result.prefix_length = static_cast<std::uint8_t>(*length);
    return result;
}

std::optional<StatusCodeRange> parse_status_code_range(std::string_view text) {
    const auto number = [](std::string_view digits) -> std::optional<int> {
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        int value = 0;
        for (const char c : digits) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        return value;
    };
    const auto dash = text.find('-');
    const auto low = number(text.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : number(text.substr(dash + 1));
    if (!low || !high) return std::nullopt;
    return StatusCodeRange{*low, *high};
}

}  // namespace xvip
