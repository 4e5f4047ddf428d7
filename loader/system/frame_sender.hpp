// Sends whole Ethernet frames out of one interface: the gratuitous ARPs and unsolicited NAs of
// codec/frames.hpp, from the interface's own MAC. An AF_PACKET raw socket bound to the interface
// index, with protocol 0 so that it never queues received frames. Non-blocking: a full transmit
// queue is a failed send (EAGAIN) the caller counts, never a wait in the event loop.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/unique_fd.hpp"
#include "system/send_result.hpp"

namespace xvip {

class FrameSender {
public:
    // Throws std::system_error naming the interface and the step.
    explicit FrameSender(const std::string& ifname);

    int ifindex() const { return ifindex_; }

    // `frame` starts with the Ethernet header; the NIC adds padding and FCS.
    SendResult send(std::span<const std::uint8_t> frame);

private:
    std::string ifname_;
    int ifindex_ = 0;
    UniqueFd fd_;
};

}  // namespace xvip
