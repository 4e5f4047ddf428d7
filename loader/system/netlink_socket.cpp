#include "system/netlink_socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <utility>

#include "system/system_error.hpp"

namespace xvip {

namespace {

// A dump of a few hundred addresses fits; libmnl's recommended size is MNL_SOCKET_BUFFER_SIZE
// (8 KiB), but the kernel may send up to 32 KiB per datagram for dumps.
constexpr std::size_t receive_buffer_size = 32768;

int dispatch(const nlmsghdr* message, void* data) {
    const auto* handler = static_cast<const NetlinkSocket::MessageHandler*>(data);
    if (handler && *handler) (*handler)(*message);
    return MNL_CB_OK;
}

}  // namespace

NetlinkSocket::NetlinkSocket(unsigned groups) : buffer_(receive_buffer_size) {
    const int flags = SOCK_CLOEXEC | (groups != 0 ? SOCK_NONBLOCK : 0);
    socket_ = mnl_socket_open2(NETLINK_ROUTE, flags);
    if (!socket_) throw_errno("open a NETLINK_ROUTE socket");
    if (groups == 0) {
        // The kernel answers requests at once; the timeout only bounds a wait that should never be.
        const timeval timeout{.tv_sec = 5, .tv_usec = 0};
        setsockopt(mnl_socket_get_fd(socket_), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    if (mnl_socket_bind(socket_, groups, MNL_SOCKET_AUTOPID) < 0) {
        const int error = errno;
        mnl_socket_close(socket_);
        socket_ = nullptr;
        throw_system_error("bind a NETLINK_ROUTE socket to groups " + std::to_string(groups), error);
    }
    port_id_ = mnl_socket_get_portid(socket_);
}

NetlinkSocket::~NetlinkSocket() {
    if (socket_) mnl_socket_close(socket_);
}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)),
      port_id_(other.port_id_),
      sequence_(other.sequence_),
      buffer_(std::move(other.buffer_)) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& other) noexcept {
    if (this != &other) {
        if (socket_) mnl_socket_close(socket_);
        socket_ = std::exchange(other.socket_, nullptr);
        port_id_ = other.port_id_;
        sequence_ = other.sequence_;
        buffer_ = std::move(other.buffer_);
    }
    return *this;
}

int NetlinkSocket::fd() const {
    return mnl_socket_get_fd(socket_);
}

int NetlinkSocket::request(nlmsghdr& request, const MessageHandler& on_message) {
    request.nlmsg_seq = ++sequence_;
    if (mnl_socket_sendto(socket_, &request, request.nlmsg_len) < 0) return errno;
    auto* handler = const_cast<MessageHandler*>(&on_message);
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        // MNL_CB_STOP on the ACK or NLMSG_DONE, MNL_CB_ERROR with errno set on an error answer.
        const int result =
            mnl_cb_run(buffer_.data(), static_cast<std::size_t>(n), request.nlmsg_seq, port_id_, dispatch, handler);
        if (result == MNL_CB_ERROR) return errno != 0 ? errno : EPROTO;
        if (result == MNL_CB_STOP) return 0;
    }
}

int NetlinkSocket::read_notifications(const MessageHandler& on_message) {
    auto* handler = const_cast<MessageHandler*>(&on_message);
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return errno;
        }
        // Sequence 0 and port 0: notifications carry no request's numbers, so check none.
        if (mnl_cb_run(buffer_.data(), static_cast<std::size_t>(n), 0, 0, dispatch, handler) == MNL_CB_ERROR) {
            return errno != 0 ? errno : EPROTO;
        }
    }
}

}  // namespace xvip
