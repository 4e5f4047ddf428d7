// One configured VRRP instance at work in xvipd: the election (InstanceRunner) wired to the real
// world. It owns what the election does not decide: the lease in the state word, the GARP/NA
// bursts, the make-before-break handover, the restart hand-off, and the record of transitions.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "codec/checksum_form.hpp"
#include "common/mac_address.hpp"
#include "config/config.hpp"
#include "daemon/timers.hpp"
#include "dataplane/dataplane.hpp"
#include "election/instance_runner.hpp"
#include "system/send_result.hpp"
#include "xvipd/metrics_snapshot.hpp"

namespace xvip {

struct Transition {
    State from = State::initialize;
    State to = State::initialize;
    std::string cause;
    std::chrono::system_clock::time_point when;
    TimePoint decided;  // the event loop's CLOCK_MONOTONIC time of the event that caused it
};

class VrrpInstance final : AdvertTransport, DataplaneRole, Announcer, TransitionObserver {
public:
    // How the instance reaches the world; the interface it runs on provides all of it, a unit
    // test provides simulated time and recorders.
    struct Wiring {
        Timers& timers;
        // The instance's state word in the data plane: one aligned store, seen on the next packet.
        std::function<void(StateWord)> write_state;
        // The same store as a compare-and-swap against the word this instance last stored (or
        // accepted): false, nothing stored, when the data plane's advert guard demoted the
        // instance meanwhile. Unset: write_state.
        std::function<bool(StateWord)> replace_state;
        // Takes the word as it is now as the one last stored.
        std::function<void()> accept_state;
        std::function<StateWord()> read_state;
        // The priority the data plane judges adverts against while this instance is active (its
        // advert guard); 0 turns the guard off. Unset: no guard.
        std::function<void(std::uint8_t priority)> write_guard;
        MacAddress mac;
        IpAddress source;  // advert source: unicast_src / the interface's primary or link-local
        // Success, or the errno the kernel refused the advert with (an nftables rule: EPERM; no
        // route to a unicast peer: ENETUNREACH).
        std::function<SendResult(std::span<const std::uint8_t> message, const IpAddress& source,
                                 const IpAddress& destination)>
            send_advert;
        std::function<bool(std::span<const std::uint8_t> frame)> send_frame;
        // Reads every advert waiting on the instance's socket, through the election. Called before
        // an expired lease is renewed: after a stall, first learn what was missed.
        std::function<void()> drain_socket;
        // After every transition, once the state word is written and the burst is out.
        std::function<void(const VrrpInstance&, const Transition&)> on_transition;
        // local_traffic_follows_active: where this host's own traffic to the VIPs goes (unset:
        // here). Empty when the option is off.
        std::function<void(const std::optional<IpAddress>& active_router)> route_local_traffic;
        // Fast failover, the successor's side of the data plane (Dataplane::configure_fast_failover
        // and the rest). Unset: no data plane to ask (unit tests), fast failover stays off.
        struct FastFailover {
            std::function<void(const FastFailoverSettings&)> configure;
            std::function<std::uint32_t(StateWord takeover)> prepare_request;
            std::function<FastFailoverStatus()> status;
            std::function<void()> clear_takeover;
        };
        std::optional<FastFailover> fast;
    };

    VrrpInstance(const Instance& config, Wiring wiring);
    ~VrrpInstance();
    VrrpInstance(const VrrpInstance&) = delete;
    VrrpInstance& operator=(const VrrpInstance&) = delete;

    // resume_as_active: a previous xvipd left this instance active with a live lease (restart).
    // announce: resuming, announce the VIPs anyway (the interface's MAC changed since, so the
    // clients' caches hold one that no longer answers).
    void start(bool resume_as_active, bool announce = false);
    // Restart and reload: whether the state word the previous xvipd (or configuration) left makes
    // this instance resume as active, so that no peer notices the hand-off.
    static bool resumes_as_active(const StateWord& left, TimePoint now);

    // What a reload hands from an instance to the one that replaces it in the same process: its
    // record of transitions and the state it was in. An instance that continues it counts the
    // state it resumes in as no transition, since no peer or client saw one.
    struct History {
        InstanceKey key;
        State state = State::initialize;
        std::uint64_t transitions = 0;
        std::vector<Transition> recent;  // newest last
    };
    History history() const;
    // Before start(): continue the record of the instance this one replaces (same key).
    void continue_history(History history);
    void receive(const Advert& advert, const ReceiveMetadata& meta);
    void set_priority(std::uint8_t priority, const std::string& cause);
    void set_fault(bool fault, const std::string& cause);
    // The data plane's events. demoted: an advert outranked this instance and the XDP program put
    // its word standby; the advert is read before the word is written again. conflict: another
    // MAC claimed one of its VIPs; if active, the VIPs are announced again at once.
    void data_plane_demoted();
    void data_plane_conflict();
    // Fast failover: the data plane's detector made this backup active (the active node's data
    // plane fell silent), or undid that (the old active node answered after all).
    void data_plane_fast_takeover();
    void data_plane_fast_reverted();

    // Planned stop, make-before-break: priority 0 goes out, the node keeps answering until the
    // new active router speaks, then drains until the drain deadline, then goes standby; then done.
    void hand_over(std::function<void()> done);
    // Restart path: stop every timer and leave the state word exactly as it is.
    void abandon();
    // Before leaving through the restart path because the interface's MAC changed: a master that
    // is answering sends one last advert, which renews the lease if it leaves, so that the next
    // start (systemd's RestartSec later, 100 ms by default) still finds the lease live and resumes.
    void speak_before_leaving();

    // Maintenance: leave the election as a planned stop does (make-before-break), then stay out
    // until leave_maintenance(), which rejoins as at start-up (cutting a drain short). Both return
    // false when there is nothing to do.
    bool enter_maintenance(const std::string& reason);
    bool leave_maintenance();
    const std::optional<std::string>& maintenance() const { return maintenance_; }

    const Instance& config() const { return config_; }
    InstanceKey key() const { return key_; }
    State state() const { return runner_.election().state(); }
    std::uint8_t priority() const { return runner_.election().priority(); }
    const std::string& name() const { return config_.name; }
    nlohmann::json status(TimePoint now) const;
    // What the metrics expose of this instance at `now`, typed, from the same members as status().
    InstanceMetrics metrics(TimePoint now) const;

private:
    void send(const Advert& advert, TimePoint now) override;
    void set_role(Role role, TimePoint now) override;
    void announce(TimePoint now) override;
    void state_changed(State from, State to, TimePoint now) override;

    void rearm();
    void update_local_route();
    void on_timer();
    void write_lease(TimePoint from);
    // Every state word but standby goes through here: a compare-and-swap against the word last
    // stored. False when the data plane demoted the instance (then it is read before any rewrite).
    bool store_word(StateWord word);
    void noticed_demotion();
    // After a demotion: read the adverts waiting. `final` (an advert timer past the grace): an
    // instance still master then refused that advert (or never got it), takes the word back and
    // turns the guard off until it next becomes master.
    void settle_demotion(bool final);
    void update_guard();
    // The data plane answers ARP/NS for the VIPs: the state word is active and its lease live.
    bool answering(TimePoint now) const;
    void send_burst(int repeat);
    void schedule_refresh(TimePoint now);
    void announce_at(TimePoint when, Timers::Callback callback);
    // Claims (another MAC for a VIP) are answered by a master that answers and hands over nothing,
    // with one round of GARPs / unsolicited NAs, now or when `timer` (rescheduled) fires.
    bool answers_claims(TimePoint now) const;
    void answer_claim();
    void answer_claim_later(std::optional<Timers::TimerId>& timer, TimePoint when);
    // The settle round outlives a new announcement (a lower-priority advert's burst may come before
    // the claimant's last GARP); it ends with the active role.
    void cancel_settle_round();
    void cancel_announcements();
    void finish_handover();
    Duration lease_length() const { return 3 * advert_interval_; }
    // Fast failover: a backup sends a request every interval, and so does a master within
    // Master_Down_Interval of a fast takeover (an Up answer then reverts it).
    bool fast_sending(TimePoint now) const;
    // Fast failover's detection time: fast_failover_interval x fast_failover_multiplier.
    Duration fast_detection_time() const;
    // Why fast failover left a takeover to VRRP, for the transition's cause: the detector's state.
    std::string fast_failover_missed(TimePoint now) const;
    // The session as status and metrics show it, from the data plane's side of it and ours.
    InstanceMetrics::FastFailover fast_session(const FastFailoverStatus& s) const;
    void configure_fast_failover();
    void update_fast_sender(TimePoint now);
    void send_fast_request();
    // A request that left `late` after it was due (the loop was not scheduled): counted, and said.
    void note_late_request(TimePoint now, Duration late);
    Duration handover_timeout() const;

    Instance config_;
    Wiring wiring_;
    InstanceKey key_;
    Duration advert_interval_;
    ChecksumForm checksum_form_;
    std::vector<IpAddress> destinations_;
    InstanceRunner runner_;

    std::optional<Timers::TimerId> election_timer_;
    // Pending burst rounds and second bursts, with when each is due (so the fired ones are dropped).
    std::vector<std::pair<Timers::TimerId, TimePoint>> announce_timers_;
    // garp_master_refresh: one chain at most, however often announce() is called.
    std::optional<Timers::TimerId> refresh_timer_;
    // After a reported conflict: one more round once the kernel's rate limit has passed.
    std::optional<Timers::TimerId> conflict_timer_;
    // And one an advert interval after the latest conflict, once claims have stopped: the last
    // word a client hears after a stretch of claims (a successor flapping under loss) is ours.
    std::optional<Timers::TimerId> settle_timer_;
    std::optional<Timers::TimerId> handover_timer_;
    std::optional<Timers::TimerId> demotion_timer_;
    std::optional<Timers::TimerId> fast_timer_;
    TimePoint fast_due_{};                        // when the pending request was due
    Duration most_late_{0};                       // how long after it was due a request left, at most
    std::optional<TimePoint> late_logged_at_;     // the latest "request left late" line
    Duration late_logged_most_{0};                // the most late that line and those since a second before said
    std::optional<TimePoint> fast_revert_until_;  // after a fast takeover: the window for a revert
    TimePoint demoted_at_{};                      // when the latest demotion was noticed
    bool demoted_ = false;          // the data plane demoted the instance and no advert has explained it yet
    bool guard_suspended_ = false;  // a demoting advert was refused here: no guard until next master
    std::optional<std::uint8_t> guard_written_;
    TimePoint last_conflict_log_{};
    TimePoint lease_end_{};
    Duration suspended_at_renewal_{0};  // Timers::suspended() when the lease was last written
    std::string cause_ = "startup";
    std::optional<IpAddress> active_router_;
    bool released_ = false;                   // the latest accepted advert had priority 0
    bool outranked_ = false;                  // within receive() or a fast revert: another router is master
    bool sends_failing_ = false;              // the latest advert did not leave for every destination
    bool resuming_ = false;                   // within start(true): adopting a live lease
    std::optional<std::string> maintenance_;  // the operator's reason, while out of the election
    std::vector<Transition> transitions_;     // the latest few, newest last
    // continue_history(): the state the replaced instance was in, until the first state change.
    std::optional<State> carried_state_;
    std::set<std::pair<IpAddress, DiscardReason>> logged_discards_;

    enum class Handover { none, waiting_for_successor, draining, done };
    Handover handover_ = Handover::none;
    std::function<void()> handover_done_;

    struct Counters {
        std::uint64_t adverts_sent = 0, adverts_received = 0, send_failures = 0;
        std::uint64_t announcements = 0, frames_sent = 0, frame_failures = 0, lease_renewals = 0;
        std::uint64_t stalls = 0, transitions = 0, demotions = 0, conflicts = 0;
        std::uint64_t fast_requests = 0, fast_request_failures = 0, fast_takeovers = 0, fast_reverts = 0;
        std::uint64_t fast_late_requests = 0;
    } counters_;
};

}  // namespace xvip
