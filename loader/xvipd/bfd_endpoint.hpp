// xvipd's BFD endpoint: the single-hop sessions of the configuration's bfd_instance blocks
// (RFC 5880 asynchronous mode over RFC 5881 UDP), each a BfdSession driven by the daemon's Timers.
// Packets come in through receive() (the socket, loader/system/bfd_socket.hpp, reads them) and go
// out through the wiring's send, so unit tests run it in simulated time with no socket. A session
// that comes Up or goes Down is reported to on_change, which feeds Tracking as a tracked script's
// verdict does.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "codec/bfd_control.hpp"
#include "config/config.hpp"
#include "daemon/timers.hpp"
#include "election/bfd_session.hpp"
#include "xvipd/metrics_snapshot.hpp"

namespace xvip {

class BfdEndpoint {
public:
    struct Wiring {
        Timers& timers;
        // Sends one control packet of the session to its neighbour; false when the kernel refused.
        std::function<bool(const BfdInstance& session, std::span<const std::uint8_t> packet)> send;
        // The session's verdict changed: it came Up (true), left Up, or did not come Up within its
        // first detection time at the idle rate (false, once).
        std::function<void(const std::string& name, bool up)> on_change;
        std::uint64_t seed = std::random_device{}();  // discriminators and jitter
    };

    BfdEndpoint(Wiring wiring, const std::vector<BfdInstance>& sessions);
    ~BfdEndpoint();
    BfdEndpoint(const BfdEndpoint&) = delete;
    BfdEndpoint& operator=(const BfdEndpoint&) = delete;

    // A reload: a session with the same name and parameters keeps running with its state; the
    // others are dropped or started Down.
    void reconfigure(const std::vector<BfdInstance>& sessions);

    // Starts sending (sessions not passive).
    void start();

    // One datagram received on port 3784: its source address, the TTL it arrived with, its payload.
    void receive(const IpAddress& source, int ttl, std::span<const std::uint8_t> payload);

    // Up or not, by session name (a name the endpoint does not run is not Up).
    bool up(const std::string& name) const;
    // The verdict of each session that has one (see on_change); what a reload carries.
    std::map<std::string, bool> states() const;

    nlohmann::json status() const;
    std::vector<BfdSessionMetrics> metrics() const;
    const std::array<std::uint64_t, bfd_drop_count>& drops() const { return drops_; }

private:
    struct PlannedTimer {
        Timers::TimerId id;
        TimePoint at;
    };
    struct Session {
        BfdInstance config;
        BfdSession bfd;
        std::optional<PlannedTimer> tx_timer;
        std::optional<PlannedTimer> detect_timer;
        std::optional<TimePoint> last_rx_up;  // the last packet taken while Up
        BfdSessionMetrics counters;
        bool heard = false;     // a passive session sends once the neighbour has spoken
        bool reported = false;  // on_change has given a verdict
        std::optional<Timers::TimerId> first_verdict_timer;
    };

    std::unique_ptr<Session> make_session(const BfdInstance& config);
    void stop(Session& s);
    void transmit(Session& s);
    void schedule_tx(Session& s);
    void watch_detection(Session& s);
    void changed(Session& s, const BfdStateChange& change);
    Session* find(const IpAddress& source, const BfdControl& packet);

    Wiring wiring_;
    std::mt19937_64 random_;
    std::map<std::string, std::unique_ptr<Session>> sessions_;
    std::array<std::uint64_t, bfd_drop_count> drops_{};
    bool started_ = false;
};

}  // namespace xvip
