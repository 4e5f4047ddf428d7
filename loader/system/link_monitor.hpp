// Watches named interfaces for the daemon's `track_interface`: a netlink socket subscribed to
// RTMGRP_LINK whose fd() goes to the event loop, and read() to call when it is readable. Only
// changes that matter are reported: an interface of interest appearing, disappearing, or changing
// its up/running flags (the kernel sends RTM_NEWLINK for many other reasons). If the kernel drops
// notifications (ENOBUFS), read() re-reads every link and reports the differences, so no change is
// ever missed for good.
//
// The sockets belong to the network namespace of the thread that made the monitor; read() may be
// called from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mac_address.hpp"
#include "system/netlink_socket.hpp"

namespace xvip {

struct LinkMessage;

struct LinkState {
    std::string ifname;
    int index = 0;  // 0 when the interface does not exist
    bool exists = false;
    bool up = false;                // IFF_UP
    bool running = false;           // IFF_RUNNING
    std::optional<MacAddress> mac;  // a change of MAC is a change too

    // Usable for VRRP: present, administratively up and with carrier.
    bool healthy() const { return exists && up && running; }
    friend bool operator==(const LinkState&, const LinkState&) = default;
};

struct LinkChanges {
    std::vector<LinkState> changes;  // in the order they happened; one interface may appear twice
    int error_number = 0;            // reading failed (changes may still hold what was read)
};

class LinkMonitor {
public:
    // Subscribes, then reads the current state of each named interface. Throws std::system_error.
    explicit LinkMonitor(std::vector<std::string> ifnames);

    int fd() const { return notifications_.fd(); }

    // The state of every watched interface as last known, in the order given.
    std::vector<LinkState> snapshot() const;

    // Every change to a watched interface since the last call. Never throws, never blocks.
    LinkChanges read();

private:
    void apply(const std::string& ifname, LinkState next, std::vector<LinkState>& changes);
    void on_link_message(const LinkMessage& message, std::vector<LinkState>& changes);
    int resync(std::vector<LinkState>& changes);

    std::vector<std::string> ifnames_;
    std::map<std::string, LinkState> states_;
    NetlinkSocket notifications_;
    NetlinkSocket requests_;
};

}  // namespace xvip
