// Where --metrics listens: a numeric address and a port, nothing resolved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xvip {

struct MetricsAddress {
    std::string host = "127.0.0.1";  // a numeric IPv4 or IPv6 address
    std::uint16_t port = 0;
    std::string to_string() const;  // "127.0.0.1:9650", "[::1]:9650"
};

// "9650" (loopback), "127.0.0.1:9650", "0.0.0.0:9650", "[::1]:9650", "[::]:9650". Host names are
// refused: what is exposed must be visible in the command line. nullopt with `error` set on a bad
// value.
std::optional<MetricsAddress> parse_metrics_address(std::string_view text, std::string& error);

}  // namespace xvip
