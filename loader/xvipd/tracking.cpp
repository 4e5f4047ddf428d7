#include "xvipd/tracking.hpp"

#include <spdlog/spdlog.h>

#include "daemon/effective_priority.hpp"
#include "xvipd/daemon.hpp"

namespace xvip {

namespace {

bool same_user(const std::optional<RunAs>& a, const std::optional<RunAs>& b) {
    if (!a || !b) return !a && !b;
    return a->uid == b->uid && a->gid == b->gid && a->groups == b->groups;
}

}  // namespace

PreparedScripts Tracking::prepare(const Config& config, const ScriptPolicy& policy) {
    PreparedScripts out;
    for (const auto& instance : config.instances) {
        for (const auto& ref : instance.tracked_scripts) {
            const TrackScript* script = config.find_script(ref.name);
            if (!script) throw StartupError(instance.name + ": tracks unknown script '" + ref.name + "'");
            if (out.count(ref.name)) continue;
            auto run_as = script_run_as(script->user, config.global.script_user);
            if (!run_as.has_value()) throw StartupError("script " + ref.name + ": " + run_as.error().message);
            warn_if_running_as_root(*run_as);
            auto prepared = prepare_script(script->command, *run_as, policy);
            if (!prepared.has_value()) {
                throw StartupError("script " + ref.name + ": " + prepared.error().message);
            }
            out.emplace(ref.name, *prepared);
        }
    }
    return out;
}

Tracking::Tracking(EventLoop& loop, ChildProcesses& children, const Config& config, const PreparedScripts& scripts,
                   std::vector<TrackedInstance> instances, const CarriedScripts& carried,
                   const std::map<std::string, bool>& bfd_up)
    : loop_(loop) {
    using Kind = Tracked::Kind;
    std::vector<std::string> interfaces;
    auto watch_interface = [&](const std::string& name) {
        if (std::find(interfaces.begin(), interfaces.end(), name) == interfaces.end()) interfaces.push_back(name);
    };
    for (const auto& [instance, adopted] : instances) {
        const Instance& c = instance->config();
        Tracked t{instance, adopted, {}};
        // The instance's own interface: down is FAULT (keepalived does the same).
        t.items.push_back({Kind::interface, c.interface, 0, false});
        watch_interface(c.interface);
        for (const auto& ti : c.tracked_interfaces) {
            t.items.push_back({Kind::interface, ti.name, ti.weight, ti.weight_reversed});
            watch_interface(ti.name);
        }
        for (const auto& ref : c.tracked_scripts) {
            const TrackScript* script = config.find_script(ref.name);
            const auto prepared = scripts.find(ref.name);
            if (!script || prepared == scripts.end()) {
                throw StartupError(c.name + ": tracks unknown script '" + ref.name + "'");
            }
            t.items.push_back({Kind::script, ref.name, ref.weight ? *ref.weight : script->weight,
                               ref.weight ? ref.weight_reversed : script->weight_reversed});
            if (scripts_.count(ref.name)) continue;
            const std::string name = ref.name;
            auto tracker = std::make_unique<ScriptTracker>(
                loop_, children,
                TrackScriptSettings{
                    .name = name,
                    .script = prepared->second,
                    .interval = script->interval,
                    .timeout = script->timeout ? std::optional<Duration>(*script->timeout) : std::nullopt,
                    .rise = script->rise,
                    .fall = script->fall,
                    .initially_failed = script->initially_failed},
                [this, name](bool healthy) {
                    spdlog::info("track script {} is now {}", name, healthy ? "healthy" : "failing");
                    apply_all_depending_on(Kind::script, name,
                                           "track script " + name + (healthy ? " healthy" : " failing"));
                });
            // Reload: the same script keeps what it had found (keepalived does the same).
            const auto before = carried.find(name);
            if (before != carried.end() && before->second.script.argv == prepared->second.argv &&
                same_user(before->second.script.run_as, prepared->second.run_as)) {
                tracker->carry(before->second.verdict);
                const auto healthy = tracker->healthy();
                spdlog::info("track script {}: unchanged by the reload, keeps its verdict ({})", name,
                             healthy ? (*healthy ? "healthy" : "failing") : "none yet");
            }
            scripts_[name] = std::move(tracker);
        }
        for (const auto& ref : c.tracked_bfds) {
            const BfdInstance* bfd = config.find_bfd(ref.name);
            if (!bfd) throw StartupError(c.name + ": tracks unknown BFD session '" + ref.name + "'");
            t.items.push_back({Kind::bfd, ref.name, ref.weight ? *ref.weight : bfd->weight,
                               ref.weight ? ref.weight_reversed : bfd->weight_reversed});
            const auto now = bfd_up.find(ref.name);
            bfd_up_[ref.name] = now != bfd_up.end() ? std::optional<bool>(now->second) : std::nullopt;
        }
        tracked_.push_back(std::move(t));
    }
    links_.emplace(interfaces);
    for (const auto& state : links_->snapshot()) links_up_[state.ifname] = state.healthy();
    loop_.watch(links_->fd(), [this] { on_links(); });
}

CarriedScripts Tracking::carried_scripts() const {
    CarriedScripts out;
    for (const auto& [name, tracker] : scripts_)
        out.emplace(name, CarriedScript{tracker->script(), tracker->verdict()});
    return out;
}

nlohmann::json Tracking::status() const {
    auto out = nlohmann::json::array();
    for (const auto& [name, tracker] : scripts_) {
        const auto healthy = tracker->healthy();
        out.push_back({{"name", name},
                       {"state", healthy ? (*healthy ? "healthy" : "failing") : "unknown"},
                       {"runs", tracker->runs()}});
    }
    return out;
}

Tracking::~Tracking() {
    if (links_) loop_.unwatch(links_->fd());
}

void Tracking::start() {
    for (auto& t : tracked_) apply(t, "tracking at start-up");
    for (auto& [name, tracker] : scripts_) tracker->start();
}

void Tracking::on_links() {
    const auto read = links_->read();
    for (const auto& state : read.changes) {
        if (links_up_[state.ifname] == state.healthy()) continue;
        links_up_[state.ifname] = state.healthy();
        spdlog::info("interface {} is {}", state.ifname, state.healthy() ? "up" : "down");
        apply_all_depending_on(Tracked::Kind::interface, state.ifname,
                               "interface " + state.ifname + (state.healthy() ? " up" : " down"));
    }
}

void Tracking::bfd_changed(const std::string& name, bool up) {
    const auto found = bfd_up_.find(name);
    if (found == bfd_up_.end() || found->second == std::optional<bool>(up)) return;
    found->second = up;
    apply_all_depending_on(Tracked::Kind::bfd, name, "BFD session " + name + (up ? " up" : " down"));
}

void Tracking::apply_all_depending_on(Tracked::Kind kind, const std::string& name, const std::string& cause) {
    for (auto& t : tracked_) {
        for (const auto& item : t.items) {
            if (item.kind == kind && item.name == name) {
                apply(t, cause);
                break;
            }
        }
    }
}

void Tracking::apply(Tracked& t, const std::string& cause) {
    std::vector<TrackedState> states;
    for (const auto& item : t.items) {
        std::optional<bool> up;
        switch (item.kind) {
            case Tracked::Kind::script: up = scripts_.at(item.name)->healthy(); break;
            case Tracked::Kind::interface: up = links_up_[item.name]; break;
            case Tracked::Kind::bfd: up = bfd_up_.at(item.name); break;
        }
        states.push_back({.weight = item.weight,
                          .reversed = item.reversed,
                          .up = up,
                          .unknown_keeps_role = item.kind != Tracked::Kind::interface && t.adopted});
    }
    const auto effective = effective_priority(t.instance->config().priority, states);
    // keepalived keeps an instance that waits for its first script verdict out of the election;
    // one that resumed on an adopted data plane keeps its role instead (effective_priority.hpp).
    t.instance->set_fault(effective.fault || effective.waiting, cause);
    t.instance->set_priority(effective.priority, cause);
}

}  // namespace xvip
