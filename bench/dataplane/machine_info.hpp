// What the figures were measured on: they mean little without it.
#pragma once

#include <string>

namespace xvip::bench {

struct MachineInfo {
    std::string cpu_model;  // /proc/cpuinfo "model name"
    unsigned cores = 0;     // online CPUs
    bool virtual_machine = false;
    std::string kernel;       // uname -r
    std::string os;           // /etc/os-release PRETTY_NAME
    std::string clocksource;  // what bpf_ktime_get_ns and clock_gettime read
    std::string bpf_jit;      // net.core.bpf_jit_enable
    std::string bpf_stats;    // kernel.bpf_stats_enabled (adds a clock read per run when 1)
    std::string libbpf;       // the library's version
    std::string date_utc;     // when the run started, ISO 8601
    std::string commit;       // the source tree's HEAD, "+dirty" when it has changes
    std::string load_before;  // /proc/loadavg's 1, 5, 15 min averages: other work on the machine
    int nice = 0;             // the benchmark's own (run under `nice -n -10` to go before that work)
};

MachineInfo read_machine_info();

}  // namespace xvip::bench
