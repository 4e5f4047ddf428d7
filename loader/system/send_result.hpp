// What a send on the hot path returns instead of throwing: success, or the errno the kernel gave.
// The caller counts it and logs it; a failed advert or GARP is never fatal.
#pragma once

namespace xvip {

struct [[nodiscard]] SendResult {
    int error_number = 0;  // 0: sent

    bool ok() const { return error_number == 0; }
    explicit operator bool() const { return ok(); }
};

}  // namespace xvip
