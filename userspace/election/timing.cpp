#include "election/timing.hpp"

#include <algorithm>

namespace xvip {

std::uint16_t to_centiseconds(Duration interval) {
    auto cs = std::chrono::duration_cast<std::chrono::milliseconds>(interval).count() / 10;
    // The v3 field is 12 bits; v2 adverts carry whole seconds and are at most 255 s.
    return static_cast<std::uint16_t>(std::clamp<std::int64_t>(cs, 1, 0xfff));
}

Duration skew_time(VrrpVersion version, std::uint8_t priority, Duration master_adver_interval) {
    const auto weight = 256 - static_cast<std::int64_t>(priority);
    if (version == VrrpVersion::v2) return Duration(std::chrono::seconds(1)) * weight / 256;
    return master_adver_interval * weight / 256;
}

Duration master_down_interval(VrrpVersion version, std::uint8_t priority, Duration master_adver_interval) {
    return 3 * master_adver_interval + skew_time(version, priority, master_adver_interval);
}

}  // namespace xvip
