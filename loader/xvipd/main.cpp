// xvipd: start-up and exit codes. 0: stopped cleanly; 1: could not start or failed; 2: bad command
// line or configuration (nothing was touched).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "dataplane/kernel_diagnostics.hpp"
#include "xvipd/daemon.hpp"
#include "xvipd/effective_config.hpp"
#include "xvipd/options.hpp"
#include "xvipd/privileges.hpp"

namespace {

spdlog::level::level_enum spdlog_level(std::string_view level) {
    if (level == "error") return spdlog::level::err;
    if (level == "warning") return spdlog::level::warn;
    if (level == "debug") return spdlog::level::debug;
    return spdlog::level::info;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace xvip;
    const auto parsed = parse_command_line({argv + 1, argv + argc});
    if (!parsed.options) {
        std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
        return parsed.exit_code;
    }
    const DaemonOptions& options = *parsed.options;
    // One line per event on stderr (the journal's), never stdout, which --check and --help own.
    spdlog::set_default_logger(spdlog::stderr_color_mt("xvipd"));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    // libbpf's own warnings join the log rather than stderr's raw lines; what it says while a load
    // or attach is refused goes into that error instead (LibbpfMessages).
    route_libbpf_messages([](LibbpfLevel level, std::string_view message) {
        const auto at = level == LibbpfLevel::warning ? spdlog::level::warn
                        : level == LibbpfLevel::info  ? spdlog::level::info
                                                      : spdlog::level::trace;
        spdlog::log(at, "{}", message);
    });

    ReadResult read = read_configuration(options);
    for (const auto& d : read.diagnostics) std::fprintf(stderr, "%s\n", to_string(d).c_str());
    if (!read.ok()) {
        std::fprintf(stderr, "xvipd: %s has errors; nothing was started\n", options.config_path.c_str());
        return 2;
    }
    if (options.check_only) {
        std::cout << effective_config(read.config).dump(2) << "\n";
        return 0;
    }
    spdlog::set_level(spdlog_level(options.log_level ? *options.log_level : to_string(read.config.global.log_level)));

    Daemon daemon(options, std::move(read.config));
    try {
        daemon.start();
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        spdlog::error("xvipd did not start; nothing was left attached, configured or pinned");
        return 1;
    }
    try {
        const bool change_user = daemon.scripts_change_user();
        spdlog::info("capabilities now {} (everything else dropped)", drop_unneeded_capabilities(change_user));
        if (!change_user) daemon.cannot_change_user();
    } catch (const std::exception& e) {
        spdlog::warn("could not drop capabilities: {}", e.what());
    }
    return daemon.run();
}
