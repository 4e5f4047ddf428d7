// Received adverts dropped, counted by reason; the daemon exports each count under
// to_string(reason).
#pragma once

#include <array>
#include <cstdint>
#include <numeric>

#include "codec/discard_reason.hpp"

namespace xvip {

class DiscardCounters {
public:
    void count(DiscardReason reason) { ++counts_[static_cast<std::size_t>(reason)]; }
    std::uint64_t operator[](DiscardReason reason) const { return counts_[static_cast<std::size_t>(reason)]; }
    std::uint64_t total() const { return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0}); }

    // Calls f(DiscardReason, std::uint64_t) for every reason, in declaration order.
    template <typename F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < counts_.size(); ++i) f(static_cast<DiscardReason>(i), counts_[i]);
    }

private:
    std::array<std::uint64_t, discard_reason_count> counts_{};
};

}  // namespace xvip
