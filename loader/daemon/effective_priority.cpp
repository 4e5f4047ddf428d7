#include "daemon/effective_priority.hpp"

namespace xvip {

namespace {

constexpr int owner_priority = 255;

}  // namespace

EffectivePriority effective_priority(int base_priority, std::span<const TrackedState> tracked) {
    int total = base_priority;
    bool fault = false;
    bool waiting = false;
    for (const TrackedState& t : tracked) {
        const int multiplier = t.reversed ? -1 : 1;
        if (t.weight == 0) {
            if (!t.up) {
                waiting = waiting || !t.unknown_keeps_role;
            } else if (*t.up != !t.reversed) {
                fault = true;
            }
            continue;
        }
        if (!t.up) continue;
        if (*t.up ? t.weight > 0 : t.weight < 0) total += t.weight * multiplier;
    }
    EffectivePriority result;
    result.fault = fault;
    result.waiting = waiting && !fault;
    if (base_priority >= owner_priority) {
        result.priority = owner_priority;
    } else if (total < 1) {
        result.priority = 1;
    } else if (total >= owner_priority) {
        result.priority = owner_priority - 1;
    } else {
        result.priority = static_cast<std::uint8_t>(total);
    }
    return result;
}

}  // namespace xvip
