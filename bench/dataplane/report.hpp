// The benchmark's output: dataplane.md (figures, methods, the targets and whether each was
// met) and the CSVs that plot_dataplane.gp turns into PNGs. Figures are reported, never asserted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/dataplane/arp_rate_bench.hpp"
#include "bench/dataplane/machine_info.hpp"
#include "bench/dataplane/state_write_bench.hpp"
#include "bench/dataplane/tcp_bench.hpp"
#include "bench/dataplane/test_run_bench.hpp"

namespace xvip::bench {

struct BenchResults {
    MachineInfo machine;
    FrameCosts frames;
    ArpRates arp;
    TcpResults tcp;
    TcpResults tcp_gateway;  // the same, through node0 as the VIP's gateway (issue 16)
    StateWriteResults state;
    double run_seconds = 0;
    std::string load_after;  // load average when the measurements ended
};

struct Target {
    std::string goal;      // "pass-through at most +30 ns over the trivial program"
    std::string measured;  // "+4.0 ns (27 vs 23 ns, medians)"
    double ratio = 0;      // xvip / baseline
    bool met = false;
};

std::vector<Target> evaluate_targets(const BenchResults& results);

// ns_per_frame.csv, arp_rate.csv, tcp.csv: one row per bar, for the plot script.
void write_plot_data(const BenchResults& results, const std::filesystem::path& out_dir);

// dataplane.md; `plot_note` says why the PNGs are missing, empty when they were made.
void write_report(const BenchResults& results, const std::filesystem::path& out_dir, const std::string& plot_note);

}  // namespace xvip::bench
