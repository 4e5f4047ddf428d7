// ns per frame with BPF_PROG_TEST_RUN: the trivial XDP_PASS program against xvip, on the same
// frames, in the same run.
//
// Paths that leave the frame unchanged (pass, drop) are timed with a large repeat: the kernel runs
// the program `repeat` times on one buffer and reports the mean per run. Reply paths rewrite the
// frame (with repeat > 1 the program would run on its own reply), so they are timed with single
// runs (repeat = 1, each on a fresh copy of the request): the kernel's `duration` of each, and, as
// a cross-check, the wall time of each whole syscall, the two programs' calls interleaved. Both
// include the harness's fixed cost per call, which the trivial program's single runs measure the
// same way. Probes (bench/dataplane/cost_probes.bpf.c) time single operations xvip's paths use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/dataplane/progress.hpp"
#include "bench/dataplane/samples.hpp"

namespace xvip::bench {

struct TestRunSettings {
    std::uint32_t repeat = 1'000'000;  // per call, on unchanged-frame paths
    int repeat_rounds = 9;
    int single_runs = 10'000;  // per round and program
    int single_rounds = 5;
};

struct ProgramCost {
    Summary repeat_ns;  // repeat-timed paths: the kernel's mean per run, one sample per round
    Summary single_ns;  // every path: the kernel's duration of each repeat = 1 run
    Summary call_ns;    // every path: wall time of each repeat = 1 syscall (copies included)
};

struct PathCost {
    std::string name;
    std::string verdict;  // what xvip returns on it ("XDP_PASS", "XDP_DROP", "XDP_TX")
    // Timed with repeat: the program leaves the frame unchanged, or changes it the same way every
    // run (a forwarded frame's MACs), so that every run after the first takes the first's path.
    bool repeat_timed = true;
    std::size_t frame_bytes = 0;
    ProgramCost trivial;
    ProgramCost xvip;

    // The headline pair: repeat medians where repeat-timed, single-run medians otherwise.
    const Summary& trivial_headline() const { return repeat_timed ? trivial.repeat_ns : trivial.single_ns; }
    const Summary& xvip_headline() const { return repeat_timed ? xvip.repeat_ns : xvip.single_ns; }
    double added_ns() const { return xvip_headline().median - trivial_headline().median; }
};

// The trivial program plus one operation, timed with repeat like the unchanged paths, and with
// single runs like the reply paths (where it runs as cold as in a reply).
struct OperationCost {
    std::string name;  // "bpf_ktime_get_ns()"
    Summary ns;
    double added_ns = 0;  // median over the trivial program's median
    Summary single_ns;
    double single_added_ns = 0;  // single runs: median over the trivial program's median
};

struct FrameCosts {
    std::vector<PathCost> paths;
    Summary trivial_repeat_ns;  // the trivial program's own repeat rounds beside the probes
    Summary trivial_single_ns;  // and its single runs, alternating with the probes' own
    std::vector<OperationCost> operations;
    std::string settings;  // the counts used, for the report
};

// Loads both programs (needs root), checks every path's verdict once, then times them.
FrameCosts measure_frame_costs(const TestRunSettings& settings, const Progress& progress);

}  // namespace xvip::bench
