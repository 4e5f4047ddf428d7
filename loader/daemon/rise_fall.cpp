#include "daemon/rise_fall.hpp"

#include <algorithm>

namespace xvip {

RiseFall::RiseFall(int rise, int fall, bool initially_failed)
    : rise_(std::max(rise, 1)),
      fall_(std::max(fall, 1)),
      result_(initially_failed ? 0 : rise_ - 1),
      known_(initially_failed) {}

std::optional<bool> RiseFall::healthy() const {
    if (!known_) return std::nullopt;
    return result_ >= rise_;
}

RiseFall RiseFall::carried_into(int rise, int fall) const {
    RiseFall out(rise, fall, false);
    if (!known_) return out;
    out.known_ = true;
    const int top = out.rise_ + out.fall_ - 1;
    if (result_ < rise_) {
        // Failing, rise_ - result_ successes from healthy: as many in the new range, at least 0.
        out.result_ = std::max(0, out.rise_ - (rise_ - result_));
    } else if (result_ == rise_ + fall_ - 1) {
        out.result_ = top;  // healthy with no failure since
    } else {
        out.result_ = std::min(top, out.rise_ + (result_ - rise_));
    }
    return out;
}

std::optional<bool> RiseFall::record(bool success) {
    const bool first = !known_;
    known_ = true;
    const int top = rise_ + fall_ - 1;
    if (success) {
        if (result_ < rise_ - 1) {
            ++result_;
            return std::nullopt;
        }
        const bool was_healthy = result_ >= rise_;
        result_ = top;
        return was_healthy ? std::nullopt : std::optional<bool>(true);
    }
    if (result_ > rise_) {
        --result_;
        return std::nullopt;
    }
    const bool report = result_ == rise_ || first;
    result_ = 0;
    return report ? std::optional<bool>(false) : std::nullopt;
}

}  // namespace xvip
