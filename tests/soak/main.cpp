// xvip-soak: the chaos soak (see soak.hpp and docs/guarantees.md). Needs root, like the lab.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>

#include "common/duration.hpp"
#include "soak/soak.hpp"

namespace po = boost::program_options;
using namespace std::chrono;

#ifndef XVIP_SOAK_XVIPD
#define XVIP_SOAK_XVIPD "xvipd"
#endif
#ifndef XVIP_SOAK_XVIPCTL
#define XVIP_SOAK_XVIPCTL "xvipctl"
#endif

namespace {

int usage_error(const std::string& message) {
    std::fprintf(stderr, "xvip-soak: %s; see `xvip-soak --help`\n", message.c_str());
    return xvip::soak::kSoakError;
}

std::optional<milliseconds> parse_ms(const std::string& text) {
    const auto d = xvip::parse_duration(text);
    if (!d) return std::nullopt;
    return duration_cast<milliseconds>(*d);
}

}  // namespace

int main(int argc, char** argv) {
    xvip::soak::SoakOptions o;
    std::string duration = "3m", advert = "100ms", quiet = "1500ms", faults, family = "ipv4";
    po::options_description desc("options");
    desc.add_options()("duration", po::value(&duration)->default_value(duration),
                       "how long to inject faults (the probes run ~10 s longer)")(
        "seed", po::value(&o.seed), "the random seed of a run to replay (default: a fresh one, printed)")(
        "faults", po::value(&faults),
        "a comma-separated subset of: kill, stall, link-down, loss, partition, restart, planned-stop (the chaos "
        "soak's, its default); restart-storm, reload-storm, bad-reload, nft-drop, metrics-flood, iface-recreate, "
        "mac-change, addr-flush (what operators and hosts do; any of them runs the nodes with two track scripts "
        "and --metrics)")("operations",
                          "the operations soak: --faults restart-storm,reload-storm,bad-reload,nft-drop,link-down,"
                          "metrics-flood,iface-recreate,mac-change,addr-flush")(
        "advert-interval", po::value(&advert)->default_value(advert), "VRRP advert interval (10ms steps)")(
        "quiet", po::value(&quiet)->default_value(quiet), "each fault-free window")(
        "fast-failover", po::bool_switch(&o.fast_failover),
        "fast_failover = true in every instance (1 ms x 3); silence is bounded by its detection time (+ two "
        "intervals) where the designated successor takes over")(
        "nice", po::value(&o.nice)->default_value(o.nice),
        "the niceness of the daemons it starts, -20 to 19 (the packaged unit runs xvipd at -10); the soak itself "
        "runs at the niceness it was started with")(
        "rss-slack", po::value(&o.rss_slack_kib)->default_value(o.rss_slack_kib),
        "KiB of resident memory a daemon may gain (1024 when a fault of the operations soak runs)")(
        "family", po::value(&family)->default_value(family),
        "ipv4 (one IPv4 instance), ipv6 (one IPv6 instance, a link-local VIP first, probed by neighbour "
        "solicitations and ICMPv6 echo) or dual (both, the same VRID)")(
        "report", po::value<std::string>(), "also write the findings as a markdown report to this file")(
        "xvipd", po::value(&o.xvipd)->default_value(XVIP_SOAK_XVIPD), "the xvipd to run")(
        "xvipctl", po::value(&o.xvipctl)->default_value(XVIP_SOAK_XVIPCTL), "the xvipctl to ask")(
        "help,h", "print this help and exit");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return usage_error(e.what());
    }
    if (vm.count("help")) {
        std::ostringstream text;
        text << desc;
        std::printf(
            "usage: xvip-soak [options]\n\nThe chaos soak (or, with --operations, the operations soak): three xvipd "
            "nodes and a client in network namespaces "
            "of its own, random faults one at a time, and a client that asks for the VIP's MAC and pings the "
            "VIP every millisecond. Exits 0 when every bound held, 1 when one broke (each is printed), 2 when "
            "the soak could not run. Needs root.\n\n%s",
            text.str().c_str());
        return 0;
    }
    const auto d = parse_ms(duration), a = parse_ms(advert), q = parse_ms(quiet);
    if (!d || *d < 1s)
        return usage_error("--duration takes a duration of at least 1s, such as 3m (got '" + duration + "')");
    if (!a || *a < 10ms || *a > 40950ms || a->count() % 10 != 0) {
        return usage_error("--advert-interval takes 10ms steps from 10ms to 40.95s (got '" + advert + "')");
    }
    if (!q || *q < 100ms) return usage_error("--quiet takes a duration of at least 100ms (got '" + quiet + "')");
    if (family == "ipv4") {
        o.family = xvip::soak::SoakFamily::ipv4;
    } else if (family == "ipv6") {
        o.family = xvip::soak::SoakFamily::ipv6;
    } else if (family == "dual") {
        o.family = xvip::soak::SoakFamily::dual;
    } else {
        return usage_error("--family takes ipv4, ipv6 or dual (got '" + family + "')");
    }
    o.duration = duration_cast<seconds>(*d);
    o.advert = *a;
    o.quiet = *q;
    if (vm.count("faults")) {
        std::stringstream list(faults);
        std::string item;
        while (std::getline(list, item, ',')) {
            const auto kind = xvip::soak::parse_fault_kind(item);
            if (!kind) return usage_error("unknown fault '" + item + "' in --faults");
            o.faults.push_back(*kind);
        }
        if (o.faults.empty()) return usage_error("--faults names no fault");
    }
    if (vm.count("operations")) {
        if (vm.count("faults")) return usage_error("--operations chooses the faults: give it or --faults, not both");
        o.faults.assign(xvip::soak::kOperationsFaultKinds.begin(), xvip::soak::kOperationsFaultKinds.end());
    }
    // What operators do makes a daemon allocate once what it then reuses: its first reload about
    // 300 KiB (the next ones next to nothing: 96 KiB over 23 reloads), its first refused reload and
    // its first metrics flood more; a daemon that met all of them grew by 564 KiB in one run, while
    // daemons that met each kind seven times grew by 320 KiB like those that met it once. So the
    // operations soak allows 1 MiB of such one-time growth unless told otherwise; a leak per fault
    // shows in the 10-minute run, with hundreds of faults.
    const bool operations = std::any_of(o.faults.begin(), o.faults.end(), xvip::soak::operational);
    if (operations && vm["rss-slack"].defaulted()) o.rss_slack_kib = 1024;
    if (o.rss_slack_kib < 0) return usage_error("--rss-slack takes a number of KiB, 0 or more");
    if (vm.count("report")) o.report = vm["report"].as<std::string>();
    if (!vm.count("seed")) o.seed = std::random_device{}();
    if (geteuid() != 0) return usage_error("needs root (network namespaces, BPF)");
    if (o.nice < -20 || o.nice > 19) return usage_error("--nice takes -20 to 19");
    return xvip::soak::run_soak(o, stdout);
}
