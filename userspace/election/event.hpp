// What can happen to an election. Adverts arrive here already decoded and filtered (§7.1).
#pragma once

#include <cstdint>
#include <variant>

#include "codec/advert.hpp"
#include "common/ip_address.hpp"
#include "election/state.hpp"
#include "election/timing.hpp"

namespace xvip {

struct Startup {
    // A restarted daemon that adopted a data plane still active from its predecessor resumes as
    // master (advert at once, no announce) instead of going through Backup; a better master
    // demotes it with its next advert.
    bool resume_as_active = false;
};
struct Shutdown {};
struct AdvertReceived {
    IpAddress source;  // the sender's primary address (IP source of the packet)
    std::uint8_t priority = 0;
    Duration interval{0};  // the advert's Max Advert Interval

    static AdvertReceived from(const Advert& advert, const IpAddress& source) {
        return {source, advert.priority, from_centiseconds(advert.interval_cs)};
    }
};
struct TimerExpired {
    Timer timer;
};
// Effective priority after tracking (scripts, interfaces with weights). Ignored for the owner.
struct PriorityChanged {
    std::uint8_t priority;
};
// A tracked object failed / recovered. The caller folds several trackers into one flag.
struct FaultRaised {};
struct FaultCleared {};
// Fast failover (xvip's own): the data plane's detector found the master's data plane silent and
// made this node active in the kernel; a backup becomes master as when Master_Down_Interval ends.
struct FastTakeover {};
// ... and the old master answered after all: the data plane put the word back to standby. A master
// goes back to backup without a word (no priority 0: the old master is serving).
struct FastReverted {};

using Event = std::variant<Startup, Shutdown, AdvertReceived, TimerExpired, PriorityChanged, FaultRaised, FaultCleared,
                           FastTakeover, FastReverted>;

}  // namespace xvip
