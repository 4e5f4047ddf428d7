// The cost of flipping or renewing a role: Dataplane::write_state (one atomic 64-bit store into
// the mmapped state array) against bpf_map_update_elem on the same array through the syscall.
#pragma once

#include "bench/dataplane/progress.hpp"
#include "bench/dataplane/samples.hpp"
#include "dataplane/dataplane.hpp"

namespace xvip::bench {

struct StateWriteSettings {
    int writes = 1'000'000;        // each timed on its own
    int loop_writes = 10'000'000;  // timed as one loop
    int syscall_writes = 200'000;
};

struct StateWriteResults {
    StateWriteSettings settings;
    Summary clock_ns;                // two back-to-back clock reads: the floor of every sample below
    Summary write_state_ns;          // Dataplane::write_state, clock reads included
    double write_state_loop_ns = 0;  // a loop of write_state calls / writes
    Summary map_update_ns;           // bpf_map_update_elem on the pinned array, clock reads included
};

// `dataplane` must be attached; the instance written is `instance`, kept active with a live lease.
StateWriteResults measure_state_writes(Dataplane& dataplane, InstanceKey instance, const StateWriteSettings& settings,
                                       const Progress& progress);

}  // namespace xvip::bench
