// xvip-bench-failover: xvipd against keepalived in the same lab, the same machine, the same run.
// See report.cpp for what is measured and how, and the README's "Failover benchmark against
// keepalived" section.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/failover/gateway.hpp"
#include "bench/failover/report.hpp"
#include "bench/failover/run.hpp"
#include "topology/load_average.hpp"

namespace po = boost::program_options;
namespace bf = xvip::bench_failover;
using namespace std::chrono;

#ifndef XVIP_BENCH_XVIPD
#define XVIP_BENCH_XVIPD "xvipd"
#endif

namespace {

struct Planned {
    bf::RunSpec spec;
    int rep = 0;
};

// Each (scenario, interval, mode) group: its repetitions, xvipd and keepalived alternating.
void add(std::vector<Planned>& plan, const std::string& scenario, milliseconds advert, bool unicast, int reps) {
    for (int rep = 1; rep <= reps; ++rep) {
        for (const auto d : {bf::Daemon::xvipd, bf::Daemon::keepalived}) {
            plan.push_back({{d, scenario, advert, unicast}, rep});
        }
    }
}

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string read_first_line(const std::string& command) {
    std::string text;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buf[256];
        if (std::fgets(buf, sizeof buf, pipe)) text = buf;
        pclose(pipe);
    }
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

// The gateway scenario, `n` repetitions, xvipd and keepalived alternating; clears `all_ok` on a failure.
std::vector<bf::GatewayResult> run_gateway_reps(int n, const bf::Programs& programs, bool& all_ok) {
    std::vector<bf::GatewayResult> results;
    for (int rep = 1; rep <= n; ++rep) {
        for (const auto d : {bf::Daemon::xvipd, bf::Daemon::keepalived}) {
            results.push_back(bf::run_gateway(d, programs, rep));
            const auto& r = results.back();
            all_ok = all_ok && r.ok;
            std::printf("gateway #%d %s: %s (%.1f s)\n", rep, bf::to_string(d), r.ok ? "measured" : r.failure.c_str(),
                        r.elapsed_s);
            std::fflush(stdout);
        }
    }
    return results;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out = "bench/results";
    bool smoke = false;
    bool gateway_only = false;
    bool fast_only = false;
    int reps = 0;
    int steady = 60;
    bf::Programs programs{XVIP_BENCH_XVIPD, "/usr/sbin/keepalived"};
    po::options_description desc("options");
    desc.add_options()("out", po::value(&out)->default_value(out),
                       "where failover.md, failover-runs.csv and the plots go")(
        "smoke", po::bool_switch(&smoke), "one failover and one switchover per daemon at 100 ms, no steady minute")(
        "gateway-only", po::bool_switch(&gateway_only),
        "only the gateway scenario (crash, preemption, planned stop), into failover-gateway.md; with --smoke "
        "1 repetition, else --reps (default 3)")(
        "fast-only", po::bool_switch(&fast_only),
        "only fast failover (issue 15): host death (failover) and a killed daemon (crash), xvipd with "
        "fast_failover at 1 s adverts against keepalived at 1 s and at 10 ms, into failover-fast.md; --reps "
        "(default 5)")("reps", po::value(&reps),
                       "repetitions of every scenario (default: 3 at 1 s, 5 at 100 ms and 10 ms)")(
        "steady", po::value(&steady)->default_value(steady), "seconds of the steady CPU/memory window (0: skip)")(
        "xvipd", po::value(&programs.xvipd)->default_value(programs.xvipd), "the xvipd to run")(
        "keepalived", po::value(&programs.keepalived)->default_value(programs.keepalived), "the keepalived to run")(
        "help", "this text");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::fprintf(stderr, "xvip-bench-failover: %s; see --help\n", e.what());
        return 2;
    }
    if (vm.count("help")) {
        std::ostringstream text;
        text << desc;
        std::printf(
            "usage: xvip-bench-failover [--out DIR] [--smoke] [options]\n\n"
            "Runs xvipd and keepalived alternately in throwaway network-namespace labs and reports the\n"
            "client-observed outage of failover, switchover, preemption, crash and restart, the time\n"
            "from decision to first GARP, CPU/memory at 10 ms adverts, and the VIP as a default gateway\n"
            "(outage, frames forwarded by the standby, TCP survival; left out of --smoke). Needs root.\n"
            "About 13 minutes.\n\n%s\n"
            "Exit codes: 0 report written, every planned run measured (a run may be retried once);\n"
            "1 a run failed twice or the report could not be written; 2 bad usage.\n",
            text.str().c_str());
        return 0;
    }
    if (reps < 0 || reps > 100 || steady < 0 || steady > 3600) {
        std::fprintf(stderr, "xvip-bench-failover: --reps 1..100, --steady 0..3600\n");
        return 2;
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "xvip-bench-failover: run it as root (network namespaces, XDP)\n");
        return 1;
    }
    for (const auto& path : {programs.xvipd, programs.keepalived}) {
        if (access(path.c_str(), X_OK) != 0) {
            std::fprintf(stderr,
                         "xvip-bench-failover: %s is not there (build xvipd; tools/install-deps installs keepalived)\n",
                         path.c_str());
            return 1;
        }
    }

    if (gateway_only) {
        const int n = smoke ? 1 : (reps > 0 ? reps : 3);
        bool ok = true;
        const auto load_before = xvip::topo::load_average();
        const auto results = run_gateway_reps(n, programs, ok);
        std::filesystem::create_directories(out);
        std::ofstream(std::filesystem::path(out) / "failover-gateway.md")
            << bf::gateway_markdown(results) << "\nLoad average before: " << load_before
            << "; after: " << xvip::topo::load_average() << ".\n";
        std::printf("report: %s\n", (std::filesystem::path(out) / "failover-gateway.md").c_str());
        return ok ? 0 : 1;
    }

    if (fast_only) {
        const int n = reps > 0 ? reps : 5;
        std::vector<bf::RunSpec> variants{
            {.daemon = bf::Daemon::xvipd, .advert = 1000ms, .fast_failover = true},
            {.daemon = bf::Daemon::keepalived, .advert = 1000ms},
            {.daemon = bf::Daemon::keepalived, .advert = 10ms},
        };
        std::vector<bf::Record> records;
        const auto load_before = xvip::topo::load_average();
        bool ok = true;
        for (const auto* scenario : {"failover", "crash"}) {
            for (int rep = 1; rep <= n; ++rep) {
                for (auto spec : variants) {
                    spec.scenario = scenario;
                    auto result = bf::run_once(spec, programs);
                    if (!result.ok) {
                        std::printf("  run failed, retrying once: %s\n", result.failure.c_str());
                        result = bf::run_once(spec, programs);
                    }
                    std::string said = "FAILED: " + result.failure;
                    if (result.ok) {
                        said = "longest gap " + std::to_string(result.gap_ms) + " ms";
                        if (result.takeover_gap_ms)
                            said += ", outage " + std::to_string(*result.takeover_gap_ms) + " ms";
                        if (spec.fast_failover && !result.cause.starts_with("fast failover:")) {
                            said += "; taken over by VRRP: " + result.cause;
                        }
                    }
                    std::printf("  %s %s%s %lld ms rep %d: %s\n", scenario, bf::to_string(spec.daemon),
                                spec.fast_failover ? " (fast failover)" : "",
                                static_cast<long long>(spec.advert.count()), rep, said.c_str());
                    std::fflush(stdout);
                    ok = ok && result.ok;
                    records.push_back({spec, rep, result});
                }
            }
        }
        std::filesystem::create_directories(out);
        const auto path = std::filesystem::path(out) / "failover-fast.md";
        std::ofstream(path) << bf::fast_markdown(records) << "\nLoad average before: " << load_before
                            << "; after: " << xvip::topo::load_average() << ".\n";
        std::printf("report: %s\n", path.c_str());
        return ok ? 0 : 1;
    }

    std::vector<Planned> plan;
    const auto r = [&](int fallback) { return reps > 0 ? reps : fallback; };
    std::string settings;
    if (smoke) {
        add(plan, "failover", 100ms, false, 1);
        add(plan, "switchover", 100ms, false, 1);
        steady = 0;
        settings = "--smoke: failover and switchover, 100 ms, multicast, 1 repetition";
    } else {
        // 1 s (keepalived's default): multicast only, each run takes ~10 s.
        for (const auto* sc : {"failover", "switchover", "preemption"}) add(plan, sc, 1000ms, false, r(3));
        for (const auto advert : {100ms, 10ms}) {
            for (const bool unicast : {false, true}) {
                for (const auto* sc : {"failover", "switchover", "preemption"}) add(plan, sc, advert, unicast, r(5));
            }
        }
        add(plan, "crash", 100ms, false, r(5));
        add(plan, "crash", 10ms, false, r(5));
        add(plan, "restart", 1000ms, false, r(3));
        add(plan, "restart", 100ms, false, r(5));
        settings = "failover/switchover/preemption at 1 s (multicast, " + std::to_string(r(3)) +
                   " reps) and at 100 ms and 10 ms (multicast and unicast, " + std::to_string(r(5)) +
                   " reps); crash at 100 ms and 10 ms (multicast, " + std::to_string(r(5)) +
                   " reps); restart at 1 s (" + std::to_string(r(3)) + " reps) and 100 ms (" + std::to_string(r(5)) +
                   " reps); steady " + std::to_string(steady) + " s at 10 ms";
    }

    const int gateway_reps = smoke ? 0 : r(3);  // the smoke run leaves the gateway scenario out
    // The steady window, the gateway runs and the report.
    const double tail = (steady > 0 ? steady + 10.0 : 0.0) + gateway_reps * 2 * bf::gateway_estimated_seconds();
    double estimate = tail;
    for (const auto& p : plan) estimate += bf::estimated_seconds(p.spec);
    std::printf("xvip-bench-failover: %zu runs + %d s steady window, estimated %s; results to %s\n", plan.size(),
                steady, clock_text(estimate).c_str(), out.c_str());
    std::fflush(stdout);

    bf::ReportInput input;
    input.settings = settings;
    input.load_before = xvip::topo::load_average();
    input.xvipd_version = read_first_line(programs.xvipd + " --version 2>/dev/null");
    const auto begun = steady_clock::now();
    const auto elapsed = [&] { return duration<double>(steady_clock::now() - begun).count(); };
    double estimated_done = 0;
    bool all_ok = true;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& p = plan[i];
        auto result = bf::run_once(p.spec, programs);
        if (!result.ok) {
            std::printf("  run failed, retrying once: %s\n", result.failure.c_str());
            input.records.push_back({p.spec, p.rep, result});
            result = bf::run_once(p.spec, programs);
            if (!result.ok) {
                all_ok = false;
                std::printf("  failed again: %s\n", result.failure.c_str());
            }
        }
        input.records.push_back({p.spec, p.rep, result});
        estimated_done += bf::estimated_seconds(p.spec);
        const double scale = elapsed() / estimated_done;
        const double eta = (estimate - estimated_done - tail) * scale + tail;
        std::string figures =
            result.ok ? "gap " + std::to_string(result.gap_ms).substr(0, 7) + " ms, lost " + std::to_string(result.lost)
                      : "FAILED";
        if (result.decision_to_garp_us)
            figures += ", decision->GARP " + std::to_string(static_cast<long>(*result.decision_to_garp_us)) + " us";
        if (result.both_answer_ms)
            figures += ", two answer ARP " + std::to_string(static_cast<long>(*result.both_answer_ms)) + " ms";
        if (result.peer_transition) figures += *result.peer_transition ? ", peer took over" : ", peer stayed backup";
        std::printf("[%3zu/%zu %s elapsed, ETA %s] %s %s %s #%d %s: %s (%.1f s)\n", i + 1, plan.size(),
                    clock_text(elapsed()).c_str(), clock_text(eta).c_str(), p.spec.scenario.c_str(),
                    bf::interval_text(p.spec.advert).c_str(), p.spec.unicast ? "unicast" : "multicast", p.rep,
                    bf::to_string(p.spec.daemon), figures.c_str(), result.elapsed_s);
        std::fflush(stdout);
    }
    if (steady > 0) {
        std::printf("steady window: xvipd pair and keepalived pair at 10 ms adverts for %d s ...\n", steady);
        std::fflush(stdout);
        input.steady = bf::measure_steady(programs, 10ms, seconds(steady));
        if (!input.steady->ok) {
            all_ok = false;
            std::printf("  steady window failed: %s\n", input.steady->failure.c_str());
        }
    }
    const auto gateway = run_gateway_reps(gateway_reps, programs, all_ok);
    input.load_after = xvip::topo::load_average();
    input.total_seconds = elapsed();
    try {
        for (const auto& w : bf::write_report(out, input)) std::printf("warning: %s\n", w.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvip-bench-failover: writing the report: %s\n", e.what());
        return 1;
    }
    if (!gateway.empty()) {
        std::ofstream(std::filesystem::path(out) / "failover.md", std::ios::app) << "\n"
                                                                                 << bf::gateway_markdown(gateway);
    }
    std::printf("report: %s (%s total)\n", (std::filesystem::path(out) / "failover.md").c_str(),
                clock_text(elapsed()).c_str());
    return all_ok ? 0 : 1;
}
