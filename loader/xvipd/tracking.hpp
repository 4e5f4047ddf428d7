// What an instance's priority depends on besides its configuration: its own interface (down is
// FAULT, as in keepalived), tracked interfaces and tracked scripts, combined by keepalived's
// rules (daemon/effective_priority.hpp) and applied to the instance whenever one of them changes.
#pragma once

#include <map>
#include <memory>
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

class Tracking {
public:
    // Prepares every tracked script (refusing insecure ones) and subscribes to link changes.
    // Throws StartupError naming the script or interface.
    Tracking(EventLoop& loop, ChildProcesses& children, const Config& config, std::vector<VrrpInstance*> instances,
             const ScriptPolicy& policy);
    ~Tracking();

    // Applies the current states and starts the scripts.
    void start();

private:
    struct Tracked {
        VrrpInstance* instance;
        // What it depends on: an interface by name, or a script by name, with the weight it has.
        struct Item {
            bool is_script;
            std::string name;
            int weight;
            bool reversed;
        };
        std::vector<Item> items;
    };

    void on_links();
    void apply(Tracked& tracked, const std::string& cause);
    void apply_all_depending_on(bool is_script, const std::string& name, const std::string& cause);

    EventLoop& loop_;
    std::vector<Tracked> tracked_;
    std::map<std::string, std::unique_ptr<ScriptTracker>> scripts_;
    std::map<std::string, bool> links_up_;
    std::optional<LinkMonitor> links_;
};

}  // namespace xvip
