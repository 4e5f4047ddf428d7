// One benchmark run: a fresh topology (2 nodes, 2 clients), both nodes running xvipd or both
// keepalived from the same generated keepalived.conf, one fault while client0 pings the VIP every
// millisecond, and what the run measured. Never throws: a failure is in the result, and
// everything the run made is removed either way.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xvip::bench_failover {

enum class Daemon { xvipd, keepalived };
const char* to_string(Daemon daemon);

struct Programs {
    std::string xvipd;
    std::string keepalived;
};

struct RunSpec {
    Daemon daemon = Daemon::xvipd;
    std::string scenario;  // failover, switchover, preemption, crash, restart
    std::chrono::milliseconds advert{100};
    bool unicast = false;
    // xvipd with fast_failover = true (1 ms x 3, TOML): the fault waits until node1 is armed.
    bool fast_failover = false;
};

struct RunResult {
    bool ok = false;
    std::string failure;
    double gap_ms = 0;  // the probe's longest gap
    // Failover and crash: the gap around the new active node's decision, from the last reply
    // before it to the first after (what the fault cost, without a loaded host's pauses elsewhere
    // in the run).
    std::optional<double> takeover_gap_ms;
    // xvipd: the new active node's transition cause, as its status gives it ("fast failover: ..."
    // when the detector took over, Master_Down_Interval's with why not when VRRP did).
    std::string cause;
    std::uint32_t lost = 0;
    std::uint32_t sent = 0;
    // The new active node: its decision -> the first GARP from it seen by client0, in us.
    // xvipd: the decision time in its status (its event loop's clock at the event that made it
    // master); keepalived: its "Entering MASTER STATE" line reaching its log.
    std::optional<double> decision_to_garp_us;
    // xvipd: the poller first saw the active state word -> first GARP (the write is at most one
    // poll period, 50 us, before it is seen).
    std::optional<double> word_to_garp_us;
    // Same-method comparison for xvipd: its "-> MASTER" log line reaching its log -> first GARP.
    std::optional<double> log_to_garp_us;
    // failover and crash: the decision -> the probe's first reply after it, in us.
    std::optional<double> decision_to_reply_us;
    // crash: the ARP sampler's view (client1): ms slots in which both nodes answered, how long
    // after the kill the dead node still answered, and whether it still did at the end.
    std::optional<double> both_answer_ms;
    std::optional<double> dead_answers_ms;
    bool dead_answering_at_end = false;
    double arp_window_ms = 0;  // sampled after the kill
    // restart: the peer (node1) went MASTER at some point after the fault.
    std::optional<bool> peer_transition;
    double elapsed_s = 0;
};

RunResult run_once(const RunSpec& spec, const Programs& programs);

struct ProcessUsage {
    double cpu_s = 0;   // utime + stime over the window (at the end: since start)
    long rss_kb = 0;    // VmRSS at the end
    int processes = 0;  // keepalived: the parent and its VRRP child
};

struct SteadyResult {
    bool ok = false;
    std::string failure;
    double seconds = 0;
    std::array<ProcessUsage, 2> xvipd{};  // node0 (master), node1 (backup)
    std::array<ProcessUsage, 2> keepalived{};
};

// Runs an xvipd pair and a keepalived pair at once, each in a topology of its own, and reads
// /proc/PID/stat (utime + stime) and /proc/PID/status (VmRSS) before and after `duration`.
SteadyResult measure_steady(const Programs& programs, std::chrono::milliseconds advert, std::chrono::seconds duration);

// keepalived as the benchmark runs it: VRRP only (-P), console log (-l -D), no syslog (-G), no
// respawn (-R), every pid file in `run_dir` under `name`.
std::vector<std::string> keepalived_argv(const std::string& keepalived, const std::filesystem::path& config,
                                         const std::filesystem::path& run_dir, const std::string& name);

// keepalived's advert_int for an interval ("0.01", "0.1", "1").
std::string advert_int_text(std::chrono::milliseconds interval);
std::string interval_text(std::chrono::milliseconds interval);  // "10ms", "100ms", "1s"

// The probe's duration and the time a run takes, for the ETA (seconds).
double estimated_seconds(const RunSpec& spec);

}  // namespace xvip::bench_failover
