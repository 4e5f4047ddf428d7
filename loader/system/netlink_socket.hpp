// A NETLINK_ROUTE socket (libmnl underneath): requests that the kernel answers with an ACK or a
// dump, and, when bound to multicast groups, notifications read without blocking. The socket
// belongs to the network namespace of the thread that opened it, for its whole life.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

struct mnl_socket;
struct nlmsghdr;

namespace xvip {

class NetlinkSocket {
public:
    using MessageHandler = std::function<void(const nlmsghdr&)>;

    // groups: RTMGRP_* bits to subscribe to (0: requests only). A subscribed socket is
    // non-blocking, for the event loop; a request socket blocks, bounded by a receive timeout.
    // Throws std::system_error.
    explicit NetlinkSocket(unsigned groups = 0);
    ~NetlinkSocket();
    NetlinkSocket(NetlinkSocket&& other) noexcept;
    NetlinkSocket& operator=(NetlinkSocket&& other) noexcept;
    NetlinkSocket(const NetlinkSocket&) = delete;
    NetlinkSocket& operator=(const NetlinkSocket&) = delete;

    int fd() const;

    // Sends `request` (a complete message with NLM_F_REQUEST and NLM_F_ACK or NLM_F_DUMP set; its
    // sequence number is filled in here) and reads the answer to the end, calling on_message for
    // every data message of a dump. Returns 0, or the errno the kernel answered with (or that a
    // send/receive failed with). Never throws.
    int request(nlmsghdr& request, const MessageHandler& on_message = {});

    // Reads every notification already queued and hands each to on_message. Returns 0 when the
    // queue is empty, or the errno that stopped reading (ENOBUFS: notifications were lost).
    int read_notifications(const MessageHandler& on_message);

private:
    mnl_socket* socket_ = nullptr;
    std::uint32_t port_id_ = 0;
    std::uint32_t sequence_ = 0;
    std::vector<char> buffer_;
};

}  // namespace xvip
