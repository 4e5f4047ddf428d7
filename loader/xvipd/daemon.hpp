// xvipd at run time: the interfaces it serves, the instances on each, and the three ways it ends
// (planned stop with handover, restart hand-off, failure).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/child_processes.hpp"
#include "daemon/control_server.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/notify_fifo.hpp"
#include "daemon/notify_hooks.hpp"
#include "daemon/real_server_checks.hpp"
#include "system/bfd_socket.hpp"
#include "xvipd/bfd_endpoint.hpp"
#include "xvipd/load_balancer.hpp"
#include "xvipd/neighbour_watch.hpp"
#include "xvipd/options.hpp"
#include "xvipd/service_manager.hpp"
#include "xvipd/tracking.hpp"

namespace xvip {

class ServedInterface;

// A start-up step failed; what was done has been undone. The message says what and how to fix it.
class StartupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A script about to run as the daemon's own user (no `user`, no `script_user`, no
// keepalived_script user on the host) while the daemon is root: logs keepalived's warning, once
// per process.
void warn_if_running_as_root(const std::optional<RunAs>& run_as);

class Daemon {
public:
    Daemon(DaemonOptions options, Config config);
    ~Daemon();

    // Validates against the system, attaches (or adopts) the data plane, holds the VIPs, opens the
    // sockets and starts the election. Throws StartupError, leaving nothing behind.
    void start();
    // Runs until a signal ends it; returns the exit code: 0 for a stop or a restart, 1 when a reload
    // failed after letting go of the running configuration (the data plane is left pinned).
    int run();

    nlohmann::json status() const;

    // Whether some hook or track script of the running configuration runs as a named user (its
    // `user`, `script_user` or keepalived_script): then xvipd needs CAP_SETUID and CAP_SETGID.
    bool scripts_change_user() const { return scripts_change_user_; }
    // Those capabilities are gone (dropped after start): a reload whose scripts need them is refused.
    void cannot_change_user() { can_change_user_ = false; }
    // What --metrics exposes, typed, taken now from the instances and interfaces (and their data
    // planes' counters, which can throw when a handover detached one).
    MetricsSnapshot metrics_snapshot() const;

private:
    // Everything a configuration needs that can fail, made ready without touching anything: notify
    // hooks and track scripts (split, found, security-checked, users resolved), the interfaces
    // checked against the system. Throws StartupError.
    struct Prepared {
        std::map<std::string, NotifyScripts> hooks;  // by instance name
        PreparedScripts scripts;
        PreparedCheckScripts check_scripts;  // the real servers' MISC_CHECKs
        LbNotifyScripts lb_scripts;          // quorum_up / quorum_down, notify_up / notify_down
        bool changes_user = false;           // some script runs as a named user
    };
    Prepared prepare(const Config& config);
    void open_fifo(const Config& config);
    // histories: a reload's, each running instance's record of transitions, by name.
    void start_interfaces(const Prepared& prepared, const CarriedScripts& carried, bool keep_adopted,
                          std::map<std::string, VrrpInstance::History> histories = {});
    // The BFD endpoint for the configuration's sessions: opened, kept (a reload keeps unchanged
    // sessions running) or closed when there are none. Throws StartupError when the port is taken.
    void open_bfd(const Config& config);
    // The load balancer's data planes: the served interfaces', after start_interfaces().
    LoadBalancer::Targets load_balancer_targets() const;
    // Writes the configuration's virtual services, watches their backends' MACs and runs their
    // real servers' health checks.
    void apply_load_balancer(const PreparedCheckScripts& check_scripts);
    void apply_bfd(const Config& config);
    // The load balancer's events: the service's quorum_up / quorum_down, the real server's
    // notify_up / notify_down, when configured.
    void run_quorum_script(const lb::ServiceKey& service, bool up);
    void run_real_server_script(const lb::RealServerKey& server, bool up);
    void notify(const VrrpInstance& instance, State to);
    std::string one_line_status() const;
    nlohmann::json handle_request(const nlohmann::json& request);
    void stop_gracefully();
    void finish_when_hooks_are_done(TimePoint deadline);
    void exit_for_restart();
    void reload();
    void publish_metrics();
    void refresh_metrics_periodically();

    DaemonOptions options_;
    Config config_;
    EventLoop loop_;
    // Declared after the loop: children are killed and reaped before the loop goes away.
    ChildProcesses children_{loop_};
    std::optional<NotifyFifo> fifo_;
    std::optional<TransitionNotifier> notifier_;
    std::map<std::string, NotifyScripts> hooks_;  // by instance name
    LbNotifyScripts lb_scripts_;
    std::vector<std::unique_ptr<ServedInterface>> interfaces_;
    std::vector<std::unique_ptr<ServedInterface>> retired_;  // dropped by a reload, handing over
    ServiceManager service_manager_{loop_};
    std::optional<BfdSocket> bfd_socket_;
    std::optional<BfdEndpoint> bfd_;
    std::optional<Tracking> tracking_;
    // Virtual services, written into the data planes of the interfaces that hold their VIPs.
    LoadBalancer load_balancer_;
    // The backends' MACs, per interface that serves virtual services.
    struct Neighbours {
        int ifindex = 0;
        std::unique_ptr<NeighbourWatch> watch;
    };
    std::map<std::string, Neighbours> neighbours_;
    std::optional<RealServerChecks> checks_;
    std::optional<ControlServer> control_;
    // --metrics: serves, on its own thread, the text publish_metrics() renders here in the loop.
    std::optional<MetricsServer> metrics_;
    TimePoint started_{};
    bool stopping_ = false;
    bool scripts_change_user_ = false;
    bool can_change_user_ = true;
    int exit_code_ = 0;  // what run() returns: non-zero when the daemon left for a reason of its own
    // Stalls of the event loop (EventLoop::report_stalls), logged at most once a second.
    TimePoint last_stall_logged_{};
    std::size_t stalls_not_logged_ = 0;
    struct ReloadOutcome {
        bool refused = false;
        std::string error;  // why it was refused
        TimePoint at{};
    };
    std::optional<ReloadOutcome> last_reload_;
};

}  // namespace xvip
