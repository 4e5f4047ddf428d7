#include "lab/keepalived_text.hpp"

#include <cstdio>

#include "election/timing.hpp"

namespace xvip::lab {

std::string advert_int_text(std::chrono::milliseconds interval) {
    std::string text = std::to_string(interval.count() / 1000);
    if (const auto frac = interval.count() % 1000; frac != 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%03d", static_cast<int>(frac));
        std::string digits(buf);
        while (digits.back() == '0') digits.pop_back();
        text += "." + digits;
    }
    return text;
}

std::chrono::nanoseconds master_down(std::chrono::milliseconds advert, int priority) {
    return master_down_interval(VrrpVersion::v3, static_cast<std::uint8_t>(priority), advert);
}

}  // namespace xvip::lab
