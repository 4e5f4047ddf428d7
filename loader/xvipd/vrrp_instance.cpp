#include "xvipd/vrrp_instance.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "codec/advert_codec.hpp"
#include "codec/bfd_control.hpp"
#include "codec/frames.hpp"
#include "common/duration.hpp"

namespace xvip {

namespace {

// Two clock reads are not one instant: a "sleep" shorter than this is their jitter.
constexpr Duration suspend_tolerance = std::chrono::milliseconds(1);

constexpr std::size_t transitions_kept = 16;

// After the data plane demoted an instance, how long the daemon waits for the advert that did it
// before it concludes, at its next advert timer, that it refused that advert (the event can come a
// moment before the advert reaches the socket).
constexpr Duration demotion_grace = std::chrono::milliseconds(10);

const IpAddress vrrp_group_v4 = *IpAddress::parse("224.0.0.18");
const IpAddress vrrp_group_v6 = *IpAddress::parse("ff02::12");

ChecksumForm checksum_form_for(const Instance& config, AddressFamily family) {
    if (config.version == VrrpVersion::v2 || family == AddressFamily::ipv6) {
        return default_checksum_form(config.version, family);
    }
    switch (config.v3_ipv4_checksum) {
        case V3Ipv4Checksum::pseudo_header_real_destination: return ChecksumForm::ipv4_pseudo_header;
        case V3Ipv4Checksum::pseudo_header_multicast_group: return ChecksumForm::ipv4_pseudo_header_vrrp_group;
        case V3Ipv4Checksum::message_only: return ChecksumForm::message_only;
    }
    return ChecksumForm::ipv4_pseudo_header;
}

InstanceConfig runtime_config(const Instance& config, const IpAddress& source) {
    InstanceConfig rc;
    rc.version = config.version;
    rc.vrid = static_cast<std::uint8_t>(config.vrid);
    rc.priority = static_cast<std::uint8_t>(config.priority);
    rc.advert_interval = config.advert_interval;
    rc.primary_address = source;
    for (const auto& vip : config.vips) rc.virtual_addresses.push_back(vip.address);
    for (const auto& peer : config.unicast_peers) {
        rc.unicast_peers.push_back({peer.address, static_cast<std::uint8_t>(peer.min_ttl.value_or(0)),
                                    static_cast<std::uint8_t>(peer.max_ttl.value_or(255))});
    }
    if (config.auth) {
        rc.auth_type = AuthType::simple_password;
        std::copy_n(config.auth->password.begin(), std::min<std::size_t>(8, config.auth->password.size()),
                    rc.auth_data.begin());
    }
    rc.preempt = config.preempt;
    rc.preempt_delay = config.preempt_delay;
    return rc;
}

// keepalived's words for the states, which hooks and operators know.
std::string_view keepalived_state(State s) {
    switch (s) {
        case State::master: return "MASTER";
        case State::backup: return "BACKUP";
        case State::fault: return "FAULT";
        case State::initialize: return "INIT";
    }
    return "UNKNOWN";
}

}  // namespace

VrrpInstance::VrrpInstance(const Instance& config, Wiring wiring)
    : config_(config),
      wiring_(std::move(wiring)),
      key_{*config.family(), static_cast<std::uint8_t>(config.vrid)},
      advert_interval_(config.advert_interval),
      checksum_form_(checksum_form_for(config, *config.family())),
      runner_(runtime_config(config, wiring_.source), Ports{*this, *this, *this, this}) {
    if (config.is_unicast()) {
        for (const auto& peer : config.unicast_peers) destinations_.push_back(peer.address);
    } else {
        destinations_.push_back(key_.family == AddressFamily::ipv4 ? vrrp_group_v4 : vrrp_group_v6);
    }
}

VrrpInstance::~VrrpInstance() {
    abandon();
}

VrrpInstance::History VrrpInstance::history() const {
    return History{.key = key_, .state = state(), .transitions = counters_.transitions, .recent = transitions_};
}

void VrrpInstance::continue_history(History history) {
    if (history.key != key_) return;
    counters_.transitions = history.transitions;
    transitions_ = std::move(history.recent);
    carried_state_ = history.state;
}

void VrrpInstance::start(bool resume_as_active, bool announce) {
    const auto now = wiring_.timers.now();
    suspended_at_renewal_ = wiring_.timers.suspended();  // sleeps before this process are not ours
    cause_ = resume_as_active ? "restart: adopted an active data plane with a live lease" : "startup";
    if (resume_as_active) lease_end_ = now + lease_length();  // what the previous xvipd left
    resuming_ = resume_as_active;
    configure_fast_failover();
    runner_.start(now, resume_as_active);  // an advert, then BecomeActive
    resuming_ = false;
    rearm();
    update_fast_sender(now);
    if (resume_as_active && announce && state() == State::master) this->announce(now);
}

bool VrrpInstance::resumes_as_active(const StateWord& left, TimePoint now) {
    return left.effective_role(now) == XdpRole::active;
}

void VrrpInstance::receive(const Advert& advert, const ReceiveMetadata& meta) {
    const auto now = wiring_.timers.now();
    cause_ = "advert from " + meta.source.to_string() + " priority " + std::to_string(advert.priority);
    outranked_ = advert.priority > 0;  // a master that leaves on it leaves for that router
    const auto verdict = runner_.receive(advert, meta, now);
    outranked_ = false;
    if (verdict.new_mismatch) {
        auto list = [](const std::vector<IpAddress>& addresses) {
            std::string out;
            for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.to_string();
            return out;
        };
        spdlog::warn(
            "{}: {} advertises other addresses [{}] than ours [{}]; fix one of the two "
            "configurations (logged once)",
            name(), verdict.new_mismatch->source.to_string(), list(verdict.new_mismatch->theirs),
            list(verdict.new_mismatch->ours));
    }
    if (!verdict.accepted()) {
        // A misconfigured peer sends the same wrong advert every interval: say so once per peer
        // and reason; the counters carry the rest.
        if (logged_discards_.emplace(meta.source, *verdict.discard).second) {
            spdlog::warn("{}: discarding adverts from {}: {} (logged once; see the discard counters)", name(),
                         meta.source.to_string(), to_string(*verdict.discard));
        }
        return;
    }
    ++counters_.adverts_received;
    released_ = advert.priority == 0;
    if (state() == State::backup && advert.priority > 0 && active_router_ != meta.source) {
        active_router_ = meta.source;
        update_local_route();
    }

    // Make-before-break: the successor has spoken, so clients are being told where the VIP is.
    if (handover_ == Handover::waiting_for_successor && advert.priority > 0) {
        handover_ = Handover::draining;
        (void)store_word(StateWord::draining_until(now + config_.drain_deadline));
        spdlog::info("{}: {} is active now; draining for {}", name(), meta.source.to_string(),
                     format_duration(config_.drain_deadline));
        if (handover_timer_) wiring_.timers.cancel(*handover_timer_);
        handover_timer_ = wiring_.timers.schedule(now + config_.drain_deadline, [this] { finish_handover(); });
        return;
    }
    rearm();
}

void VrrpInstance::set_priority(std::uint8_t priority, const std::string& cause) {
    cause_ = cause;
    runner_.set_priority(priority, wiring_.timers.now());
    update_guard();
    configure_fast_failover();
    rearm();
}

void VrrpInstance::data_plane_demoted() {
    // Stale when the word still answers: the guard only ever writes standby, and the daemon's own
    // writes since (backup, then master again) have settled what the event was about.
    if (state() != State::master || answering(wiring_.timers.now())) return;
    noticed_demotion();
}

void VrrpInstance::data_plane_conflict() {
    const auto now = wiring_.timers.now();
    ++counters_.conflicts;
    if (!answers_claims(now)) return;
    if (now - last_conflict_log_ >= std::chrono::seconds(1)) {
        spdlog::warn("{}: another MAC claims one of its VIPs; announcing them again (logged once a second)", name());
        last_conflict_log_ = now;
    }
    // One round at once, not a new burst with its refresh: the kernel reports a conflict once a
    // millisecond at most, and a claimant that keeps claiming gets a round for each claim.
    answer_claim();
    // And one more once that millisecond has passed: a claim the kernel did not report, because it
    // came within the millisecond (the last GARP of a node that the election demoted meanwhile,
    // as after a partition heals), must not be the last a client hears.
    answer_claim_later(conflict_timer_, now + 2 * Duration(XVIP_CONFLICT_INTERVAL_NS));
    // Under loss both rounds may miss a client that the claimant's last GARP reached: a successor
    // that took over and was reverted many times (fast failover under loss) has then left it on
    // its MAC, where it stays until the entry's locktime or probes run out (a second or more).
    // One round an advert interval after the latest claim, when the claims have stopped, is the
    // last word. Claims in between move it; they do not add rounds.
    answer_claim_later(settle_timer_, now + advert_interval_);
}

bool VrrpInstance::answers_claims(TimePoint now) const {
    return state() == State::master && handover_ == Handover::none && answering(now);
}

void VrrpInstance::answer_claim() {
    ++counters_.announcements;
    send_burst(1);
}

void VrrpInstance::answer_claim_later(std::optional<Timers::TimerId>& timer, TimePoint when) {
    if (timer) wiring_.timers.cancel(*timer);
    timer = wiring_.timers.schedule(when, [this, &timer] {
        timer.reset();
        if (answers_claims(wiring_.timers.now())) answer_claim();
    });
}

void VrrpInstance::data_plane_fast_takeover() {
    const auto now = wiring_.timers.now();
    // Stale unless this backup's word is what the detector stored (active, live).
    if (!wiring_.fast || state() != State::backup || !answering(now)) return;
    const FastFailoverStatus s = wiring_.fast->status();
    const auto silent = s.takeover && s.last_answer ? *s.takeover - *s.last_answer : Duration{0};
    const double silent_ms = std::chrono::duration<double, std::milli>(silent).count();
    ++counters_.fast_takeovers;
    spdlog::warn("{}: fast failover: the active node's data plane was silent for {:.3f} ms; taking over", name(),
                 silent_ms);
    cause_ = fmt::format("fast failover: the active node's data plane silent for {:.3f} ms", silent_ms);
    wiring_.accept_state();  // the detector's word, with the lease prepared before the last request
    fast_revert_until_ = now + runner_.election().master_down_interval();
    runner_.fast_takeover(now);
    rearm();
    update_fast_sender(now);
}

void VrrpInstance::data_plane_fast_reverted() {
    const auto now = wiring_.timers.now();
    if (!wiring_.fast || state() != State::master || !fast_revert_until_) return;
    ++counters_.fast_reverts;
    spdlog::warn("{}: fast failover undone: the old active node answered again (a takeover under loss)", name());
    cause_ = "fast failover undone: the old active node answered again";
    fast_revert_until_.reset();
    outranked_ = true;
    runner_.fast_reverted(now);
    outranked_ = false;
    rearm();
    update_fast_sender(now);
}

void VrrpInstance::configure_fast_failover() {
    if (!wiring_.fast) return;
    FastFailoverSettings settings;
    if (config_.fast_failover) {
        settings.interval = config_.fast_failover_interval;
        settings.multiplier = static_cast<std::uint8_t>(config_.fast_failover_multiplier);
        settings.priority = priority();
    }
    wiring_.fast->configure(settings);
}

Duration VrrpInstance::fast_detection_time() const {
    return config_.fast_failover_interval * config_.fast_failover_multiplier;
}

InstanceMetrics::FastFailover VrrpInstance::fast_session(const FastFailoverStatus& s) const {
    return {.armed = s.armed,
            .detection_time = fast_detection_time(),
            .requests = counters_.fast_requests,
            .answers = s.answers,
            .takeovers = counters_.fast_takeovers,
            .reverts = counters_.fast_reverts,
            .largest_gap = s.largest_gap,
            .most_unanswered = s.most_unanswered,
            .late_requests = counters_.fast_late_requests,
            .most_late = most_late_};
}

bool VrrpInstance::fast_sending(TimePoint now) const {
    if (!wiring_.fast || !config_.fast_failover || config_.vips.empty() || handover_ != Handover::none) return false;
    return state() == State::backup || (state() == State::master && fast_revert_until_ && now < *fast_revert_until_);
}

void VrrpInstance::update_fast_sender(TimePoint now) {
    if (fast_revert_until_ && (state() != State::master || now >= *fast_revert_until_)) {
        fast_revert_until_.reset();
        wiring_.fast->clear_takeover();  // VRRP has settled: no answer reverts anything now
    }
    if (!fast_sending(now)) {
        if (fast_timer_) wiring_.timers.cancel(*fast_timer_);
        fast_timer_.reset();
        return;
    }
    if (fast_timer_) return;
    fast_due_ = now;
    fast_timer_ = wiring_.timers.schedule(now, [this] { send_fast_request(); });
}

void VrrpInstance::send_fast_request() {
    fast_timer_.reset();
    const auto now = wiring_.timers.now();
    const Duration late = now - fast_due_;  // before update_fast_sender() starts a new schedule
    update_fast_sender(now);
    if (!fast_timer_ && !fast_sending(now)) return;
    if (fast_timer_) wiring_.timers.cancel(*fast_timer_);
    const Duration interval = config_.fast_failover_interval;
    const auto multiplier = static_cast<std::uint8_t>(config_.fast_failover_multiplier);
    const FastFailoverStatus s = wiring_.fast->status();
    if (s.active_mac && late >= interval) note_late_request(now, late);
    if (s.active_mac) {
        // Down until the active node has answered, then Up (RFC 5880's three-way handshake, the
        // active node's program following our state) for as long as our data plane stays armed by
        // that answer (xvip_fast_arming_ns): a request this loop sends late is no reason to start
        // the handshake again, which would disarm the detector until the next Up answer.
        const Duration arming{xvip_fast_arming_ns(static_cast<std::uint64_t>(fast_detection_time().count()))};
        const bool answered = s.last_answer && now - *s.last_answer < arming &&
                              (s.answer_state == static_cast<std::uint8_t>(BfdState::init) ||
                               s.answer_state == static_cast<std::uint8_t>(BfdState::up));
        const auto interval_us =
            static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(interval).count());
        BfdControl control{.state = answered ? BfdState::up : BfdState::down,
                           .detect_multiplier = multiplier,
                           .your_discriminator = answered ? xvip_bfd_discriminator(key_.index()) : 0,
                           .desired_min_tx_us = interval_us,
                           .required_min_rx_us = interval_us};
        // The word the detector swaps in should the active node be silent from now on.
        control.my_discriminator = wiring_.fast->prepare_request(StateWord::active_until(now + lease_length()));
        const auto frame = build_bfd_frame(
            *s.active_mac, wiring_.mac, wiring_.source, config_.vips.front().address,
            static_cast<std::uint16_t>(XVIP_BFD_SOURCE_PORT_BASE + (key_.index() & XVIP_BFD_SOURCE_PORT_MASK)),
            encode_bfd_control(control));
        if (frame && wiring_.send_frame(*frame)) {
            ++counters_.fast_requests;
        } else {
            ++counters_.fast_request_failures;
        }
    }
    // Every interval from the first, without drift; a late loop skips the missed ones.
    fast_due_ += interval;
    if (fast_due_ <= now) fast_due_ = now + interval;
    fast_timer_ = wiring_.timers.schedule(fast_due_, [this] { send_fast_request(); });
}

void VrrpInstance::note_late_request(TimePoint now, Duration late) {
    ++counters_.fast_late_requests;
    most_late_ = std::max(most_late_, late);
    // One line a second, and any later that says more: a loaded host does not flood the log.
    const bool quiet = late_logged_at_ && now - *late_logged_at_ < std::chrono::seconds(1);
    if (quiet && late <= late_logged_most_) return;
    if (!quiet) late_logged_most_ = Duration{0};
    late_logged_at_ = now;
    late_logged_most_ = std::max(late_logged_most_, late);
    spdlog::warn(
        "{}: fast failover: a request left {:.3f} ms late (xvipd was not scheduled in time); the active "
        "node's failure would be detected that much later",
        name(), std::chrono::duration<double, std::milli>(late).count());
}

bool VrrpInstance::store_word(StateWord word) {
    if (word.role == XdpRole::standby) {
        // Standby is what the guard writes too: it never needs a swap, and settles a demotion.
        wiring_.write_state(word);
        demoted_ = false;
        if (demotion_timer_) wiring_.timers.cancel(*demotion_timer_);
        demotion_timer_.reset();
        return true;
    }
    if (demoted_) return false;  // never rewrite before the advert that demoted it is read
    if (!wiring_.replace_state) {
        wiring_.write_state(word);
        return true;
    }
    if (wiring_.replace_state(word)) return true;
    noticed_demotion();
    return false;
}

void VrrpInstance::noticed_demotion() {
    if (demoted_) return;
    demoted_ = true;
    demoted_at_ = wiring_.timers.now();
    ++counters_.demotions;
    spdlog::warn("{}: an advert outranked this node and its data plane stopped answering at once; reading it", name());
    // Read outside whatever the election is doing now (a renewal can notice it mid-action).
    demotion_timer_ = wiring_.timers.schedule(wiring_.timers.now(), [this] {
        demotion_timer_.reset();
        settle_demotion(false);
    });
}

void VrrpInstance::settle_demotion(bool final) {
    if (!demoted_) return;
    wiring_.drain_socket();  // the advert, through the election: as backup, standby settles it
    if (demoted_ && state() != State::master) (void)store_word(StateWord::standby());
    if (!demoted_ || !final) {
        rearm();
        return;
    }
    // A whole advert interval later this node is still master: it refused the advert the data
    // plane acted on (a mismatch the program does not check: another VIP list, a bad checksum),
    // or it never arrived. Take the word back; the guard stays off until the next time this
    // instance becomes master, so that such a peer cannot silence it again every interval.
    spdlog::warn(
        "{}: the advert that demoted the data plane was not accepted here; answering again, the advert guard is "
        "off until this node next becomes master",
        name());
    demoted_ = false;
    guard_suspended_ = true;
    if (wiring_.accept_state) wiring_.accept_state();
    update_guard();
}

void VrrpInstance::update_guard() {
    if (!wiring_.write_guard) return;
    const bool on = state() == State::master && handover_ == Handover::none && !guard_suspended_;
    const std::uint8_t priority = on ? this->priority() : 0;
    if (guard_written_ == priority) return;
    wiring_.write_guard(priority);
    guard_written_ = priority;
}

void VrrpInstance::set_fault(bool fault, const std::string& cause) {
    cause_ = cause;
    runner_.set_fault(fault, wiring_.timers.now());
    rearm();
}

Duration VrrpInstance::handover_timeout() const {
    // Backups take over Skew_Time after hearing priority 0; if nobody has spoken by a full
    // Master_Down_Interval, nobody will.
    return runner_.election().master_down_interval();
}

void VrrpInstance::hand_over(std::function<void()> done) {
    const auto now = wiring_.timers.now();
    const bool was_master = state() == State::master;
    handover_done_ = std::move(done);
    handover_ = was_master ? Handover::waiting_for_successor : Handover::done;
    cause_ = maintenance_ ? "maintenance: " + *maintenance_ : "planned stop";
    runner_.stop(now);  // priority 0 if master; the data plane stays active (see set_role)
    update_guard();     // off: the successor's advert makes this node drain, not go standby
    if (election_timer_) wiring_.timers.cancel(*election_timer_);
    election_timer_.reset();
    if (!was_master) {
        finish_handover();
        return;
    }
    spdlog::info("{}: sent priority 0; answering until a successor speaks (at most {})", name(),
                 format_duration(handover_timeout()));
    handover_timer_ = wiring_.timers.schedule(now + handover_timeout(), [this] {
        spdlog::warn("{}: no successor spoke within {}; going standby", name(), format_duration(handover_timeout()));
        finish_handover();
    });
}

bool VrrpInstance::enter_maintenance(const std::string& reason) {
    if (maintenance_ || handover_ != Handover::none) return false;
    maintenance_ = reason.empty() ? "no reason given" : reason;
    spdlog::info("{}: maintenance on ({}): leaving the election", name(), *maintenance_);
    hand_over([] {});
    return true;
}

bool VrrpInstance::leave_maintenance() {
    if (!maintenance_) return false;
    spdlog::info("{}: maintenance off: rejoining the election", name());
    if (handover_ != Handover::done) finish_handover();  // still handing over or draining: cut it short
    maintenance_.reset();
    handover_ = Handover::none;
    cause_ = "maintenance off";
    runner_.start(wiring_.timers.now());
    rearm();
    return true;
}

void VrrpInstance::finish_handover() {
    if (handover_timer_) wiring_.timers.cancel(*handover_timer_);
    handover_timer_.reset();
    cancel_announcements();
    (void)store_word(StateWord::standby());
    handover_ = Handover::done;
    if (auto done = std::exchange(handover_done_, nullptr)) done();
}

void VrrpInstance::abandon() {
    if (fast_timer_) wiring_.timers.cancel(*fast_timer_);
    fast_timer_.reset();
    if (election_timer_) wiring_.timers.cancel(*election_timer_);
    if (handover_timer_) wiring_.timers.cancel(*handover_timer_);
    if (demotion_timer_) wiring_.timers.cancel(*demotion_timer_);
    election_timer_.reset();
    handover_timer_.reset();
    demotion_timer_.reset();
    cancel_announcements();
    cancel_settle_round();
}

void VrrpInstance::speak_before_leaving() {
    const auto now = wiring_.timers.now();
    if (state() != State::master || handover_ != Handover::none || !answering(now)) return;
    send(runner_.config().advert(priority()), now);
}

void VrrpInstance::rearm() {
    if (election_timer_) wiring_.timers.cancel(*election_timer_);
    election_timer_.reset();
    if (handover_ != Handover::none) return;
    if (const auto next = runner_.next_deadline()) {
        election_timer_ = wiring_.timers.schedule(*next, [this] {
            election_timer_.reset();
            on_timer();
        });
    }
}

void VrrpInstance::on_timer() {
    const auto now = wiring_.timers.now();
    // The system slept since the lease was written (suspend, a VM paused by its host): the
    // monotonic clock and jiffies stood still, so the lease still looks live to the data plane,
    // but for the peers a Master_Down_Interval may have passed and a backup be active. The data
    // plane goes quiet at once and the missed adverts are read before anything renews it.
    const Duration slept = wiring_.timers.suspended() - suspended_at_renewal_;
    if (demoted_ && state() == State::master) {
        // The data plane demoted this instance and no advert has explained it. Read again; past
        // the grace (the ring buffer's event can come a moment before the advert reaches the
        // socket), what is still unexplained was refused here.
        settle_demotion(now - demoted_at_ >= demotion_grace);
        if (state() != State::master) {
            rearm();
            return;
        }
    }
    if (state() == State::master && slept > suspend_tolerance) {
        ++counters_.stalls;
        spdlog::warn(
            "{}: the system slept {} since the lease was written; standing by and reading missed adverts "
            "before renewing",
            name(), format_duration(slept));
        lease_end_ = now;
        suspended_at_renewal_ = wiring_.timers.suspended();
        (void)store_word(StateWord::standby());
        wiring_.drain_socket();
        if (state() != State::master) {
            rearm();
            return;
        }
    } else if (state() == State::master && now >= lease_end_) {
        // We were stalled past our own lease (SIGSTOP, a hung host), or our adverts have not been
        // leaving: the data plane has gone quiet by itself. Before anything renews it, run the
        // election on what we missed.
        if (!sends_failing_) {
            ++counters_.stalls;
            spdlog::warn("{}: woke {} after the lease ended; reading missed adverts before renewing", name(),
                         format_duration(now - lease_end_));
        }
        wiring_.drain_socket();
        if (state() != State::master) {
            rearm();
            return;
        }
    }
    if (state() == State::backup) {
        cause_ = released_ ? "the active router released the VIP (priority 0); Skew_Time passed"
                           : "no advert from the active router within Master_Down_Interval" + fast_failover_missed(now);
    } else {
        cause_ = "advert timer";
    }
    runner_.on_time(now);
    rearm();
}

std::string VrrpInstance::fast_failover_missed(TimePoint now) const {
    if (!wiring_.fast || !config_.fast_failover) return "";
    const FastFailoverStatus s = wiring_.fast->status();
    if (!s.active_mac) return "; fast failover: no active node learnt";
    const auto ago = [now](TimePoint at) { return std::chrono::duration<double, std::milli>(now - at).count(); };
    return fmt::format("; fast failover did not take over: {}, latest answer {} ({} requests, {} answers)",
                       s.armed ? "armed" : "not armed",
                       s.last_answer ? fmt::format("{:.1f} ms ago, {}", ago(*s.last_answer),
                                                   to_string(static_cast<BfdState>(s.answer_state)))
                                     : std::string("none"),
                       s.requests_sent, s.answers);
}

// Off the data path's critical path: after the state word and the burst, at the end of a transition.
void VrrpInstance::update_local_route() {
    if (!wiring_.route_local_traffic) return;
    const bool here = state() == State::master || !active_router_ || *active_router_ == wiring_.source;
    wiring_.route_local_traffic(here ? std::nullopt : active_router_);
}

void VrrpInstance::write_lease(TimePoint from) {
    suspended_at_renewal_ = wiring_.timers.suspended();
    if (!store_word(StateWord::active_until(from + lease_length()))) return;
    lease_end_ = from + lease_length();
    ++counters_.lease_renewals;
    update_guard();
}

void VrrpInstance::send(const Advert& advert, TimePoint now) {
    // The first destination the advert did not leave for, and why.
    std::optional<std::string> failure;
    for (const auto& destination : destinations_) {
        const IpEnvelope envelope{key_.family, wiring_.source, destination};
        const auto bytes = encode_advert(advert, envelope, checksum_form_);
        if (!bytes.has_value()) {
            ++counters_.send_failures;
            spdlog::error("{}: cannot encode advert: {}", name(), to_string(bytes.error()));
            if (!failure) failure = "cannot encode it: " + std::string(to_string(bytes.error()));
            continue;
        }
        const auto sent = wiring_.send_advert(*bytes, wiring_.source, destination);
        if (sent) {
            ++counters_.adverts_sent;
        } else {
            ++counters_.send_failures;
            if (!failure) failure = destination.to_string() + ": " + std::strerror(sent.error_number);
        }
    }
    // The lease follows what left the host: it runs from the send time of our latest advert that
    // left for every destination. An advert the kernel refused (an nftables rule: EPERM; the route
    // to a unicast peer gone: ENETUNREACH) tells a backup nothing, and a backup that hears nothing
    // takes over at its Master_Down_Interval; the lease of the last advert that did leave ends
    // before that. So one peer that did not get it is enough to withhold the renewal. Priority 0
    // renews nothing.
    const bool renews = advert.priority > 0 && state() == State::master && handover_ == Handover::none;
    if (failure) {
        if (!sends_failing_) {
            sends_failing_ = true;
            if (renews) {
                spdlog::warn(
                    "{}: an advert did not leave ({}); the lease is not renewed, and unless an advert leaves "
                    "before, the data plane stops answering in {} (logged once until adverts leave again)",
                    name(), *failure, format_duration(std::max(Duration::zero(), lease_end_ - now)));
            } else {
                spdlog::warn("{}: an advert did not leave ({}) (logged once until adverts leave again)", name(),
                             *failure);
            }
        }
        return;
    }
    const bool recovering = std::exchange(sends_failing_, false);
    if (recovering) spdlog::info("{}: adverts leave again", name());
    if (!renews) return;
    const bool lapsed = now >= lease_end_;
    write_lease(now);
    // While the lease was out a backup took over and told clients where the VIP is: tell them
    // again, now that this node answers (it outranks that backup, which steps down on this advert
    // and would not send the lower-priority advert that asks for an announcement).
    if (recovering && lapsed) announce(now);
}

void VrrpInstance::set_role(Role role, TimePoint now) {
    if (role == Role::active) {
        active_router_ = wiring_.source;
        guard_suspended_ = false;
        if (resuming_ && sends_failing_) {
            // A restart whose first advert was refused: keep the lease the previous xvipd left
            // rather than extend it with nothing sent (a restart storm would renew it for ever).
            lease_end_ = wiring_.read_state().deadline;
            return;
        }
        write_lease(now);
        return;
    }
    if (handover_ == Handover::waiting_for_successor && now < lease_end_) {
        // Still fully active while the successor takes over, bounded like any lease. Not when the
        // lease has already run out (adverts that did not leave): a backup may be active by now.
        (void)store_word(StateWord::active_until(now + handover_timeout()));
        return;
    }
    cancel_announcements();
    cancel_settle_round();
    (void)store_word(StateWord::standby());
}

bool VrrpInstance::answering(TimePoint now) const {
    return wiring_.read_state().effective_role(now) == XdpRole::active;
}

void VrrpInstance::announce(TimePoint now) {
    // A new announcement replaces the one under way: announce() comes again for every
    // lower-priority advert heard while master, and must not start another refresh chain each time.
    cancel_announcements();
    // Never point clients at a node whose data plane does not answer for the VIP: a master whose
    // lease ran out (its adverts did not leave) hears the lower-priority adverts of the backup
    // that took over, and each asks for an announcement.
    if (!answering(now)) return;
    ++counters_.announcements;
    send_burst(config_.garp.repeat);
    if (config_.garp.second_burst_delay.count() > 0) {
        announce_at(now + config_.garp.second_burst_delay, [this] {
            if (state() == State::master) send_burst(config_.garp.repeat);
        });
    }
    schedule_refresh(now);
}

void VrrpInstance::schedule_refresh(TimePoint now) {
    if (config_.garp.refresh_period.count() <= 0) return;
    refresh_timer_ = wiring_.timers.schedule(now + config_.garp.refresh_period, [this] {
        refresh_timer_.reset();
        if (state() != State::master) return;
        send_burst(config_.garp.refresh_repeat);
        schedule_refresh(wiring_.timers.now());
    });
}

void VrrpInstance::announce_at(TimePoint when, Timers::Callback callback) {
    const auto now = wiring_.timers.now();
    std::erase_if(announce_timers_, [now](const auto& timer) { return timer.second < now; });
    announce_timers_.emplace_back(wiring_.timers.schedule(when, std::move(callback)), when);
}

void VrrpInstance::send_burst(int repeat) {
    const auto gap = key_.family == AddressFamily::ipv4 ? config_.garp.interval : config_.garp.na_interval;
    auto send_all = [this] {
        if (!answering(wiring_.timers.now())) return;  // the lease ran out since the burst began
        for (const auto& vip : config_.vips) {
            bool sent = false;
            if (vip.address.is_v4()) {
                if (auto frame = build_gratuitous_arp(wiring_.mac, vip.address)) sent = wiring_.send_frame(*frame);
            } else if (auto frame = build_unsolicited_na(wiring_.mac, vip.address)) {
                sent = wiring_.send_frame(*frame);
            }
            ++(sent ? counters_.frames_sent : counters_.frame_failures);
        }
    };
    // The first round goes out now, right after the state word; the rest spaced by the gap.
    for (int i = 0; i < repeat; ++i) {
        if (i == 0 || gap.count() == 0) {
            send_all();
            continue;
        }
        announce_at(wiring_.timers.now() + i * gap, [this, send_all] {
            if (state() == State::master || handover_ == Handover::waiting_for_successor) send_all();
        });
    }
}

void VrrpInstance::cancel_announcements() {
    for (const auto& [id, due] : announce_timers_) wiring_.timers.cancel(id);
    announce_timers_.clear();
    if (refresh_timer_) wiring_.timers.cancel(*refresh_timer_);
    refresh_timer_.reset();
    if (conflict_timer_) wiring_.timers.cancel(*conflict_timer_);
    conflict_timer_.reset();
}

void VrrpInstance::cancel_settle_round() {
    if (settle_timer_) wiring_.timers.cancel(*settle_timer_);
    settle_timer_.reset();
}

void VrrpInstance::state_changed(State from, State to, TimePoint now) {
    Transition t{from, to, cause_, std::chrono::system_clock::now(), now};
    spdlog::info("{}: {} -> {} ({}), priority {}", name(), keepalived_state(from), keepalived_state(to), t.cause,
                 priority());
    if (to == State::master) active_router_ = wiring_.source;
    update_local_route();
    // After a reload, the first state is a transition only if it differs from the one the
    // replaced instance was in, and then from that one.
    const auto carried = std::exchange(carried_state_, std::nullopt);
    if (carried) t.from = *carried;
    if (!carried || *carried != to) {
        ++counters_.transitions;
        transitions_.push_back(t);
        if (transitions_.size() > transitions_kept) transitions_.erase(transitions_.begin());
    }
    if (wiring_.on_transition) wiring_.on_transition(*this, t);
    update_fast_sender(now);
    // A master that another router outranked (a split brain ending: a partition healed, a fast
    // takeover undone) may have answered clients last: one whose ARP cache took our reply keeps
    // it for the neighbour table's locktime (1 s) against the winner's replies, and the winner,
    // whose adverts demoted us, has no lower-priority advert of ours to announce on. Our data
    // plane stands by already (set_role ran first): one advert with our priority now makes the
    // winner announce, after our last answer.
    if (from == State::master && to == State::backup && outranked_ && handover_ == Handover::none && !released_) {
        send(runner_.config().advert(priority()), now);
    }
}

nlohmann::json VrrpInstance::status(TimePoint now) const {
    const auto word = wiring_.read_state();
    nlohmann::json j{
        {"name", name()},
        {"interface", config_.interface},
        {"family", to_string(key_.family)},
        {"vrid", config_.vrid},
        {"version", config_.version == VrrpVersion::v2 ? 2 : 3},
        {"state", keepalived_state(state())},
        {"role", to_string(word.effective_role(now))},
        {"priority", priority()},
        {"configured_priority", config_.priority},
        {"advert_interval_ms", std::chrono::duration_cast<std::chrono::milliseconds>(advert_interval_).count()},
        {"source", wiring_.source.to_string()},
        {"unicast", config_.is_unicast()},
        {"vips", nlohmann::json::array()},
        {"counters",
         {{"adverts_sent", counters_.adverts_sent},
          {"adverts_received", counters_.adverts_received},
          {"send_failures", counters_.send_failures},
          {"announcements", counters_.announcements},
          {"frames_sent", counters_.frames_sent},
          {"frame_failures", counters_.frame_failures},
          {"lease_renewals", counters_.lease_renewals},
          {"stalls", counters_.stalls},
          {"data_plane_demotions", counters_.demotions},
          {"conflicts_heard", counters_.conflicts}}},
    };
    for (const auto& vip : config_.vips) j["vips"].push_back(vip.address.to_string());
    j["active_router"] = active_router_ ? nlohmann::json(active_router_->to_string()) : nlohmann::json();
    if (word.role != XdpRole::standby) {
        j["deadline_left_ms"] = std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(word.deadline - now).count());
    }
    nlohmann::json discards = nlohmann::json::object();
    runner_.discards().for_each([&](DiscardReason reason, std::uint64_t n) {
        if (n) discards[std::string(to_string(reason))] = n;
    });
    j["discards"] = discards;
    if (!transitions_.empty()) {
        const auto& t = transitions_.back();
        j["last_transition"] = {
            {"from", keepalived_state(t.from)},
            {"to", keepalived_state(t.to)},
            {"cause", t.cause},
            {"unix_time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(t.when.time_since_epoch()).count()},
            // To the nanosecond, on the host's CLOCK_MONOTONIC: for lining it up with captures and
            // traces (the failover benchmark dates the decision with it).
            {"monotonic_ns", to_ns(t.decided)}};
    }
    j["transitions"] = counters_.transitions;
    if (config_.fast_failover && wiring_.fast) {
        const FastFailoverStatus s = wiring_.fast->status();
        const InstanceMetrics::FastFailover session = fast_session(s);
        nlohmann::json f{
            {"interval_ms", config_.fast_failover_interval.count()},
            {"multiplier", config_.fast_failover_multiplier},
            {"sending", fast_sending(now)},
            // armed: the active node answered Up, so this node is its designated successor
            {"armed", session.armed},
            {"answer_state", std::string(to_string(static_cast<BfdState>(s.answer_state & 3)))},
            {"active_mac", s.active_mac ? nlohmann::json(format_mac(*s.active_mac)) : nlohmann::json()},
            {"requests", session.requests},
            {"request_failures", counters_.fast_request_failures},
            {"answers", session.answers},
            {"takeovers", session.takeovers},
            {"reverts", session.reverts},
            // the detector's margin while armed, since the data plane was loaded: it takes over
            // at `multiplier` unanswered requests once multiplier x interval passed
            {"largest_answer_gap_ms", std::chrono::duration<double, std::milli>(session.largest_gap).count()},
            {"most_unanswered", session.most_unanswered},
            // requests that left an interval or more late: the detection came that much later
            {"late_requests", session.late_requests},
            {"most_late_request_ms", std::chrono::duration<double, std::milli>(session.most_late).count()},
        };
        f["last_answer_ms_ago"] =
            s.last_answer ? nlohmann::json(std::chrono::duration<double, std::milli>(now - *s.last_answer).count())
                          : nlohmann::json();
        j["fast_failover"] = f;
    }
    j["maintenance"] = maintenance_ ? nlohmann::json(*maintenance_) : nlohmann::json();
    return j;
}

InstanceMetrics VrrpInstance::metrics(TimePoint now) const {
    const auto word = wiring_.read_state();
    InstanceMetrics m{
        .name = name(),
        .interface = config_.interface,
        .family = key_.family,
        .vrid = static_cast<std::uint8_t>(config_.vrid),
        .state = state(),
        .role = word.effective_role(now),
        .priority = priority(),
        .configured_priority = static_cast<std::uint8_t>(config_.priority),
        .maintenance = maintenance_.has_value(),
        .transitions = counters_.transitions,
        .adverts_sent = counters_.adverts_sent,
        .adverts_received = counters_.adverts_received,
        .advert_send_failures = counters_.send_failures,
        .announcements = counters_.announcements,
        .frames_sent = counters_.frames_sent,
        .frame_failures = counters_.frame_failures,
        .lease_renewals = counters_.lease_renewals,
        .stalls = counters_.stalls,
    };
    if (word.role != XdpRole::standby) {
        m.lease_remaining = std::max<Duration>(Duration(0), word.deadline - now);
    }
    if (!transitions_.empty()) m.last_transition = transitions_.back().when;
    if (config_.fast_failover && wiring_.fast) m.fast_failover = fast_session(wiring_.fast->status());
    runner_.discards().for_each(
        [&](DiscardReason reason, std::uint64_t n) { m.discards[static_cast<std::size_t>(reason)] = n; });
    return m;
}

}  // namespace xvip
