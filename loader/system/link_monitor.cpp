#include "system/link_monitor.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "system/rtnetlink_messages.hpp"
#include "system/rtnetlink_queries.hpp"
#include "system/system_error.hpp"

namespace xvip {

LinkMonitor::LinkMonitor(std::vector<std::string> ifnames)
    : ifnames_(std::move(ifnames)), notifications_(RTMGRP_LINK), requests_() {
    for (const auto& name : ifnames_) states_[name] = LinkState{.ifname = name};
    // Subscribed first, read second: a change in between is both in the dump and queued, and
    // reading it again later reports nothing new.
    std::vector<LinkState> ignored;
    if (const int error = resync(ignored); error != 0) {
        throw_system_error("read the state of the tracked interfaces (RTM_GETLINK dump)", error);
    }
}

std::vector<LinkState> LinkMonitor::snapshot() const {
    std::vector<LinkState> states;
    for (const auto& name : ifnames_) states.push_back(states_.at(name));
    return states;
}

void LinkMonitor::apply(const std::string& ifname, LinkState next, std::vector<LinkState>& changes) {
    LinkState& known = states_.at(ifname);
    if (known == next) return;
    known = std::move(next);
    changes.push_back(known);
}

void LinkMonitor::on_link_message(const LinkMessage& message, std::vector<LinkState>& changes) {
    // A watched interface renamed away: gone under its old name.
    for (auto& [name, known] : states_) {
        if (known.exists && known.index == message.index && (message.name != name || message.deleted)) {
            apply(name, LinkState{.ifname = name}, changes);
        }
    }
    if (message.deleted || !states_.contains(message.name)) return;
    apply(message.name,
          LinkState{.ifname = message.name,
                    .index = message.index,
                    .exists = true,
                    .up = message.up,
                    .running = message.running,
                    .mac = message.mac},
          changes);
}

int LinkMonitor::resync(std::vector<LinkState>& changes) {
    std::vector<LinkMessage> links;
    if (const int error = dump_links(requests_, links); error != 0) return error;
    for (const auto& name : ifnames_) {
        const auto it = std::ranges::find(links, name, &LinkMessage::name);
        if (it == links.end()) {
            apply(name, LinkState{.ifname = name}, changes);
        } else {
            on_link_message(*it, changes);
        }
    }
    return 0;
}

LinkChanges LinkMonitor::read() {
    LinkChanges result;
    const int error = notifications_.read_notifications([&](const nlmsghdr& message) {
        if (const auto link = parse_link_message(message)) on_link_message(*link, result.changes);
    });
    if (error == ENOBUFS) {
        // The socket overflowed and notifications are lost: what is true now is in a fresh dump.
        // Drain what is queued first, so that stale messages do not undo the dump afterwards.
        (void)notifications_.read_notifications([](const nlmsghdr&) {});
        result.error_number = resync(result.changes);
    } else {
        result.error_number = error;
    }
    return result;
}

}  // namespace xvip
