#include "xvipd/served_interface.hpp"

#include <linux/rtnetlink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "codec/advert_codec.hpp"
#include "system/veth_peer.hpp"
#include "xvipd/daemon.hpp"
#include "xvipd/forwarding_check.hpp"

namespace xvip {

namespace {

std::string where(const Instance& instance) {
    const auto& block = instance.origins.block;
    return block.file.empty() ? instance.name : block.file + ":" + std::to_string(block.line) + ": " + instance.name;
}

}  // namespace

ServedInterface::ServedInterface(EventLoop& loop, std::string ifname, std::vector<Instance> instances,
                                 ServeSettings settings)
    : loop_(loop), ifname_(std::move(ifname)), configs_(std::move(instances)), settings_(std::move(settings)) {}

ServedInterface::~ServedInterface() {
    stop_watching_identity();
    stop_watching_events();
    for (auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
        if (auto* s = socket_for(family)) loop_.unwatch(s->fd());
    }
}

std::vector<VrrpInstance*> ServedInterface::instances() const {
    std::vector<VrrpInstance*> out;
    for (const auto& i : instances_) out.push_back(i.get());
    return out;
}

VrrpSocket* ServedInterface::socket_for(AddressFamily family) {
    auto& s = family == AddressFamily::ipv4 ? socket4_ : socket6_;
    return s ? &*s : nullptr;
}

namespace {

// What the data plane judges this instance's adverts against, but for the priority (the
// instance's own, written as it changes). Unicast instances have none: their peers' adverts need
// not carry TTL 255, and only the daemon knows the peer list.
AdvertGuard advert_guard(const Instance& config, const IpAddress& source) {
    AdvertGuard guard;
    guard.version = config.version == VrrpVersion::v2 ? 2 : 3;
    guard.primary = source;
    if (config.version == VrrpVersion::v2) {
        guard.interval_s =
            static_cast<std::uint8_t>(std::chrono::duration_cast<std::chrono::seconds>(config.advert_interval).count());
        if (config.auth) {
            guard.auth_type = 1;
            std::copy_n(config.auth->password.begin(), std::min<std::size_t>(8, config.auth->password.size()),
                        guard.auth_data.begin());
        }
    }
    return guard;
}

std::vector<IpAddress> vips_of(const std::vector<Instance>& instances) {
    std::vector<IpAddress> vips;
    for (const auto& instance : instances) {
        for (const auto& vip : instance.vips) vips.push_back(vip.address);
    }
    return vips;
}

}  // namespace

InterfaceInfo ServedInterface::check(const std::string& ifname, const std::vector<Instance>& instances) {
    InterfaceInfo info;
    try {
        info = read_interface(ifname);
    } catch (const std::exception& e) {
        throw StartupError(ifname + ": " + e.what());
    }
    // Never a VIP: after a restart a link-local VIP is on the interface, maybe first.
    const auto own_link_local = own_ipv6_link_local(info, vips_of(instances));
    for (const auto& instance : instances) {
        // Settings the model has but this xvipd cannot honour yet are refused, not ignored.
        if (instance.local_traffic_follows_active && instance.family() != AddressFamily::ipv4) {
            throw StartupError(where(instance) +
                               ": local_traffic_follows_active is IPv4 only "
                               "for now: remove it from this IPv6 instance");
        }
        if (instance.use_virtual_mac) {
            throw StartupError(where(instance) +
                               ": the VRRP virtual MAC (use_vmac) is not "
                               "supported yet: remove it; GARPs go out from the interface's MAC");
        }
        for (const auto& vip : instance.vips) {
            if (!vip.address.is_link_local() && !on_link(info, vip.address)) {
                throw StartupError(where(instance) + ": VIP " + vip.address.to_string() +
                                   " is not inside any subnet of " + ifname +
                                   " (one subnet per VIP): add the subnet's address to " + ifname +
                                   " or move the VIP to the interface that has it");
            }
        }
        if (!instance.source_address) {
            const bool v4 = instance.family() == AddressFamily::ipv4;
            if ((v4 && !info.primary_ipv4) || (!v4 && !own_link_local)) {
                throw StartupError(where(instance) + ": " + ifname + " has no " +
                                   (v4 ? "IPv4 address" : "IPv6 link-local address") +
                                   " to send adverts from: add one, or set the source address");
            }
        }
    }
    return info;
}

void ServedInterface::start(bool keep_adopted) {
    try {
        // Subscribed before the interface is read: a re-creation from here on is seen.
        identity_.emplace(std::vector<std::string>{ifname_});
        // Checks that need the system, before anything is touched.
        info_ = check(ifname_, configs_);
        for (const std::string& warning : forwarding_warnings(ifname_, configs_, system_sysctl_reader())) {
            spdlog::warn("{}", warning);
        }
        attach_or_adopt();
        write_arp_subnets();
        bind_vips();
        const std::vector<IpAddress> vips = vips_of(configs_);
        const auto own_link_local = own_ipv6_link_local(info_, vips);  // check() made sure there is one
        // Subscribed before the VIPs are added: a deletion from here on is seen.
        if (std::any_of(vips.begin(), vips.end(), [](const IpAddress& a) { return a.is_v6() && a.is_link_local(); })) {
            addresses_.emplace(RTMGRP_IPV6_IFADDR);
        }
        // Addresses only after XDP is attached with every new instance standby (ARCHITECTURE.md).
        vip_holder_.emplace(VipHolderOptions{.ifname = ifname_, .vips = vips, .state_dir = settings_.state_dir});
        vip_holder_->hold();
        open_sockets();
        for (const auto& config : configs_) {
            if (config.local_traffic_follows_active) {
                auto& routes = local_routes_[config.name];
                for (const auto& vip : config.vips) routes.emplace_back(ifname_, vip.address);
            } else if (adopted_ && config.family() == AddressFamily::ipv4) {
                // A previous xvipd may have routed local traffic away with the option on.
                for (const auto& vip : config.vips) (void)LocalTrafficRoute(ifname_, vip.address).deliver_locally();
            }
        }
        for (const auto& config : configs_) {
            const bool v4 = config.family() == AddressFamily::ipv4;
            const IpAddress source = config.source_address ? *config.source_address
                                     : v4                  ? *info_.primary_ipv4
                                                           : *own_link_local;
            auto* socket = socket_for(*config.family());
            auto& frames = *frames_;
            auto* dataplane = &*dataplane_;
            const InstanceKey key{*config.family(), static_cast<std::uint8_t>(config.vrid)};
            instances_.push_back(std::make_unique<VrrpInstance>(
                config, VrrpInstance::Wiring{
                            .timers = loop_,
                            .write_state = [dataplane, key](StateWord word) { dataplane->write_state(key, word); },
                            .replace_state = [dataplane, key](StateWord word) { return dataplane->replace_state(key, word); },
                            .accept_state = [dataplane, key] { dataplane->accept_state(key); },
                            .read_state = [dataplane, key] { return dataplane->read_state(key); },
                            .write_guard = config.is_unicast()
                                               ? std::function<void(std::uint8_t)>()
                                               : [this, dataplane, key, guard = advert_guard(config, source)](
                                                     std::uint8_t priority) mutable {
                                                     guard.priority = priority;
                                                     try {
                                                         dataplane->write_guard(key, guard);
                                                     } catch (const std::exception& e) {
                                                         spdlog::error("{}: {}", ifname_, e.what());
                                                     }
                                                 },
                            .mac = info_.mac,
                            .source = source,
                            .send_advert = [socket, ttl = config.advert_ttl()](
                                               std::span<const std::uint8_t> m, const IpAddress& s,
                                               const IpAddress& d) { return socket->send(m, s, d, ttl); },
                            .send_frame = [&frames](std::span<const std::uint8_t> f) { return frames.send(f).ok(); },
                            .drain_socket = [this, family = *config.family()] { drain(family); },
                            .on_transition = settings_.on_transition,
                            .route_local_traffic =
                                config.local_traffic_follows_active
                                    ? std::function<void(const std::optional<IpAddress>&)>(
                                          [this, name = config.name](const std::optional<IpAddress>& router) {
                                              route_local_traffic(name, router);
                                          })
                                    : nullptr,
                            .fast =
                                VrrpInstance::Wiring::FastFailover{
                                    .configure = [dataplane, key](const FastFailoverSettings& s) {
                                        dataplane->configure_fast_failover(key, s);
                                    },
                                    .prepare_request = [dataplane, key](StateWord takeover) {
                                        return dataplane->prepare_fast_request(key, takeover);
                                    },
                                    .status = [dataplane, key] { return dataplane->fast_failover_status(key); },
                                    .clear_takeover = [dataplane, key] { dataplane->clear_fast_takeover(key); },
                                },
                        }));
        }
    } catch (const StartupError&) {
        give_up(keep_adopted);
        throw;
    } catch (const std::exception& e) {
        give_up(keep_adopted);
        throw StartupError(ifname_ + ": " + e.what());
    }
    loop_.watch(identity_->fd(), [this] { check_identity(); });
    check_identity();  // a change during start-up, already queued
    watch_events();
    if (addresses_) {
        loop_.watch(addresses_->fd(), [this] { check_addresses(); });
        check_addresses();
    }

    const auto now = loop_.now();
    for (auto& instance : instances_) {
        if (const auto h = settings_.histories.find(instance->name()); h != settings_.histories.end()) {
            instance->continue_history(h->second);
        }
        // A restarted xvipd finds the previous one's state word: an instance still active with a
        // live lease resumes as active and speaks at once, so no peer notices the restart.
        const StateWord left = dataplane_->read_state(instance->key());
        const bool resume = adopted_ && VrrpInstance::resumes_as_active(left, now);
        if (adopted_ && !resume && left.role == XdpRole::active) {
            // Too late for a hitless restart: the backups may have taken over already.
            spdlog::warn(
                "{}: the lease the previous xvipd left ran out {} ms before this start adopted it: "
                "starting as backup (a restart is hitless only within the lease, 3 advert intervals)",
                instance->name(), std::chrono::duration_cast<std::chrono::milliseconds>(now - left.deadline).count());
        }
        instance->start(resume, dataplane_->adopted_new_mac());
    }
}

void ServedInterface::watch_events() {
    try {
        events_ = dataplane_->open_events([this](const xvip_event& event) { on_event(event); });
    } catch (const std::exception& e) {
        // Without them the daemon still learns of a demotion when its next renewal fails.
        spdlog::error("{}: {}; the data plane's demotions are noticed at the next renewal, conflicts not at all",
                      ifname_, e.what());
        return;
    }
    loop_.watch(events_->fd(), [this] {
        try {
            events_->consume();
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", ifname_, e.what());
        }
    });
}

void ServedInterface::stop_watching_events() {
    if (!events_) return;
    loop_.unwatch(events_->fd());
    events_.reset();
}

void ServedInterface::on_event(const xvip_event& event) {
    for (auto& instance : instances_) {
        if (instance->key().index() != event.instance) continue;
        if (event.kind == XVIP_EVENT_OUTRANKED) instance->data_plane_demoted();
        if (event.kind == XVIP_EVENT_CONFLICT) instance->data_plane_conflict();
        if (event.kind == XVIP_EVENT_FAST_TAKEOVER) instance->data_plane_fast_takeover();
        if (event.kind == XVIP_EVENT_FAST_REVERTED) instance->data_plane_fast_reverted();
    }
}

void ServedInterface::check_identity() {
    if (!identity_) return;
    std::string what;
    bool recreated = false;
    for (const auto& state : identity_->read().changes) {
        if (!state.exists) continue;  // gone: the instances are in FAULT (Tracking), nothing to do yet
        if (state.index == info_.index && state.healthy()) {
            // Up again: a down flushed the interface's IPv6 addresses, link-local VIPs among them.
            restore_flushed_vips("down and up");
        }
        if (state.index != info_.index) {
            recreated = true;
            what = "re-created (ifindex " + std::to_string(info_.index) + " -> " + std::to_string(state.index) + ")";
        } else if (state.mac && *state.mac != info_.mac) {
            what = "given another MAC (" + format_mac(info_.mac) + " -> " + format_mac(*state.mac) + ")";
        }
    }
    if (what.empty()) return;
    // Another MAC on the same interface: the next start adopts this data plane, if the lease is
    // still live then. A re-created interface has no program and no socket of ours: nothing to say.
    if (!recreated) speak_before_leaving();
    stop_watching_identity();
    if (settings_.on_replaced) settings_.on_replaced(ifname_, what);
}

void ServedInterface::restore_flushed_vips(const char* how) {
    if (!vip_holder_) return;
    try {
        for (const auto& vip : vip_holder_->restore_flushed()) {
            spdlog::warn("{}: VIP {} was taken off it ({}); added back", ifname_, vip.to_string(), how);
        }
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", ifname_, e.what());
    }
}

void ServedInterface::check_addresses() {
    if (!addresses_) return;
    bool removed = false;
    const int error = addresses_->read_notifications([&](const nlmsghdr& message) {
        if (message.nlmsg_type != RTM_DELADDR || message.nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return;
        ifaddrmsg address{};
        std::memcpy(&address, NLMSG_DATA(&message), sizeof address);
        if (static_cast<int>(address.ifa_index) == info_.index) removed = true;
    });
    if (error == ENOBUFS) removed = true;  // notifications were lost: look anyway
    if (!removed || !identity_) return;
    // An interface that is down or gone has its addresses back through check_identity, or not at all.
    const auto links = identity_->snapshot();
    if (links.empty() || links.front().index != info_.index || !links.front().healthy()) return;
    restore_flushed_vips("deleted or flushed");
}

void ServedInterface::stop_watching_identity() {
    if (addresses_) {
        loop_.unwatch(addresses_->fd());
        addresses_.reset();
    }
    if (!identity_) return;
    loop_.unwatch(identity_->fd());
    identity_.reset();
}

LbCapacity ServedInterface::lb_capacity() const {
    const auto it = settings_.lb_capacity.find(ifname_);
    return it == settings_.lb_capacity.end() ? LbCapacity{} : it->second;
}

void ServedInterface::attach_or_adopt() {
    const auto pin_dir = Dataplane::pin_dir_for(settings_.pin_root, ifname_);
    if (const auto removed = Dataplane::remove_orphaned_pins(ifname_, settings_.pin_root)) {
        spdlog::warn("{}: {}; attaching afresh", ifname_, *removed);
    }
    if (std::filesystem::exists(pin_dir / XVIP_PIN_LINK)) {
        dataplane_.emplace(Dataplane::adopt(ifname_, settings_.pin_root));
        adopted_ = true;
        if (dataplane_->adopted_new_mac()) {
            spdlog::warn(
                "{}: its MAC changed since the data plane was pinned: replies now go out from {}, and "
                "active instances announce their VIPs again",
                ifname_, format_mac(info_.mac));
        }
        spdlog::info("{}: adopted the data plane pinned at {} ({} mode)", ifname_, pin_dir.string(),
                     to_string(dataplane_->mode()));
        if (!lb_capacity().services && dataplane_->holds_lb_services()) {
            spdlog::info(
                "{}: its data plane keeps the room for virtual services it was loaded with until it is "
                "detached",
                ifname_);
        }
    } else {
        const auto warn = [](const std::string& w) { spdlog::warn("{}", w); };
        dataplane_.emplace(Dataplane::attach({.ifname = ifname_,
                                              .mode = xdp_mode_for(ifname_, settings_.xdp_mode, warn),
                                              .pin_root = settings_.pin_root,
                                              .warn = warn,
                                              .lb = lb_capacity()}));
        spdlog::info("{}: XDP attached in {} mode, every instance standby; pinned at {}", ifname_,
                     to_string(dataplane_->mode()), dataplane_->pin_dir().string());
    }
    const LeaseClock& clock = dataplane_->lease_clock();
    if (clock.dated_from_one_sample()) {
        spdlog::warn(
            "{}: the jiffy count did not move by one while the lease clock was dated (a "
            "stalled VM?); dated from one sample instead: leases may end up to {} us "
            "early, never late",
            ifname_, (clock.tick() + clock.uncertainty()).count() / 1000);
    } else {
        spdlog::debug("{}: leases counted in ticks of {} us, a jiffy dated to within {} us", ifname_,
                      clock.tick().count() / 1000, clock.uncertainty().count() / 1000);
    }
}

// ARP requests are answered for senders of the interface's subnets as they are at this start (a
// restart or reload reads them again).
void ServedInterface::write_arp_subnets() {
    std::vector<Subnet4> subnets;
    for (const auto& prefix : info_.prefixes) {
        if (prefix.address.is_v4()) subnets.push_back({prefix.address, prefix.prefix_length});
    }
    if (!dataplane_->write_subnets(subnets)) {
        spdlog::warn(
            "{}: more than {} IPv4 subnets: ARP requests for its VIPs are answered whatever subnet the "
            "sender is in",
            ifname_, XVIP_MAX_SUBNETS4);
    }
}

// The VIP map says which instance each VIP belongs to; after a restart it may hold VIPs the new
// configuration dropped. The gateway instances are written whole, as the configuration has them.
void ServedInterface::bind_vips() {
    std::vector<IpAddress> wanted;
    std::vector<InstanceKey> gateways;
    for (const auto& instance : configs_) {
        const InstanceKey key{*instance.family(), static_cast<std::uint8_t>(instance.vrid)};
        if (instance.gateway) gateways.push_back(key);
        for (const auto& vip : instance.vips) {
            dataplane_->add_vip(vip.address, key);
            wanted.push_back(vip.address);
        }
    }
    for (const auto& bound : dataplane_->vips()) {
        if (std::find(wanted.begin(), wanted.end(), bound.address) == wanted.end()) {
            dataplane_->remove_vip(bound.address);
        }
    }
    dataplane_->set_gateways(gateways);
}

void ServedInterface::open_sockets() {
    frames_.emplace(ifname_);
    for (auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
        bool needed = false, multicast = false;
        for (const auto& instance : configs_) {
            if (instance.family() != family) continue;
            needed = true;
            multicast = multicast || !instance.is_unicast();
        }
        if (!needed) continue;
        auto& slot = family == AddressFamily::ipv4 ? socket4_ : socket6_;
        slot.emplace(VrrpSocketOptions{.ifname = ifname_,
                                       .family = family,
                                       .transport = multicast ? VrrpTransport::multicast : VrrpTransport::unicast});
        loop_.watch(slot->fd(), [this, family] { drain(family); });
    }
}

void ServedInterface::count_discard(DiscardReason reason) {
    ++interface_discards_[reason];
}

void ServedInterface::drain(AddressFamily family) {
    auto* socket = socket_for(family);
    if (!socket) return;
    // Bounded: a flood cannot keep the loop here forever; the rest waits for the next wake-up.
    for (int budget = 256; budget > 0; --budget) {
        const auto received = socket->receive();
        if (received.outcome == ReceiveOutcome::nothing_pending) return;
        if (received.outcome == ReceiveOutcome::failed) {
            spdlog::warn("{}: receiving adverts: {}", ifname_, std::strerror(received.error_number));
            return;
        }
        if (received.outcome == ReceiveOutcome::discarded) {
            count_discard(received.discard_reason);
            continue;
        }
        const auto& p = received.packet;
        auto decoded = decode_advert(p.message, p.envelope);
        if (!decoded.has_value()) {
            count_discard(decoded.error());
            continue;
        }
        const auto& advert = decoded->advert;
        VrrpInstance* target = nullptr;
        for (auto& instance : instances_) {
            if (instance->key().family == family && instance->key().vrid == advert.vrid) target = instance.get();
        }
        if (!target) {
            count_discard(DiscardReason::unknown_vrid);
            continue;
        }
        target->receive(advert, ReceiveMetadata{.ttl = p.ttl,
                                                .source = p.envelope.source,
                                                .destination = p.envelope.destination,
                                                .unicast = !p.envelope.destination.is_multicast()});
    }
}

void ServedInterface::hand_over(std::function<void()> done) {
    handovers_pending_ = instances_.size();
    auto finish = [this, done = std::move(done)] {
        if (keeps_guard_on_stop()) {
            leave_forwarding_guard();
        } else {
            release_everything();
        }
        done();
    };
    if (instances_.empty()) {
        finish();
        return;
    }
    auto shared_finish = std::make_shared<std::function<void()>>(std::move(finish));
    for (auto& instance : instances_) {
        instance->hand_over([this, shared_finish] {
            if (--handovers_pending_ == 0) (*shared_finish)();
        });
    }
}

void ServedInterface::route_local_traffic(const std::string& instance, const std::optional<IpAddress>& active_router) {
    for (auto& route : local_routes_[instance]) {
        const int error = active_router ? route.follow(*active_router) : route.deliver_locally();
        if (error != 0) {
            spdlog::error("{}: routing local traffic to {} {}: {}", instance, route.vip().to_string(),
                          active_router ? "via " + active_router->to_string() : std::string("here"),
                          std::strerror(error));
        } else {
            spdlog::info("{}: local traffic to {} now goes {}", instance, route.vip().to_string(),
                         active_router ? "to the active router " + active_router->to_string() : "here");
        }
    }
}

void ServedInterface::release_everything() {
    stop_watching_identity();
    stop_watching_events();
    for (auto& instance : instances_) instance->abandon();
    // The kernel's own local routes come back before the addresses go, so it can remove them.
    for (auto& [name, routes] : local_routes_) {
        for (auto& route : routes) {
            if (route.following()) (void)route.deliver_locally();
        }
    }
    local_routes_.clear();
    for (auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
        if (auto* s = socket_for(family)) loop_.unwatch(s->fd());
    }
    socket4_.reset();
    socket6_.reset();
    frames_.reset();
    // Addresses leave before XDP does, so the kernel never answers for a VIP on its own.
    if (vip_holder_) {
        try {
            vip_holder_->release();
        } catch (const std::exception& e) {
            spdlog::error("{}: giving back the VIPs: {}", ifname_, e.what());
        }
        vip_holder_.reset();
    }
    if (dataplane_) {
        try {
            dataplane_->detach();
        } catch (const std::exception& e) {
            spdlog::error("{}: detaching XDP: {}", ifname_, e.what());
        }
        dataplane_.reset();
    }
}

bool ServedInterface::keeps_guard_on_stop() const {
    return std::any_of(configs_.begin(), configs_.end(), [](const Instance& c) { return c.gateway; });
}

void ServedInterface::leave_forwarding_guard() {
    // Every word standby before anything else goes: a draining word would pass VIP traffic and
    // forward until its deadline, with no daemon left to end it early.
    // Fast failover off first: with no xvipd behind it, its detector must never swap a word in.
    for (const auto& instance : instances_) {
        try {
            dataplane_->configure_fast_failover(instance->key(), FastFailoverSettings{});
            dataplane_->write_state(instance->key(), StateWord::standby());
        } catch (const std::exception& e) {
            spdlog::error("{}: {}: writing standby: {}; detaching instead", ifname_, instance->name(), e.what());
            release_everything();
            return;
        }
    }
    std::optional<Dataplane> guard = std::move(dataplane_);
    dataplane_.reset();
    release_everything();  // the VIPs and sysctls go: a later `xvipctl detach` leaves the kernel nothing to answer
    spdlog::info(
        "{}: the forwarding guard stays attached (gateway instances): this node forwards nothing that "
        "arrives here until xvipd starts again and adopts it; `xvipctl detach --dev {}` removes it",
        ifname_, ifname_);
    guard.reset();  // the pins and the link stay
}

void ServedInterface::give_up(bool keep_adopted) {
    if (keep_adopted && adopted_) {
        keep_for_restart();
    } else {
        release_everything();
    }
}

void ServedInterface::speak_before_leaving() {
    for (auto& instance : instances_) instance->speak_before_leaving();
}

void ServedInterface::keep_for_restart() {
    stop_watching_identity();
    stop_watching_events();
    for (auto& instance : instances_) instance->abandon();
    if (vip_holder_) vip_holder_->keep();
    vip_holder_.reset();
    dataplane_.reset();  // the pins and the link stay; so does every state word
}

nlohmann::json ServedInterface::status(TimePoint now) const {
    nlohmann::json discards = nlohmann::json::object();
    for (const auto& [reason, n] : interface_discards_) discards[std::string(to_string(reason))] = n;
    nlohmann::json j{{"name", ifname_}, {"discards", discards}};
    if (dataplane_) {
        j["xdp_mode"] = to_string(dataplane_->mode());
        j["pin_dir"] = dataplane_->pin_dir().string();
        j["adopted"] = adopted_;
    }
    (void)now;
    return j;
}

InterfaceMetrics ServedInterface::metrics() const {
    InterfaceMetrics m{.name = ifname_, .discards = {}, .dataplane = std::nullopt};
    for (const auto& [reason, n] : interface_discards_) m.discards[static_cast<std::size_t>(reason)] = n;
    return m;
}

}  // namespace xvip
