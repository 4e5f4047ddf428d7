// What an election asks its surroundings to do, in the order given.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "election/state.hpp"
#include "election/timing.hpp"

namespace xvip {

struct SendAdvert {
    std::uint8_t priority;  // 0 = release
    friend bool operator==(const SendAdvert&, const SendAdvert&) = default;
};
// Flip the data plane. Becoming active is followed by Announce; the advert goes out first so the
// old master gives up the VIP before our gratuitous ARPs arrive (as keepalived orders it).
struct BecomeActive {
    friend bool operator==(const BecomeActive&, const BecomeActive&) = default;
};
struct BecomeStandby {
    friend bool operator==(const BecomeStandby&, const BecomeStandby&) = default;
};
// Gratuitous ARP / unsolicited NA burst for the VIPs.
struct Announce {
    friend bool operator==(const Announce&, const Announce&) = default;
};
// Replaces any pending deadline of the same timer.
struct ArmTimer {
    Timer timer;
    TimePoint deadline;
    friend bool operator==(const ArmTimer&, const ArmTimer&) = default;
};
struct CancelTimer {
    Timer timer;
    friend bool operator==(const CancelTimer&, const CancelTimer&) = default;
};

using Action = std::variant<SendAdvert, BecomeActive, BecomeStandby, Announce, ArmTimer, CancelTimer>;
using Actions = std::vector<Action>;

}  // namespace xvip
