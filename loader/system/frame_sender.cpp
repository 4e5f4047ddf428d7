#include "system/frame_sender.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "system/system_error.hpp"

namespace xvip {

FrameSender::FrameSender(const std::string& ifname) : ifname_(ifname) {
    ifindex_ = static_cast<int>(if_nametoindex(ifname_.c_str()));
    if (ifindex_ == 0) throw_errno("look up interface " + ifname_ + " to send frames on");
    // Protocol 0: a send-only socket, nothing is ever delivered to it.
    fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_) throw_errno("open an AF_PACKET socket to send frames on " + ifname_);
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_ifindex = ifindex_;
    if (bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throw_errno("bind the AF_PACKET socket to " + ifname_);
    }
}

SendResult FrameSender::send(std::span<const std::uint8_t> frame) {
    const ssize_t sent = ::send(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) return {errno};
    if (static_cast<std::size_t>(sent) != frame.size()) return {EMSGSIZE};
    return {};
}

}  // namespace xvip
