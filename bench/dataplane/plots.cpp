#include "bench/dataplane/plots.hpp"

#include "topology/command.hpp"
#include "topology/errors.hpp"

namespace xvip::bench {

std::string make_plots(const std::filesystem::path& out_dir) {
    try {
        const auto result = topo::run_command(
            {"gnuplot", "-e", "dir='" + out_dir.string() + "'", XVIP_BENCH_PLOT_SCRIPT}, std::chrono::seconds(30));
        if (!result.success()) {
            return "gnuplot failed (" + result.status.describe() + "): " + result.err;
        }
        return {};
    } catch (const std::exception& error) {
        return std::string("gnuplot could not run (tools/install-deps installs gnuplot-nox): ") + error.what();
    }
}

}  // namespace xvip::bench
