// xvipd's command line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dataplane/dataplane.hpp"
#include "xvipd/metrics.hpp"

namespace xvip {

struct DaemonOptions {
    std::filesystem::path config_path;
    ConfigDialect dialect = ConfigDialect::toml;
    bool check_only = false;  // --check: validate, print the effective configuration, exit
    XdpMode xdp_mode = XdpMode::auto_select;
    std::optional<std::filesystem::path> pin_root;  // unset: the configuration's (global.pin_dir)
    std::filesystem::path state_dir = "/run/xvip";  // state files, the control socket
    std::optional<std::string> log_level;           // unset: the configuration's
    bool foreground = true;
    std::optional<MetricsAddress> metrics;  // --metrics: serve Prometheus text there
};

// What parsing decided: run with options, or exit now with a code after printing text
// (--help, --version, or an error that names the option and the fix).
struct ParsedCommandLine {
    std::optional<DaemonOptions> options;
    int exit_code = 0;
    std::string output;  // to stdout when exit_code is 0, else to stderr
};

ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

// Reads and validates the configuration the options name, in the format they name.
ReadResult read_configuration(const DaemonOptions& options);

}  // namespace xvip
