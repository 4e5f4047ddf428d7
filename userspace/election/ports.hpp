// The seam between an election and the world: the daemon implements these with a raw socket, the
// BPF state map and an AF_PACKET announcer; the simulation with an in-process network. Each call
// gets the time of the event that caused it, so no implementation needs to read a clock.
#pragma once

#include "codec/advert.hpp"
#include "election/state.hpp"
#include "election/timing.hpp"

namespace xvip {

class AdvertTransport {
public:
    virtual ~AdvertTransport() = default;
    // Multicast to the VRRP group, or unicast to every configured peer.
    virtual void send(const Advert& advert, TimePoint now) = 0;
};

class DataplaneRole {
public:
    virtual ~DataplaneRole() = default;
    // Active: answer ARP/ND for the VIPs and pass their traffic (the daemon also renews the lease
    // on every advert it sends). Standby: neither.
    virtual void set_role(Role role, TimePoint now) = 0;
};

class Announcer {
public:
    virtual ~Announcer() = default;
    // Gratuitous ARP / unsolicited NA burst for the VIPs, from the interface's MAC.
    virtual void announce(TimePoint now) = 0;
};

// Optional: notify hooks, logs, metrics.
class TransitionObserver {
public:
    virtual ~TransitionObserver() = default;
    virtual void state_changed(State from, State to, TimePoint now) = 0;
};

struct Ports {
    AdvertTransport& transport;
    DataplaneRole& dataplane;
    Announcer& announcer;
    TransitionObserver* observer = nullptr;
};

}  // namespace xvip
