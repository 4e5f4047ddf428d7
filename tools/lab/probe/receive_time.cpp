#include "probe/receive_time.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <system_error>

namespace xvip::probe {

using namespace std::chrono;

void stamp_receptions(int fd) {
    const int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_TIMESTAMPNS");
    }
}

TimePoint received_at(const msghdr& m, TimePoint now) {
    for (auto* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&m), c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        timespec stamp{};
        std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        const auto age = system_clock::now().time_since_epoch() - (seconds(stamp.tv_sec) + nanoseconds(stamp.tv_nsec));
        return age > nanoseconds(0) ? now - duration_cast<Duration>(age) : now;
    }
    return now;
}

}  // namespace xvip::probe
