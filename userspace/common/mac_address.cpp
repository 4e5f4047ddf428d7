#include "common/mac_address.hpp"

#include <charconv>
#include <cstdio>

namespace xvip {

std::string format_mac(const MacAddress& mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

std::optional<MacAddress> parse_mac(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    MacAddress mac{};
    for (std::size_t i = 0; i < mac.size(); ++i) {
        const char* first = text.data() + i * 3;
        if (i > 0 && first[-1] != ':') return std::nullopt;
        auto [end, ec] = std::from_chars(first, first + 2, mac[i], 16);
        if (ec != std::errc() || end != first + 2) return std::nullopt;
    }
    return mac;
}

}  // namespace xvip
