// What an instance's priority depends on besides its configuration: its own interface (down is
// FAULT, as in keepalived), tracked interfaces, tracked scripts and tracked BFD sessions (run by
// BfdEndpoint, which reports each change through bfd_changed), combined by keepalived's
// rules (daemon/effective_priority.hpp) and applied to the instance whenever one of them changes.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/child_processes.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/script.hpp"
#include "daemon/script_tracker.hpp"
#include "system/link_monitor.hpp"
#include "xvipd/vrrp_instance.hpp"

namespace xvip {

// Every script some instance tracks, made ready to run (split, found, security-checked, its user
// resolved), by name.
using PreparedScripts = std::map<std::string, Script>;

// What a reload carries from the running tracking into the next: each script's verdict, with the
// command that earned it.
struct CarriedScript {
    Script script;
    RiseFall verdict;
};
using CarriedScripts = std::map<std::string, CarriedScript>;

struct TrackedInstance {
    VrrpInstance* instance;
    // Its data plane was adopted (a restart or a reload): until a weight-0 script's first result
    // the instance keeps the role it resumed in, rather than leaving the election to wait for it.
    bool adopted = false;
};

class Tracking {
public:
    // Prepares every script the configuration's instances track, touching nothing: a reload calls
    // it before it lets go of the running configuration. Throws StartupError naming the script.
    static PreparedScripts prepare(const Config& config, const ScriptPolicy& policy);

    // Subscribes to link changes. A script in `carried` under the same name and with the same
    // command (argv and user) keeps its verdict and rise/fall state; any other starts unknown.
    // `bfd_up`: the verdict of each BFD session that has one (a reload keeps the running sessions);
    // a session not named there has none yet and is waited for as a script's first result is.
    Tracking(EventLoop& loop, ChildProcesses& children, const Config& config, const PreparedScripts& scripts,
             std::vector<TrackedInstance> instances, const CarriedScripts& carried = {},
             const std::map<std::string, bool>& bfd_up = {});
    ~Tracking();

    // Applies the current states and starts the scripts.
    void start();

    // A BFD session's verdict: it came Up (true), left Up or stayed down through its first
    // detection time (false). The instances tracking it are applied again.
    void bfd_changed(const std::string& name, bool up);

    CarriedScripts carried_scripts() const;
    // Each script: name, "healthy" / "failing" / "unknown", runs since this tracking started.
    nlohmann::json status() const;

private:
    struct Tracked {
        VrrpInstance* instance;
        bool adopted;
        // What it depends on: an interface, a script or a BFD session by name, with the weight it has.
        enum class Kind { interface, script, bfd };
        struct Item {
            Kind kind;
            std::string name;
            int weight;
            bool reversed;
        };
        std::vector<Item> items;
    };

    void on_links();
    void apply(Tracked& tracked, const std::string& cause);
    void apply_all_depending_on(Tracked::Kind kind, const std::string& name, const std::string& cause);

    EventLoop& loop_;
    std::vector<Tracked> tracked_;
    std::map<std::string, std::unique_ptr<ScriptTracker>> scripts_;
    std::map<std::string, bool> links_up_;
    std::map<std::string, std::optional<bool>> bfd_up_;
    std::optional<LinkMonitor> links_;
};

}  // namespace xvip
