// xvip-lab: a throwaway network-namespace lab that shows xvip failing over. See lab.hpp and the
// README's "Lab" section.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "lab/lab.hpp"
#include "lab/timeline.hpp"

namespace po = boost::program_options;
using namespace std::chrono;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// Where the build put them; --xvipd / --xvipctl override.
#ifndef XVIP_LAB_XVIPD
#define XVIP_LAB_XVIPD "xvipd"
#endif
#ifndef XVIP_LAB_XVIPCTL
#define XVIP_LAB_XVIPCTL "xvipctl"
#endif

std::string scenario_list() {
    std::string text;
    for (const auto& s : xvip::lab::scenarios())
        text += "  " + s.name + std::string(12 - s.name.size(), ' ') + s.summary + "\n";
    text += "  all         every scenario above but balancer, each in a fresh topology, then a summary\n";
    return text;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "xvip-lab: %s; see `xvip-lab --help`\n", message.c_str());
    return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
    std::string scenario = "failover";
    std::string advert = "1s";
    std::string duration;
    std::size_t nodes = 2;
    int version = 3;
    xvip::lab::LabOptions options;
    po::options_description desc("options");
    desc.add_options()("scenario", po::value(&scenario)->default_value(scenario),
                       "a scenario below, or `all` (all but balancer)")(
        "nodes", po::value(&nodes)->default_value(nodes), "xvipd nodes, 2 or 3 (priorities 150, 100, 50)")(
        "advert-interval", po::value(&advert)->default_value(advert),
        "VRRP advert interval: 10ms steps with v3 (100ms, 1s), whole seconds with v2")(
        "vrrp-version", po::value(&version)->default_value(version), "2 or 3")(
        "unicast", po::bool_switch(&options.unicast), "unicast peers instead of multicast")(
        "fast-failover", po::bool_switch(&options.fast_failover),
        "fast_failover = true (1 ms x 3, multicast only): the nodes get a TOML configuration")(
        "duration", po::value(&duration), "how long the client probes (default: from the interval, >= 2.5s)")(
        "xvipd", po::value(&options.xvipd)->default_value(XVIP_LAB_XVIPD), "the xvipd to run")(
        "xvipctl", po::value(&options.xvipctl)->default_value(XVIP_LAB_XVIPCTL), "the xvipctl to read roles with")(
        "verbose", po::bool_switch(&options.verbose), "every xvipd log line in the timeline")("help", "this text");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return usage_error(e.what());
    }
    if (vm.count("help")) {
        std::printf(
            "usage: xvip-lab [--scenario NAME|all] [options]\n\n"
            "Builds a throwaway lab of network namespaces (xvipd nodes and a client on one bridge),\n"
            "runs a failover scenario while the client pings the VIP every millisecond, prints a\n"
            "timeline and the outage the client saw, and removes everything again. Needs root.\n"
            "`balancer` shows the load-balancer mode: TCP connections from the client through two\n"
            "balancers to three backends (more namespaces), kept across the faults it injects.\n\n"
            "scenarios:\n%s\n",
            scenario_list().c_str());
        std::ostringstream text;
        text << desc;
        std::printf("%s\nExit codes: 0 every scenario completed; 1 something failed (it says what); 2 bad usage.\n",
                    text.str().c_str());
        return exit_ok;
    }
    std::vector<std::string> chosen;
    for (const auto& s : xvip::lab::scenarios()) {
        if ((scenario == "all" && s.in_all) || scenario == s.name) chosen.push_back(s.name);
    }
    if (chosen.empty()) return usage_error("unknown scenario '" + scenario + "'; one of:\n" + scenario_list());
    if (nodes < 2 || nodes > 3) return usage_error("--nodes must be 2 or 3");
    options.nodes = nodes;
    if (version != 2 && version != 3) return usage_error("--vrrp-version must be 2 or 3");
    options.vrrp_version = version;
    const auto interval = xvip::parse_duration(advert);
    if (!interval || *interval < 10ms || *interval > 40950ms || *interval % 10ms != 0ns) {
        return usage_error("--advert-interval: '" + advert + "' is not 10ms..40.95s in 10ms steps (e.g. 100ms, 1s)");
    }
    if (version == 2 && (*interval < 1s || *interval > 255s || *interval % 1s != 0ns)) {
        return usage_error("--advert-interval: VRRP v2 needs whole seconds (1s..255s); use --vrrp-version 3 for " +
                           advert);
    }
    options.advert_interval = duration_cast<milliseconds>(*interval);
    if (options.fast_failover && options.unicast) {
        return usage_error("--fast-failover needs multicast adverts: drop --unicast");
    }
    if (!duration.empty()) {
        const auto d = xvip::parse_duration(duration);
        if (!d || *d < 1s || *d > 10min) return usage_error("--duration: '" + duration + "' is not 1s..10m");
        options.duration = duration_cast<milliseconds>(*d);
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "xvip-lab: run it as root (it creates network namespaces and loads XDP programs)\n");
        return exit_failure;
    }
    for (const auto& [what, path] : {std::pair{"xvipd", options.xvipd}, std::pair{"xvipctl", options.xvipctl}}) {
        if (path.find('/') != std::string::npos && access(path.c_str(), X_OK) != 0) {
            std::fprintf(stderr, "xvip-lab: %s not found at %s (build it, or pass --%s PATH)\n", what, path.c_str(),
                         what);
            return exit_failure;
        }
    }

    std::vector<xvip::lab::ScenarioResult> results;
    for (const auto& name : chosen) {
        results.push_back(xvip::lab::run_scenario(name, options, stdout));
        std::printf("\n");
    }
    bool all_ok = true;
    if (results.size() > 1) std::printf("summary:\n");
    for (const auto& r : results) {
        all_ok = all_ok && r.completed;
        if (results.size() == 1) break;
        if (r.completed && !r.probe) {
            std::printf("  %-11s completed\n", r.name.c_str());
        } else if (r.completed) {
            const auto outage =
                r.probe->lost() == 0 ? std::string("none") : xvip::lab::format_ms(r.probe->longest_gap());
            std::printf("  %-11s outage %12s   %s\n", r.name.c_str(), outage.c_str(), r.probe->summary().c_str());
        } else {
            std::printf("  %-11s FAILED: %s\n", r.name.c_str(), r.failure.c_str());
        }
    }
    return all_ok ? exit_ok : exit_failure;
}
