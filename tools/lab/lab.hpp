// xvip-lab's scenarios: a throwaway topology (2 or 3 xvipd nodes and a client), xvipd started on
// the nodes from a generated keepalived.conf, a fault injected while the client probes the VIP
// every millisecond, and a timeline of what each node, the segment and the client saw. The
// `balancer` scenario (balancer.cpp) shows the load-balancer mode instead: TCP connections through
// two balancers to three direct-routing backends, across a balancer's crash and a backend's death.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "probe/echo_probe.hpp"

namespace xvip::topo {
class Topology;
class Process;
}  // namespace xvip::topo

namespace xvip::lab {

struct LabOptions {
    std::size_t nodes = 2;  // 2 or 3
    std::chrono::milliseconds advert_interval{1000};
    int vrrp_version = 3;
    bool unicast = false;
    bool fast_failover = false;                         // xvip's own option: the nodes get a TOML configuration
    std::optional<std::chrono::milliseconds> duration;  // of the probe; default: from the interval
    std::chrono::milliseconds fault_at{500};            // after the probe starts
    std::string xvipd;
    std::string xvipctl;
    bool verbose = false;
};

struct ScenarioInfo {
    std::string name;
    std::string summary;
    // Run by `--scenario all`, which ctest's lab_all runs: the balancer scenario is not, it takes
    // about 20 s more and has its own test (tests/integration/load_balancer_lab_test).
    bool in_all = true;
};
const std::vector<ScenarioInfo>& scenarios();

struct ScenarioResult {
    std::string name;
    bool completed = false;
    std::string failure;                          // what went wrong when not completed
    std::optional<probe::EchoProbeResult> probe;  // the ICMP probe's; none for `balancer`
    std::chrono::milliseconds elapsed{0};
};

// The probe's duration for these options: long enough to see the detection (3 x interval + skew)
// and the recovery after the fault.
std::chrono::milliseconds probe_duration(const LabOptions& options);

// Runs one scenario in a topology of its own, printing its timeline to `out`. Never throws: a
// failure is reported in the result (and everything the scenario made is removed either way).
ScenarioResult run_scenario(const std::string& name, const LabOptions& options, std::FILE* out);

// The `balancer` scenario (run_scenario runs it by that name).
ScenarioResult run_balancer(const LabOptions& options, std::FILE* out);

// Node i's keepalived.conf: the lab's vrrp_instance for these options, then `trailer` (top-level
// blocks such as virtual_server).
std::string keepalived_conf(const topo::Topology& topo, const LabOptions& options, std::size_t i,
                            const std::string& trailer = "");

// Ends the scenario's daemons at its end: all at once and gracefully (SIGTERM), so that each gives
// back what it took, each waited for up to 5 s; the topology kills whatever is left.
void stop_daemons(const std::vector<topo::Process*>& daemons);

}  // namespace xvip::lab
