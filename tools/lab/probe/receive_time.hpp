// When the kernel received a frame, for the probes: a probe that is scheduled late must not date
// what it reads late, or a client's stall looks like the nodes' silence.
#pragma once

#include <sys/socket.h>

#include "common/monotonic_clock.hpp"

namespace xvip::probe {

// SO_TIMESTAMPNS on `fd`: every message carries its receive time. Throws std::system_error.
void stamp_receptions(int fd);

// When the kernel received the message recvmsg() put in `m`, on the monotonic clock (the stamp is
// on the realtime clock: converted by the clocks' distance now); `now` when it carries no stamp.
TimePoint received_at(const msghdr& m, TimePoint now);

}  // namespace xvip::probe
