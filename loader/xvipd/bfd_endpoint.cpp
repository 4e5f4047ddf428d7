#include "xvipd/bfd_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace xvip {

namespace {

double ms_exact(Duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

std::string diag_text(BfdDiag diag) {
    switch (diag) {
        case BfdDiag::none: return "none";
        case BfdDiag::control_detection_time_expired: return "control_detection_time_expired";
        case BfdDiag::echo_failed: return "echo_failed";
        case BfdDiag::neighbor_signaled_down: return "neighbor_signaled_down";
        case BfdDiag::forwarding_plane_reset: return "forwarding_plane_reset";
        case BfdDiag::path_down: return "path_down";
        case BfdDiag::concatenated_path_down: return "concatenated_path_down";
        case BfdDiag::administratively_down: return "administratively_down";
        case BfdDiag::reverse_concatenated_path_down: return "reverse_concatenated_path_down";
    }
    return "diag_" + std::to_string(static_cast<int>(diag));
}

}  // namespace

BfdEndpoint::BfdEndpoint(Wiring wiring, const std::vector<BfdInstance>& sessions)
    : wiring_(std::move(wiring)), random_(wiring_.seed) {
    for (const auto& config : sessions) sessions_[config.name] = make_session(config);
}

BfdEndpoint::~BfdEndpoint() {
    for (auto& [name, s] : sessions_) stop(*s);
}

std::unique_ptr<BfdEndpoint::Session> BfdEndpoint::make_session(const BfdInstance& config) {
    // A discriminator unique among ours and not zero (RFC 5880 §6.8.1).
    std::uint32_t discriminator = 0;
    while (discriminator == 0 || std::any_of(sessions_.begin(), sessions_.end(), [&](const auto& entry) {
               return entry.second->bfd.config().local_discriminator == discriminator;
           })) {
        discriminator = static_cast<std::uint32_t>(random_());
    }
    BfdSessionConfig session{
        .local_discriminator = discriminator,
        .desired_min_tx = config.min_tx,
        .required_min_rx = config.min_rx,
        .detect_multiplier = static_cast<std::uint8_t>(std::clamp(config.multiplier, 1, 255)),
        .idle_tx = config.idle_tx,
    };
    auto s = std::unique_ptr<Session>(new Session{config, BfdSession(session), {}, {}, {}, {}, false, false, {}});
    s->counters.name = config.name;
    s->counters.neighbor = config.neighbor ? config.neighbor->to_string() : "";
    return s;
}

void BfdEndpoint::stop(Session& s) {
    if (s.tx_timer) wiring_.timers.cancel(s.tx_timer->id);
    if (s.detect_timer) wiring_.timers.cancel(s.detect_timer->id);
    if (s.first_verdict_timer) wiring_.timers.cancel(*s.first_verdict_timer);
    s.tx_timer.reset();
    s.detect_timer.reset();
    s.first_verdict_timer.reset();
}

void BfdEndpoint::reconfigure(const std::vector<BfdInstance>& sessions) {
    std::map<std::string, std::unique_ptr<Session>> next;
    for (const auto& config : sessions) {
        const auto running = sessions_.find(config.name);
        if (running != sessions_.end() && running->second->config.same_session(config)) {
            running->second->config = config;  // the weight may have changed; the session did not
            next[config.name] = std::move(running->second);
            sessions_.erase(running);
        } else {
            next[config.name] = make_session(config);
        }
    }
    for (auto& [name, s] : sessions_) {
        spdlog::info("BFD session {}: removed by the reload", name);
        stop(*s);
    }
    sessions_ = std::move(next);
    if (started_) start();
}

void BfdEndpoint::start() {
    started_ = true;
    for (auto& [name, s] : sessions_) {
        if (!s->tx_timer) transmit(*s);
        if (s->reported || s->first_verdict_timer) continue;
        // A session that is not Up after a detection time at the idle rate is down: until then
        // the instances tracking it wait, as for a script's first result.
        const Duration grace =
            std::max(s->config.idle_tx, std::chrono::microseconds(1'000'000)) * std::max(s->config.multiplier, 1);
        Session& session = *s;
        s->first_verdict_timer = wiring_.timers.schedule(wiring_.timers.now() + grace, [this, &session] {
            session.first_verdict_timer.reset();
            if (session.reported) return;
            session.reported = true;
            spdlog::info("BFD session {}: not up after {} ms, down", session.config.name,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::max(session.config.idle_tx, std::chrono::microseconds(1'000'000)) *
                             std::max(session.config.multiplier, 1))
                             .count());
            if (wiring_.on_change) wiring_.on_change(session.config.name, false);
        });
    }
}

void BfdEndpoint::transmit(Session& s) {
    if (s.tx_timer) wiring_.timers.cancel(s.tx_timer->id);
    s.tx_timer.reset();
    // RFC 5880 §6.1: a passive session sends nothing until its neighbour has spoken.
    if (s.config.passive && !s.heard) return;
    const auto packet = encode_bfd_control(s.bfd.next_packet());
    if (wiring_.send(s.config, packet)) {
        ++s.counters.packets_sent;
    } else {
        ++s.counters.send_failures;
    }
    schedule_tx(s);
}

void BfdEndpoint::schedule_tx(Session& s) {
    if (!started_ || (s.config.passive && !s.heard)) return;
    const auto interval = s.bfd.tx_interval();
    if (!interval) return;  // the neighbour asked for no packets (Required Min RX 0)
    const TimePoint now = wiring_.timers.now();
    if (s.tx_timer) {
        // The interval shrank (the neighbour came up and asked for its fast rate, with a Poll):
        // a packet planned at the old, idle rate would come after the neighbour's detection time.
        if (s.tx_timer->at <= now + *interval) return;
        wiring_.timers.cancel(s.tx_timer->id);
        s.tx_timer.reset();
    }
    // RFC 5880 §6.8.7: 75-100 % of the interval, at most 90 % with a Detect Mult of 1.
    const double top = s.bfd.config().detect_multiplier == 1 ? 0.90 : 1.0;
    const double fraction = std::uniform_real_distribution<double>(0.75, top)(random_);
    const auto delay = std::chrono::duration_cast<Duration>(*interval * fraction);
    const auto id = wiring_.timers.schedule(now + delay, [this, &s] {
        s.tx_timer.reset();
        transmit(s);
    });
    s.tx_timer = PlannedTimer{id, now + delay};
}

void BfdEndpoint::watch_detection(Session& s) {
    const auto deadline = s.bfd.detection_deadline();
    if (s.detect_timer && (!deadline || *deadline < s.detect_timer->at)) {
        // No deadline any more, or an earlier one (the neighbour went from its idle rate to its
        // fast one): the timer set for the old deadline would be late.
        wiring_.timers.cancel(s.detect_timer->id);
        s.detect_timer.reset();
    }
    if (!deadline || s.detect_timer) return;  // a later deadline is checked when the timer fires
    const auto id = wiring_.timers.schedule(*deadline, [this, &s] {
        s.detect_timer.reset();
        if (const auto change = s.bfd.expire(wiring_.timers.now())) {
            changed(s, *change);
        } else {
            watch_detection(s);
        }
    });
    s.detect_timer = PlannedTimer{id, *deadline};
}

void BfdEndpoint::changed(Session& s, const BfdStateChange& change) {
    const bool was_up = change.from == BfdState::up;
    const bool is_up = change.to == BfdState::up;
    spdlog::info("BFD session {} to {}: {} -> {} (diag {}, detection time {:.1f} ms)", s.config.name,
                 s.counters.neighbor, to_string(change.from), to_string(change.to), diag_text(change.diag),
                 ms_exact(s.bfd.detection_time()));
    s.last_rx_up.reset();
    if (is_up) ++s.counters.ups;
    if (was_up && !is_up) ++s.counters.downs;
    // The neighbour learns of the change now, not at the next (perhaps idle-rate) packet.
    transmit(s);
    watch_detection(s);
    if (was_up == is_up) return;
    s.reported = true;
    if (wiring_.on_change) wiring_.on_change(s.config.name, is_up);
}

BfdEndpoint::Session* BfdEndpoint::find(const IpAddress& source, const BfdControl& packet) {
    for (auto& [name, s] : sessions_) {
        if (packet.your_discriminator != 0) {
            if (s->bfd.config().local_discriminator == packet.your_discriminator) {
                if (s->config.neighbor == source) return s.get();
                ++drops_[static_cast<std::size_t>(BfdDrop::no_session)];
                return nullptr;
            }
        } else if (s->config.neighbor == source) {
            return s.get();
        }
    }
    ++drops_[static_cast<std::size_t>(packet.your_discriminator != 0 ? BfdDrop::wrong_discriminator
                                                                     : BfdDrop::no_session)];
    return nullptr;
}

void BfdEndpoint::receive(const IpAddress& source, int ttl, std::span<const std::uint8_t> payload) {
    if (ttl != bfd_ttl) {
        ++drops_[static_cast<std::size_t>(BfdDrop::ttl)];
        return;
    }
    const auto decoded = decode_bfd_control(payload);
    if (!decoded) {
        ++drops_[static_cast<std::size_t>(BfdDrop::malformed)];
        return;
    }
    Session* s = find(source, *decoded);
    if (s == nullptr) return;
    const TimePoint now = wiring_.timers.now();
    const bool was_up = s->bfd.state() == BfdState::up;
    const auto result = s->bfd.receive(*decoded, now);
    if (result.rejected) {
        ++drops_[static_cast<std::size_t>(BfdDrop::wrong_discriminator)];
        return;
    }
    ++s->counters.packets_received;
    s->heard = true;
    if (was_up && s->bfd.state() == BfdState::up) {
        if (s->last_rx_up) s->counters.largest_gap = std::max(s->counters.largest_gap, now - *s->last_rx_up);
        s->last_rx_up = now;
    }
    if (result.change) {
        changed(*s, *result.change);
        if (s->bfd.state() == BfdState::up) s->last_rx_up = now;
        return;
    }
    if (result.answer_now) {
        // RFC 5880 §6.5: the Final goes out at once, outside the periodic transmission.
        const auto packet = encode_bfd_control(s->bfd.next_packet());
        if (wiring_.send(s->config, packet)) {
            ++s->counters.packets_sent;
        } else {
            ++s->counters.send_failures;
        }
    }
    schedule_tx(*s);
    watch_detection(*s);
}

bool BfdEndpoint::up(const std::string& name) const {
    const auto found = sessions_.find(name);
    return found != sessions_.end() && found->second->bfd.state() == BfdState::up;
}

std::map<std::string, bool> BfdEndpoint::states() const {
    std::map<std::string, bool> out;
    for (const auto& [name, s] : sessions_) {
        if (s->reported) out[name] = s->bfd.state() == BfdState::up;
    }
    return out;
}

std::vector<BfdSessionMetrics> BfdEndpoint::metrics() const {
    std::vector<BfdSessionMetrics> out;
    for (const auto& [name, s] : sessions_) {
        BfdSessionMetrics m = s->counters;
        m.state = s->bfd.state();
        m.remote_state = s->bfd.remote_state();
        m.diag = s->bfd.diag();
        m.detection_time = s->bfd.detection_time();
        out.push_back(std::move(m));
    }
    return out;
}

nlohmann::json BfdEndpoint::status() const {
    auto out = nlohmann::json::array();
    for (const auto& m : metrics()) {
        const auto& s = *sessions_.at(m.name);
        out.push_back({
            {"name", m.name},
            {"neighbor", m.neighbor},
            {"state", to_string(m.state)},
            {"remote_state", to_string(m.remote_state)},
            {"diag", diag_text(m.diag)},
            {"local_discriminator", s.bfd.config().local_discriminator},
            {"remote_discriminator", s.bfd.remote_discriminator()},
            {"detection_time_ms", ms_exact(m.detection_time)},
            {"largest_gap_ms", ms_exact(m.largest_gap)},
            {"packets_received", m.packets_received},
            {"packets_sent", m.packets_sent},
            {"send_failures", m.send_failures},
            {"ups", m.ups},
            {"downs", m.downs},
        });
    }
    return out;
}

}  // namespace xvip
