// A discrete-event network of VRRP routers for tests: adverts are deliveries on a priority queue,
// each router's timers are read from its InstanceRunner, time jumps from one event to the next.
// Per-link delay, random loss from a fixed seed, partitions, crashes. No real time passes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "election/instance_runner.hpp"

namespace xvip::sim {

struct Delivery {
    TimePoint at;
    std::uint64_t seq;  // keeps same-instant deliveries in send order
    int from;
    int to;
    Advert advert;
};

struct DeliveryLater {
    bool operator()(const Delivery& a, const Delivery& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
};

struct Transition {
    TimePoint at;
    int node;
    State from;
    State to;
};

// An advert that reached a running router and passed its receive filter.
struct Received {
    TimePoint at;
    int from;
    int to;
    std::uint8_t priority;
};

class Network;

class Router final : public AdvertTransport, public DataplaneRole, public Announcer, public TransitionObserver {
public:
    Router(Network& network, int id, InstanceConfig config);

    void send(const Advert& advert, TimePoint now) override;
    void set_role(Role role, TimePoint now) override;
    void announce(TimePoint now) override;
    void state_changed(State from, State to, TimePoint now) override;

    int id() const { return id_; }
    const InstanceConfig& config() const { return config_; }
    bool up() const { return runner_ != nullptr; }
    InstanceRunner& runner() { return *runner_; }
    const InstanceRunner& runner() const { return *runner_; }
    State state() const { return runner_ ? runner_->election().state() : State::initialize; }
    Role role() const { return role_; }
    int announcements() const { return announcements_; }
    int adverts_sent() const { return adverts_sent_; }
    // Survives crashes and restarts.
    const DiscardCounters& discards() const { return discards_; }

    void boot(TimePoint now);
    void crash();  // stops dead: no release, no timers, deaf
    void absorb_discards();

private:
    Network& network_;
    int id_;
    InstanceConfig config_;
    std::unique_ptr<InstanceRunner> runner_;
    Role role_ = Role::standby;
    int announcements_ = 0;
    int adverts_sent_ = 0;
    DiscardCounters discards_;
};

class Network {
public:
    explicit Network(std::uint64_t seed = 1) : rng_(seed) {}

    int add(InstanceConfig config);
    Router& router(int id) { return *routers_.at(static_cast<std::size_t>(id)); }
    int size() const { return static_cast<int>(routers_.size()); }

    void set_delay(Duration delay) { default_delay_ = delay; }
    void set_link_delay(int from, int to, Duration delay);
    void set_loss(double probability) { loss_ = probability; }
    // Routers in different groups cannot hear each other; a router in no group hears nobody.
    void partition(std::vector<std::vector<int>> groups);
    void heal() { groups_.clear(); }

    void start(int id) { router(id).boot(now_); }
    void start_all();
    void crash(int id) { router(id).crash(); }
    void shutdown(int id);

    void run_until(TimePoint end);
    void run_for(Duration d) { run_until(now_ + d); }
    TimePoint now() const { return now_; }

    std::vector<int> masters() const;
    const std::vector<Transition>& transitions() const { return transitions_; }
    const std::vector<Received>& received() const { return received_; }
    // Time of the first transition to master at or after `since`, by anyone.
    std::optional<Transition> first_takeover(TimePoint since) const;

    // Called by routers.
    void broadcast(int from, const Advert& advert);
    void record(Transition t) { transitions_.push_back(t); }

private:
    bool connected(int from, int to) const;
    Duration delay(int from, int to) const;
    void deliver(const Delivery& d);

    std::vector<std::unique_ptr<Router>> routers_;
    std::priority_queue<Delivery, std::vector<Delivery>, DeliveryLater> in_flight_;
    std::uint64_t seq_ = 0;
    TimePoint now_{};
    Duration default_delay_ = std::chrono::milliseconds(1);
    std::vector<std::vector<std::optional<Duration>>> link_delay_;
    double loss_ = 0.0;
    std::mt19937_64 rng_;
    std::vector<std::vector<int>> groups_;
    std::vector<Transition> transitions_;
    std::vector<Received> received_;
};

// 10.0.0.<last> on VRID 51 with one VIP, v3, 1 s adverts unless changed afterwards.
InstanceConfig router_config(std::uint8_t last_octet, std::uint8_t priority);

}  // namespace xvip::sim
