// Parsing of the scalar values both configuration formats write as text: integers, decimal seconds,
// addresses with a prefix length. Each returns nothing on any malformed input; callers report it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/ip_address.hpp"
#include "config/config.hpp"

namespace xvip {

// Decimal integer with an optional sign; nothing on overflow of a long long or trailing text.
std::optional<long long> parse_integer(std::string_view text);

// Seconds as keepalived writes them: "1", "0.1", "2.500". Resolution is 1 ms; finer is refused.
std::optional<Milliseconds> parse_seconds(std::string_view text);

struct AddressWithPrefix {
    IpAddress address;
    std::uint8_t prefix_length = 32;
};

// "10.0.0.1", "10.0.0.1/24", "2001:db8::1/64". Without a length: /32 or /128.
std::optional<AddressWithPrefix> parse_address_with_prefix(std::string_view text);

// An HTTP status code or range as keepalived's status_code writes them: "200", "200-299". Only the
// form is checked here; the validator checks the codes.
std::optional<StatusCodeRange> parse_status_code_range(std::string_view text);

}  // namespace xvip
