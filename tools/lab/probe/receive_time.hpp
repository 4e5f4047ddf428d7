// When the kernel received a frame, for the probes: a probe that is scheduled late must not date
// what it reads late, or a client's stall looks like the nodes' silence.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <span>

#include "common/monotonic_clock.hpp"

namespace xvip::probe {

// SO_TIMESTAMPNS on `fd`: every message carries its receive time. Throws std::system_error.
void stamp_receptions(int fd);

struct Received {
    ssize_t length = -1;  // recvmsg()'s result: -1 when nothing was waiting (or it failed)
    TimePoint at{};       // when the kernel received it, on the monotonic clock
};

// One message from `fd` into `buffer`, without blocking, with the kernel's receive time (the
// stamp is on the realtime clock: converted by the clocks' distance now; the time of the call when
// the message carries no stamp). `from`, when given, gets the sender's address (a packet socket's
// sockaddr_ll: its interface and packet type).
Received receive_stamped(int fd, std::span<std::uint8_t> buffer, sockaddr* from = nullptr, socklen_t from_length = 0);

}  // namespace xvip::probe
