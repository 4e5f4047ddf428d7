// The PNGs: bench/dataplane/plot_dataplane.gp run by gnuplot over the CSVs the report wrote.
#pragma once

#include <filesystem>
#include <string>

namespace xvip::bench {

// Empty when the plots were made; otherwise why not (gnuplot missing, or what it printed).
std::string make_plots(const std::filesystem::path& out_dir);

}  // namespace xvip::bench
