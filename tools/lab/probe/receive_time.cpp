#include "probe/receive_time.hpp"

#include <sys/uio.h>

#include <array>
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

Received receive_stamped(int fd, std::span<std::uint8_t> buffer, sockaddr* from, socklen_t from_length) {
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr m{};
    m.msg_name = from;
    m.msg_namelen = from ? from_length : 0;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    Received r{.length = recvmsg(fd, &m, MSG_DONTWAIT), .at = monotonic_now()};
    if (r.length < 0) return r;
    for (auto* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        timespec stamp{};
        std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        const auto age = system_clock::now().time_since_epoch() - (seconds(stamp.tv_sec) + nanoseconds(stamp.tv_nsec));
        if (age > nanoseconds(0)) r.at -= duration_cast<Duration>(age);
        break;
    }
    return r;
}

}  // namespace xvip::probe
