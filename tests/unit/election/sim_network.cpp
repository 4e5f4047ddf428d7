#include "sim_network.hpp"

#include <algorithm>

namespace xvip::sim {

namespace {
const IpAddress vrrp_group = *IpAddress::parse("224.0.0.18");
}

InstanceConfig router_config(std::uint8_t last_octet, std::uint8_t priority) {
    InstanceConfig c;
    c.vrid = 51;
    c.priority = priority;
    c.primary_address = IpAddress::v4({10, 0, 0, last_octet});
    c.virtual_addresses = {*IpAddress::parse("10.0.0.100")};
    return c;
}

Router::Router(Network& network, int id, InstanceConfig config)
    : network_(network), id_(id), config_(std::move(config)) {}

void Router::send(const Advert& advert, TimePoint) {
    ++adverts_sent_;
    network_.broadcast(id_, advert);
}

void Router::set_role(Role role, TimePoint) {
    role_ = role;
}

void Router::announce(TimePoint) {
    ++announcements_;
}

void Router::state_changed(State from, State to, TimePoint now) {
    network_.record({now, id_, from, to});
}

void Router::boot(TimePoint now) {
    absorb_discards();
    runner_ = std::make_unique<InstanceRunner>(config_, Ports{*this, *this, *this, this});
    runner_->start(now);
}

void Router::crash() {
    absorb_discards();
    runner_.reset();
    role_ = Role::standby;
}

void Router::absorb_discards() {
    if (!runner_) return;
    runner_->discards().for_each([&](DiscardReason r, std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) discards_.count(r);
    });
}

int Network::add(InstanceConfig config) {
    const int id = size();
    routers_.push_back(std::make_unique<Router>(*this, id, std::move(config)));
    for (auto& row : link_delay_) row.resize(routers_.size());
    link_delay_.emplace_back(routers_.size());
    return id;
}

void Network::set_link_delay(int from, int to, Duration d) {
    link_delay_.at(static_cast<std::size_t>(from)).at(static_cast<std::size_t>(to)) = d;
}

void Network::partition(std::vector<std::vector<int>> groups) {
    groups_ = std::move(groups);
}

void Network::start_all() {
    for (int i = 0; i < size(); ++i) start(i);
}

void Network::shutdown(int id) {
    auto& r = router(id);
    if (!r.up()) return;
    r.runner().stop(now_);
    r.crash();  // the process is gone after its release advert
}

bool Network::connected(int from, int to) const {
    if (groups_.empty()) return true;
    for (const auto& g : groups_) {
        const bool has_from = std::find(g.begin(), g.end(), from) != g.end();
        const bool has_to = std::find(g.begin(), g.end(), to) != g.end();
        if (has_from || has_to) return has_from && has_to;
    }
    return false;
}

Duration Network::delay(int from, int to) const {
    const auto& d = link_delay_[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
    return d ? *d : default_delay_;
}

void Network::broadcast(int from, const Advert& advert) {
    std::bernoulli_distribution lost(loss_);
    for (int to = 0; to < size(); ++to) {
        if (to == from || !connected(from, to)) continue;
        if (loss_ > 0.0 && lost(rng_)) continue;
        in_flight_.push(Delivery{now_ + delay(from, to), seq_++, from, to, advert});
    }
}

void Network::deliver(const Delivery& d) {
    auto& r = router(d.to);
    if (!r.up()) return;
    const ReceiveMetadata meta{255, router(d.from).config().primary_address, vrrp_group, false};
    if (r.runner().receive(d.advert, meta, now_).accepted()) {
        received_.push_back({now_, d.from, d.to, d.advert.priority});
    }
}

void Network::run_until(TimePoint end) {
    for (;;) {
        std::optional<TimePoint> next_timer;
        int timer_owner = -1;
        for (int i = 0; i < size(); ++i) {
            auto& r = router(i);
            if (!r.up()) continue;
            auto t = r.runner().next_deadline();
            if (t && (!next_timer || *t < *next_timer)) {
                next_timer = t;
                timer_owner = i;
            }
        }
        const bool delivery_first = !in_flight_.empty() && (!next_timer || in_flight_.top().at <= *next_timer);
        const TimePoint next = delivery_first ? in_flight_.top().at : next_timer ? *next_timer : end;
        if (next > end) break;
        if (!delivery_first && !next_timer) break;
        now_ = next;
        if (delivery_first) {
            const Delivery d = in_flight_.top();
            in_flight_.pop();
            deliver(d);
        } else {
            router(timer_owner).runner().on_time(now_);
        }
    }
    now_ = end;
}

std::vector<int> Network::masters() const {
    std::vector<int> out;
    for (int i = 0; i < size(); ++i) {
        if (routers_[static_cast<std::size_t>(i)]->state() == State::master) out.push_back(i);
    }
    return out;
}

std::optional<Transition> Network::first_takeover(TimePoint since) const {
    for (const auto& t : transitions_) {
        if (t.at >= since && t.to == State::master) return t;
    }
    return std::nullopt;
}

}  // namespace xvip::sim
