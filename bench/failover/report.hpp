// failover.md, failover-runs.csv and the outage plots from the benchmark's records.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/failover/run.hpp"

namespace xvip::bench_failover {

struct Record {
    RunSpec spec;
    int rep = 0;
    RunResult result;
};

struct ReportInput {
    std::vector<Record> records;
    std::optional<SteadyResult> steady;
    std::chrono::milliseconds steady_advert{10};
    std::string xvipd_version;
    std::string settings;  // what was run ("full", "smoke", ...)
    double total_seconds = 0;
    std::string load_before, load_after;  // /proc/loadavg
};

// Writes failover.md, failover-runs.csv and outage-*.png into `dir`; returns warnings (a plot
// that could not be drawn) for the caller to print.
std::vector<std::string> write_report(const std::filesystem::path& dir, const ReportInput& input);

// failover-fast.md (--fast-only): per scenario and variant (xvipd with fast failover, keepalived at
// 1 s and at 10 ms adverts), the client's longest gap and losses, and for a crash who answered ARP.
std::string fast_markdown(const std::vector<Record>& records);

}  // namespace xvip::bench_failover
