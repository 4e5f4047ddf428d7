#include "xvipd/metrics_address.hpp"

#include <charconv>

#include "common/ip_address.hpp"

namespace xvip {

std::string MetricsAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<MetricsAddress> parse_metrics_address(std::string_view text, std::string& error) {
    const auto refuse = [&](const std::string& why) -> std::optional<MetricsAddress> {
        error = "--metrics '" + std::string(text) + "': " + why +
                " (give PORT for 127.0.0.1:PORT, or ADDRESS:PORT, [IPV6]:PORT)";
        return std::nullopt;
    };
    MetricsAddress out;
    std::string_view port_text = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return refuse("an IPv6 address goes in brackets followed by :PORT");
        }
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        const auto ip = IpAddress::parse(out.host);
        if (!ip || ip->is_v4()) return refuse("'" + out.host + "' is not an IPv6 address");
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (out.host.find(':') != std::string::npos) return refuse("put an IPv6 address in brackets");
        const auto ip = IpAddress::parse(out.host);
        if (!ip) return refuse("'" + out.host + "' is not a numeric IPv4 address; host names are not resolved");
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
        return refuse("the port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

}  // namespace xvip
