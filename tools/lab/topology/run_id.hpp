#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

// Runs are named xvt<pid>-<sequence>: unique among live processes, and telling whether the run
// that made a namespace or directory is dead. Namespaces are <run id>-<role>.
namespace xvip::topo {

inline const std::filesystem::path kRunRoot{"/run/xvip-test"};

// A fresh id for a topology of this process.
std::string make_run_id();

// The pid that made a run id or a namespace name following the scheme, else nullopt.
std::optional<pid_t> run_owner(const std::string& name);

// Deletes the namespaces, bpffs mounts and run directories left by runs whose process is gone
// (killed with SIGKILL, or crashed). Runs of live processes are never touched.
void remove_stale_runs();

}  // namespace xvip::topo
