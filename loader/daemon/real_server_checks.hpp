// The health checks of a load balancer's real servers (keepalived's TCP_CHECK, HTTP_GET and
// MISC_CHECK), run in the event loop without ever blocking it, each real server's verdict reported
// as the planner takes it (lb::HealthMap, userspace/lb/plan.hpp). The rules, all of them:
//
// Attempts. A check makes an attempt every `interval` (delay_loop), the first as soon as the loop
// runs after configure(); an attempt still going when the next is due (it is retrying) delays the
// next until it ends. An attempt is one or more tries: a failed try is followed, `delay_before_retry`
// later, by another, up to `retry` further tries, and only when the last of them fails does the
// attempt fail (keepalived's retry). The first passing try ends the attempt as passed.
//
// Verdict. A real server goes down after one failed attempt and is up again after `rise` passed
// attempts in a row (rise_fall.hpp with fall 1; keepalived's rise is always 1). Its first verdict is
// its first attempt's result, unless seed() gave it one before: a server seeded down needs `rise`
// passed attempts. The callback runs, in the loop, whenever a server's health changes (its first
// verdict included, and a MISC_CHECK's dynamic weight); never from inside configure() or seed().
//
// Tries. TCP_CHECK: a non-blocking connect to connect_ip:connect_port (default: the real server's
// address and port), from bind_to when set, must complete within connect_timeout; the connection is
// then closed at once (a FIN, no reset). HTTP_GET: for each URL in turn, the same connect, then
// `GET PATH HTTP/1.1` with Host (the URL's virtualhost, else the check's, else ADDRESS:PORT),
// Connection: close and User-Agent: xvip-check; the whole exchange of one URL must end within
// connect_timeout, as in keepalived. The response is read to its end (Content-Length, else the
// server's close) and must carry a status in the URL's ranges (default 200-299) and, when a digest
// is set, a body whose MD5 is that digest. A response that is not HTTP/1.x, headers over 16 KiB, a
// body over 1 MiB, a body cut short or a chunked body when a digest is set (xvip does not decode
// chunks; without a digest a chunked body is read to the close and not looked at) fail the try;
// nothing a server sends can do more. Every URL must pass for the try to pass; a failed URL is
// tried again (a retry) and the next try goes on from it. MISC_CHECK: the prepared command runs
// through ChildProcesses, killed at `timeout` (default: the interval); exit 0 passes, anything
// else fails. With misc_dynamic, keepalived's rule (keepalived.conf(5), MISC_CHECK): "exit status
// 0: svc check success, weight unchanged. exit status 1: svc check failed. exit status 2-255: svc
// check success, weight changed to 2 less than exit status" - the weight set stays until another
// exit status 2-255 changes it.
//
// The daemon's own trouble is no result. A try the host cannot start (no descriptor, memory or
// process left) neither passes nor fails: the attempt ends, the verdict stays as it was, and the
// shortage is logged once while it lasts (ScriptTracker's rule).
//
// Reload. configure() runs exactly the checks the servers configure. A check whose target, check
// settings (resolved timing included) and prepared command are unchanged keeps running with its
// verdict and counters; a real server whose check changed starts the new check at once, carrying
// its verdict (mapped onto the new rise) so that it neither comes up nor goes down for the change
// alone; a removed one stops, its socket closed and its command killed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "codec/value_or_error.hpp"
#include "config/config.hpp"
#include "daemon/child_processes.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/script.hpp"
#include "lb/plan.hpp"

namespace xvip {

// Every MISC_CHECK command of the configuration made ready to run (split, found, security-checked,
// its user resolved), by the real server it checks.
using PreparedCheckScripts = std::map<lb::RealServerKey, Script>;

class RealServerChecks {
public:
    // Called when a real server's health changes (the first verdict included), in the loop.
    using OnChange = std::function<void(const lb::RealServerKey&, const lb::RealServerHealth&)>;

    // Prepares every MISC_CHECK command of `servers`, touching nothing: a reload calls it before it
    // lets go of the running configuration. `script_user` is global.script_user. The error names
    // the place in the file (FILE:LINE:COLUMN), the real server and what is wrong.
    static ValueOrError<PreparedCheckScripts, ScriptError> prepare(std::span<const VirtualServer> servers,
                                                                   std::string_view script_user,
                                                                   const ScriptPolicy& policy);

    RealServerChecks(EventLoop& loop, ChildProcesses& children, OnChange on_change, LogSink log = {});
    RealServerChecks(const RealServerChecks&) = delete;
    RealServerChecks& operator=(const RealServerChecks&) = delete;
    // Stops every check: sockets closed, timers cancelled, commands killed.
    ~RealServerChecks();

    // Starts, keeps or stops checks so that exactly the configured ones run (the reload rule above).
    // `scripts` must hold every MISC_CHECK's command (from prepare() of the same servers): one
    // missing throws std::invalid_argument before anything changes.
    void configure(std::span<const VirtualServer> servers, const PreparedCheckScripts& scripts);

    // The real servers whose check has a verdict (seeded or found).
    lb::HealthMap health() const;

    // Gives a checked real server a verdict before its first result: a restart that adopts a data
    // plane in which the server took no new flows starts it down, needing `rise` passed attempts.
    // Ignored for a server without a check, or whose check already has a verdict.
    void seed(const lb::RealServerKey& server, bool up);

    // Per checked real server: service, address, target, check type, state (up, down, unknown),
    // since (Unix seconds of the last change), attempts, failed attempts, the last failure, the
    // last attempt's duration, the dynamic weight, tries the host could not start.
    nlohmann::json status() const;

private:
    class Check;
    // Calls on_change; takes copies, since the handler may reconfigure and so destroy the check.
    void report(lb::RealServerKey server, lb::RealServerHealth health);

    EventLoop& loop_;
    ChildProcesses& children_;
    OnChange on_change_;
    LogSink log_;
    std::map<lb::RealServerKey, std::unique_ptr<Check>> checks_;
};

}  // namespace xvip
