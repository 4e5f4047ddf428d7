#include "xvipd/daemon.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <utility>

#include "xvipd/served_interface.hpp"

namespace xvip {

Daemon::Daemon(DaemonOptions options, Config config)
    : options_(std::move(options)),
      config_(std::move(config)),
      load_balancer_(LoadBalancer::Events{
          .quorum_changed = [this](const lb::ServiceKey& service,
                                   const lb::Quorum& quorum) { run_quorum_script(service, quorum.up); },
          .real_server_changed = [this](const lb::RealServerKey& server,
                                        bool up) { run_real_server_script(server, up); }}) {}

Daemon::~Daemon() = default;

void warn_if_running_as_root(const std::optional<RunAs>& run_as) {
    static bool warned = false;
    if (run_as || warned || ::geteuid() != 0) return;
    warned = true;
    spdlog::warn(
        "scripts run as root: neither script_user nor a script's user is set and user {} does not "
        "exist; fix: create it, or set script_user",
        default_script_user);
}

namespace {

std::map<std::string, std::vector<Instance>> by_interface(const Config& config) {
    std::map<std::string, std::vector<Instance>> out;
    for (const auto& instance : config.instances) out[instance.interface].push_back(instance);
    return out;
}

// Which interface holds each VIP (its instance's).
std::map<IpAddress, std::string> interface_of_vip(const Config& config) {
    std::map<IpAddress, std::string> out;
    for (const auto& instance : config.instances) {
        for (const auto& vip : instance.vips) out.emplace(vip.address, instance.interface);
    }
    return out;
}

// Room for virtual services on the interfaces that hold their VIPs.
std::map<std::string, LbCapacity> lb_capacity(const Config& config) {
    const auto where = interface_of_vip(config);
    std::map<std::string, LbCapacity> out;
    for (const auto& vs : config.virtual_servers) {
        if (const auto it = where.find(vs.address); it != where.end()) {
            out[it->second] = LbCapacity{.services = true, .flows = config.global.lb_flow_table_entries};
        }
    }
    return out;
}

}  // namespace

void Daemon::start() {
    started_ = loop_.now();
    // First, so that a port in use is refused before anything is attached.
    if (options_.metrics) metrics_.emplace(*options_.metrics);
    for (const auto& group : config_.sync_groups) {
        spdlog::warn("sync group {}: not enforced yet; its instances fail over independently", group.name);
    }
    Prepared prepared = prepare(config_);
    hooks_ = std::move(prepared.hooks);
    lb_scripts_ = std::move(prepared.lb_scripts);
    scripts_change_user_ = prepared.changes_user;
    open_fifo(config_);
    open_bfd(config_);
    apply_bfd(config_);
    start_interfaces(prepared, {}, false);
    if (bfd_) bfd_->start();
    control_.emplace(loop_, ControlServerSettings{.path = (options_.state_dir / "xvipd.sock").string()},
                     [this](const nlohmann::json& request) { return handle_request(request); });
    loop_.on_signal(SIGTERM, [this] { stop_gracefully(); });
    loop_.on_signal(SIGINT, [this] { stop_gracefully(); });
    // The restart path: one last advert first, so that the next xvipd has the whole lease (and the
    // backups their whole Master_Down_Interval) however long after the last advert this comes.
    loop_.on_signal(SIGUSR2, [this] {
        if (!stopping_) {
            for (auto& served : interfaces_) served->speak_before_leaving();
        }
        exit_for_restart();
    });
    loop_.on_signal(SIGHUP, [this] { reload(); });
    spdlog::info("xvipd {} running: {} instance(s) on {} interface(s), pid {}", XVIP_VERSION, config_.instances.size(),
                 interfaces_.size(), getpid());
    service_manager_.ready(one_line_status());
    service_manager_.start_watchdog();
    refresh_metrics_periodically();
}

MetricsSnapshot Daemon::metrics_snapshot() const {
    const auto now = loop_.now();
    MetricsSnapshot snapshot{
        .version = XVIP_VERSION,
        .uptime = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_),
        .instances = {},
        .interfaces = {},
        .bfd_sessions = bfd_ ? bfd_->metrics() : std::vector<BfdSessionMetrics>{},
        .bfd_drops = bfd_ ? bfd_->drops() : std::array<std::uint64_t, bfd_drop_count>{},
        .virtual_services = load_balancer_.metrics(now),
    };
    for (const auto& served : interfaces_) {
        auto interface = served->metrics();
        if (const auto* dataplane = served->dataplane()) interface.dataplane = dataplane->counters();
        snapshot.interfaces.push_back(std::move(interface));
        for (const auto* instance : served->instances()) snapshot.instances.push_back(instance->metrics(now));
    }
    return snapshot;
}

// The snapshot the metrics server hands out: every 250 ms and at each transition.
void Daemon::publish_metrics() {
    if (!metrics_) return;
    try {
        metrics_->publish(render_metrics(metrics_snapshot()));
    } catch (const std::exception& e) {  // a data plane detached by a handover: keep the last one
        spdlog::debug("metrics: snapshot not refreshed: {}", e.what());
    }
}

void Daemon::refresh_metrics_periodically() {
    if (!metrics_) return;
    publish_metrics();
    loop_.schedule(loop_.now() + std::chrono::milliseconds(250), [this] { refresh_metrics_periodically(); });
}

std::string Daemon::one_line_status() const {
    std::string out;
    for (const auto& served : interfaces_) {
        for (const auto* instance : served->instances()) {
            if (!out.empty()) out += ", ";
            out += instance->name() + " " + std::string(to_string(instance->state()));
        }
    }
    return out.empty() ? "no instances" : out;
}

// Hooks, scripts and interfaces are made ready (split, found, security-checked, checked against
// the system) before anything is touched.
Daemon::Prepared Daemon::prepare(const Config& config) {
    const ScriptPolicy policy{.enforce_security = true, .daemon_uid = geteuid()};
    Prepared out;
    auto hook_user = script_run_as({}, config.global.script_user);
    if (!hook_user.has_value()) throw StartupError("script_user: " + hook_user.error().message);
    const std::optional<RunAs> run_as = *hook_user;
    for (const auto& instance : config.instances) {
        NotifyScripts scripts;
        for (auto [command, slot] : {std::pair{&instance.notify.any, &scripts.any},
                                     {&instance.notify.active, &scripts.master},
                                     {&instance.notify.backup, &scripts.backup},
                                     {&instance.notify.fault, &scripts.fault},
                                     {&instance.notify.stop, &scripts.stop}}) {
            if (command->empty()) continue;
            warn_if_running_as_root(run_as);
            auto prepared = prepare_script(*command, run_as, policy);
            if (!prepared.has_value()) {
                throw StartupError(instance.name + ": notify script: " + prepared.error().message);
            }
            *slot = *prepared;
        }
        out.hooks[instance.name] = std::move(scripts);
    }
    out.scripts = Tracking::prepare(config, policy);
    auto check_scripts = RealServerChecks::prepare(config.virtual_servers, config.global.script_user, policy);
    if (!check_scripts.has_value()) throw StartupError(check_scripts.error().message);
    out.check_scripts = std::move(*check_scripts);
    auto lb_scripts = prepare_lb_notify_scripts(config.virtual_servers, config.global.script_user, policy);
    if (!lb_scripts.has_value()) throw StartupError(lb_scripts.error().message);
    out.lb_scripts = std::move(*lb_scripts);
    if (!out.lb_scripts.services.empty() || !out.lb_scripts.real_servers.empty()) warn_if_running_as_root(run_as);
    const auto named_user = [](const std::optional<Script>& script) { return script && script->run_as; };
    out.changes_user = std::any_of(out.hooks.begin(), out.hooks.end(),
                                   [&](const auto& hooks) {
                                       const NotifyScripts& s = hooks.second;
                                       return named_user(s.any) || named_user(s.master) || named_user(s.backup) ||
                                              named_user(s.fault) || named_user(s.stop);
                                   }) ||
                       std::any_of(out.scripts.begin(), out.scripts.end(),
                                   [](const auto& named) { return named.second.run_as.has_value(); }) ||
                       std::any_of(out.check_scripts.begin(), out.check_scripts.end(),
                                   [](const auto& checked) { return checked.second.run_as.has_value(); }) ||
                       out.lb_scripts.changes_user();
    if (out.changes_user && !can_change_user_) {
        throw StartupError("a script runs as a named user (script_user, a script's user, or " +
                           std::string(default_script_user) +
                           "), but xvipd gave up CAP_SETUID and CAP_SETGID after start, when none did; fix: "
                           "restart xvipd");
    }
    for (const auto& [ifname, configured] : by_interface(config)) ServedInterface::check(ifname, configured);
    return out;
}

// The FIFO, once: a reload keeps the one already open.
void Daemon::open_fifo(const Config& config) {
    if (!config.global.notify_fifo.empty() && !fifo_) {
        try {
            fifo_.emplace(config.global.notify_fifo);
        } catch (const std::exception& e) {
            throw StartupError(std::string("notify_fifo: ") + e.what());
        }
    }
    if (!notifier_) notifier_.emplace(children_, fifo_ ? &*fifo_ : nullptr);
}

void Daemon::notify(const VrrpInstance& instance, State to) {
    service_manager_.status(one_line_status());
    publish_metrics();
    if (const auto state = notify_state_of(to)) {
        notifier_->instance_changed(instance.name(), hooks_[instance.name()], *state, instance.priority());
    }
}

void Daemon::start_interfaces(const Prepared& prepared, const CarriedScripts& carried, bool keep_adopted,
                              std::map<std::string, VrrpInstance::History> histories) {
    const ServeSettings settings{
        .xdp_mode = options_.xdp_mode,
        .pin_root = options_.pin_root ? *options_.pin_root : std::filesystem::path(config_.global.pin_dir),
        .state_dir = options_.state_dir,
        .on_transition = [this](const VrrpInstance& instance, const Transition& t) { notify(instance, t.to); },
        .on_replaced =
            [this](const std::string& ifname, const std::string& what) {
                // The program, the sockets and the data plane's MAC belong to the old interface.
                // A new start attaches to the new one (or adopts, refreshing the MAC); with the
                // unit's Restart=on-failure systemd starts it.
                spdlog::error("{} was {} under xvipd: exiting through the restart path for a new start", ifname, what);
                exit_code_ = 75;  // EX_TEMPFAIL
                exit_for_restart();
            },
        .histories = std::move(histories),
        .lb_capacity = lb_capacity(config_),
    };
    std::vector<TrackedInstance> instances;
    try {
        for (auto& [ifname, configured] : by_interface(config_)) {
            auto served = std::make_unique<ServedInterface>(loop_, ifname, configured, settings);
            served->start(keep_adopted);
            interfaces_.push_back(std::move(served));
            for (auto* i : interfaces_.back()->instances()) instances.push_back({i, interfaces_.back()->adopted()});
        }
        tracking_.emplace(loop_, children_, config_, prepared.scripts, instances, carried,
                          bfd_ ? bfd_->states() : std::map<std::string, bool>{});
        apply_load_balancer(prepared.check_scripts);
    } catch (...) {
        load_balancer_.unbind();
        // The interfaces already up give back what they took, as if never started; past a reload's
        // point of no return, they are kept for the next xvipd instead, as on a restart.
        tracking_.reset();
        for (auto& up : interfaces_) {
            if (keep_adopted) {
                up->keep_for_restart();
            } else {
                up->release();
            }
        }
        interfaces_.clear();
        throw;
    }
    tracking_->start();
}

void Daemon::run_quorum_script(const lb::ServiceKey& service, bool up) {
    const auto scripts = lb_scripts_.services.find(service);
    if (scripts == lb_scripts_.services.end() || !notifier_) return;
    const std::optional<Script>& script = up ? scripts->second.up : scripts->second.down;
    if (script) notifier_->run_script(*script, (up ? "quorum_up of " : "quorum_down of ") + lb::to_string(service));
}

void Daemon::run_real_server_script(const lb::RealServerKey& server, bool up) {
    const auto scripts = lb_scripts_.real_servers.find(server);
    if (scripts == lb_scripts_.real_servers.end() || !notifier_) return;
    const std::optional<Script>& script = up ? scripts->second.up : scripts->second.down;
    if (script) {
        notifier_->run_script(*script, (up ? "notify_up of real server " : "notify_down of real server ") +
                                           server.address.to_string() + " of " + lb::to_string(server.service));
    }
}

LoadBalancer::Targets Daemon::load_balancer_targets() const {
    LoadBalancer::Targets targets{.dataplanes = {}, .interface_of_vip = interface_of_vip(config_)};
    for (const auto& served : interfaces_) targets.dataplanes.emplace(served->name(), served->dataplane());
    return targets;
}

void Daemon::apply_load_balancer(const PreparedCheckScripts& check_scripts) {
    const LoadBalancer::Targets targets = load_balancer_targets();
    try {
        load_balancer_.apply(config_.virtual_servers, targets);
    } catch (const LoadBalancerError& e) {
        throw StartupError(std::string("virtual servers: ") + e.what());
    }
    std::map<std::string, Neighbours> kept;
    for (const std::string& ifname : load_balancer_.interfaces()) {
        const int ifindex = targets.dataplanes.at(ifname)->ifindex();
        auto it = neighbours_.find(ifname);
        if (it != neighbours_.end() && it->second.ifindex == ifindex) {
            kept.emplace(ifname, std::move(it->second));
        } else {
            try {
                kept.emplace(
                    ifname,
                    Neighbours{
                        .ifindex = ifindex,
                        .watch = std::make_unique<NeighbourWatch>(
                            loop_, ifindex,
                            [this, ifname](const IpAddress& backend, const std::optional<MacAddress>& mac) {
                                load_balancer_.mac_changed(ifname, backend, mac);
                            },
                            [ifname](std::string_view line) { spdlog::warn("{}: neighbours: {}", ifname, line); })});
            } catch (const std::system_error& e) {
                throw StartupError(ifname + ": watching the backends' MACs: " + e.what());
            }
        }
    }
    neighbours_ = std::move(kept);
    for (auto& [ifname, neighbours] : neighbours_) {
        const std::vector<IpAddress> backends = load_balancer_.backends_on(ifname);
        neighbours.watch->watch(backends);
    }
    if (!checks_) {
        checks_.emplace(
            loop_, children_,
            [this](const lb::RealServerKey& server, const lb::RealServerHealth& health) {
                load_balancer_.health_changed(server, health);
                publish_metrics();
            },
            [](std::string_view line) { spdlog::info("{}", line); });
    }
    checks_->configure(config_.virtual_servers, check_scripts);
    // A restart: real servers the data plane was not sending new flows to start down, so that none
    // is back in a ring before its check says it is up.
    for (const auto& [server, health] : load_balancer_.health()) {
        if (!health.up) checks_->seed(server, false);
    }
}

void Daemon::open_bfd(const Config& config) {
    if (config.bfds.empty() || bfd_socket_) return;
    try {
        bfd_socket_.emplace();
    } catch (const std::system_error& e) {
        throw StartupError(e.what());
    }
    loop_.watch(bfd_socket_->fd(), [this] {
        bfd_socket_->drain([this](const IpAddress& source, int ttl, std::span<const std::uint8_t> payload) {
            if (bfd_) bfd_->receive(source, ttl, payload);
        });
    });
}

void Daemon::apply_bfd(const Config& config) {
    if (config.bfds.empty()) {
        bfd_.reset();
        if (bfd_socket_) {
            loop_.unwatch(bfd_socket_->fd());
            bfd_socket_.reset();
        }
        return;
    }
    if (bfd_) {
        bfd_->reconfigure(config.bfds);
    } else {
        bfd_.emplace(BfdEndpoint::Wiring{
                         .timers = loop_,
                         .send =
                             [this](const BfdInstance& session, std::span<const std::uint8_t> packet) {
                                 return bfd_socket_->send(session.name, session.source, *session.neighbor, packet);
                             },
                         .on_change =
                             [this](const std::string& name, bool up) {
                                 if (tracking_) tracking_->bfd_changed(name, up);
                                 publish_metrics();
                             },
                     },
                     config.bfds);
    }
    bfd_socket_->forget_except([&](const std::string& name) { return config.find_bfd(name) != nullptr; });
}

nlohmann::json Daemon::handle_request(const nlohmann::json& request) {
    const auto command = request.value("command", "");
    if (command == "status") return status();
    if (command == "maintenance") {
        const auto name = request.value("instance", "");
        const bool on = request.value("on", true);
        for (const auto& served : interfaces_) {
            for (auto* instance : served->instances()) {
                if (instance->name() != name) continue;
                const bool changed =
                    on ? instance->enter_maintenance(request.value("reason", "")) : instance->leave_maintenance();
                if (!changed) {
                    return {{"error", name + " is " + (on ? "already out of the election" : "not in maintenance")}};
                }
                return {{"instance", name}, {"maintenance", on}};
            }
        }
        return {{"error", "no instance named '" + name + "'"}};
    }
    return {{"error", "unknown command '" + command + "'; known: status, maintenance"}};
}

int Daemon::run() {
    // Adverts and lease renewals are timers: what delays them is worth a line in the log. From the
    // loop's first turn on, so that the start-up's own work is not counted against it.
    loop_.schedule(loop_.now(), [this] {
        loop_.report_stalls(std::chrono::milliseconds(50), [this](const std::string& what) {
            const TimePoint now = loop_.now();
            if (now - last_stall_logged_ < std::chrono::seconds(1)) {
                ++stalls_not_logged_;
                return;
            }
            spdlog::warn("event loop: {}: adverts and lease renewals wait meanwhile{}", what,
                         stalls_not_logged_ == 0
                             ? std::string()
                             : " (" + std::to_string(stalls_not_logged_) + " more in the last second)");
            last_stall_logged_ = now;
            stalls_not_logged_ = 0;
        });
    });
    loop_.run();
    metrics_.reset();  // every way out of the loop (stop, restart, failed reload) ends the server
    return exit_code_;
}

void Daemon::stop_gracefully() {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("stopping: handing every active instance over before leaving");
    service_manager_.stopping("handing over");
    load_balancer_.unbind();
    checks_.reset();
    neighbours_.clear();
    tracking_.reset();
    bfd_.reset();
    control_.reset();
    auto pending = std::make_shared<std::size_t>(interfaces_.size());
    auto all_done = [this] {
        const bool guards = std::any_of(interfaces_.begin(), interfaces_.end(),
                                        [](const auto& served) { return served->keeps_guard_on_stop(); });
        spdlog::info("stopped: VIPs released, {}, sysctls restored",
                     guards ? "XDP detached but for the gateway interfaces' forwarding guards" : "XDP detached");
        for (const auto& served : interfaces_) {
            for (const auto* instance : served->instances()) {
                notifier_->instance_changed(instance->name(), hooks_[instance->name()], NotifyState::stop,
                                            instance->priority());
            }
        }
        finish_when_hooks_are_done(loop_.now() + std::chrono::seconds(5));
    };
    if (interfaces_.empty()) all_done();
    for (auto& served : interfaces_) {
        served->hand_over([pending, all_done] {
            if (--*pending == 0) all_done();
        });
    }
}

// notify_stop hooks get a bounded time to finish before the daemon exits.
void Daemon::finish_when_hooks_are_done(TimePoint deadline) {
    if (children_.running() == 0 || loop_.now() >= deadline) {
        loop_.stop();
        return;
    }
    loop_.schedule(loop_.now() + std::chrono::milliseconds(20),
                   [this, deadline] { finish_when_hooks_are_done(deadline); });
}

void Daemon::exit_for_restart() {
    if (stopping_) return;
    stopping_ = true;
    load_balancer_.unbind();
    checks_.reset();
    neighbours_.clear();
    tracking_.reset();
    bfd_.reset();
    control_.reset();
    for (auto& served : interfaces_) served->keep_for_restart();
    service_manager_.stopping("exiting for a restart; the data plane stays");
    spdlog::info(
        "exiting for a restart: the data plane, its leases and the VIPs stay; start xvipd "
        "again to adopt them");
    loop_.stop();
}

void Daemon::reload() {
    if (stopping_) return;
    spdlog::info("reloading {}", options_.config_path.string());
    service_manager_.reloading();
    auto refuse = [this](const std::string& why) {
        spdlog::error("reload refused: {}; still running the previous configuration", why);
        last_reload_ = ReloadOutcome{.refused = true, .error = why, .at = loop_.now()};
        service_manager_.ready("reload refused: " + why + "; running the previous configuration: " + one_line_status());
    };
    ReadResult read = read_configuration(options_);
    for (const auto& d : read.diagnostics) spdlog::warn("{}", to_string(d));
    if (!read.ok()) {
        refuse("the configuration has errors");
        return;
    }
    // Everything that can refuse the new configuration is asked before the running one is let go.
    Prepared prepared;
    try {
        prepared = prepare(read.config);
        open_fifo(read.config);
        open_bfd(read.config);
    } catch (const std::exception& e) {
        refuse(e.what());
        return;
    }
    // A data plane's maps cannot grow: virtual services on an interface whose running data plane was
    // loaded without room for them are refused here, with the running configuration kept.
    for (const auto& [ifname, capacity] : lb_capacity(read.config)) {
        for (const auto& served : interfaces_) {
            const Dataplane* dataplane = std::as_const(*served).dataplane();
            if (served->name() != ifname || dataplane == nullptr || dataplane->holds_lb_services()) continue;
            refuse("virtual servers on " + ifname +
                   ", whose data plane was loaded without room for them; fix: stop "
                   "xvipd, xvipctl detach " +
                   ifname + ", start xvipd (the VIPs fail over meanwhile)");
            return;
        }
    }
    // The point of no return. An unchanged instance keeps its role: the new set of interfaces
    // adopts the running data plane exactly as a restarted xvipd does; so do the track scripts
    // the new configuration still runs (same name, same command).
    const CarriedScripts carried = tracking_ ? tracking_->carried_scripts() : CarriedScripts{};
    std::map<std::string, VrrpInstance::History> histories;
    for (const auto& served : interfaces_) {
        for (const auto* instance : served->instances()) histories.emplace(instance->name(), instance->history());
    }
    load_balancer_.unbind();
    auto old_interfaces = std::move(interfaces_);
    const auto wanted = by_interface(read.config);
    for (auto& served : old_interfaces) {
        if (wanted.count(served->name())) served->keep_for_restart();
    }
    tracking_.reset();
    config_ = std::move(read.config);
    hooks_ = std::move(prepared.hooks);
    lb_scripts_ = std::move(prepared.lb_scripts);
    scripts_change_user_ = prepared.changes_user;
    apply_bfd(config_);
    try {
        start_interfaces(prepared, carried, true, std::move(histories));
        if (bfd_) bfd_->start();
    } catch (const std::exception& e) {
        // What failed cannot be undone: leave as a restart does, and say so with the exit code, so
        // that Restart=on-failure starts an xvipd that adopts the data plane.
        spdlog::error(
            "reload failed after the previous configuration was let go: {}; exiting with status 1, "
            "the data plane, its leases and the VIPs stay for the next xvipd to adopt",
            e.what());
        for (auto& served : old_interfaces) served->keep_for_restart();
        stopping_ = true;
        exit_code_ = 1;
        control_.reset();
        service_manager_.stopping(std::string("reload failed: ") + e.what());
        loop_.stop();
        return;
    }
    last_reload_ = ReloadOutcome{.refused = false, .error = {}, .at = loop_.now()};
    service_manager_.ready(one_line_status());
    spdlog::info("reloaded {}", options_.config_path.string());
    // Interfaces dropped from the configuration hand over and finish in the background.
    for (auto& served : old_interfaces) {
        if (wanted.count(served->name())) continue;
        served->hand_over([] {});
        retired_.push_back(std::move(served));
    }
}

nlohmann::json Daemon::status() const {
    const auto now = loop_.now();
    nlohmann::json j{{"version", XVIP_VERSION},
                     {"pid", getpid()},
                     {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()},
                     {"interfaces", nlohmann::json::array()},
                     {"instances", nlohmann::json::array()}};
    for (const auto& served : interfaces_) {
        j["interfaces"].push_back(served->status(now));
        for (const auto* instance : served->instances()) j["instances"].push_back(instance->status(now));
    }
    j["track_scripts"] = tracking_ ? tracking_->status() : nlohmann::json::array();
    j["bfd_sessions"] = bfd_ ? bfd_->status() : nlohmann::json::array();
    j["virtual_servers"] = load_balancer_.status();
    j["health_checks"] = checks_ ? checks_->status() : nlohmann::json::array();
    if (last_reload_) {
        j["reload"] = {
            {"result", last_reload_->refused ? "refused" : "done"},
            {"ms_ago", std::chrono::duration_cast<std::chrono::milliseconds>(now - last_reload_->at).count()}};
        if (last_reload_->refused) j["reload"]["error"] = last_reload_->error;
    }
    return j;
}

}  // namespace xvip
