#pragma once

// The machine's load, for the reports of runs whose timing other work on the CPUs disturbs (the
// soak, the benchmarks): other builds and guests make daemons late, and a reader must know.

#include <string>

namespace xvip::topo {

// /proc/loadavg's 1, 5 and 15 minute averages, "1.03 / 1.12 / 1.08" ("?" if unreadable).
std::string load_average();

}  // namespace xvip::topo
