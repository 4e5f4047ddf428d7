#include "topology/load_average.hpp"

#include <fstream>

namespace xvip::topo {

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    if (!(in >> one >> five >> fifteen)) return "?";
    return one + " / " + five + " / " + fifteen;
}

}  // namespace xvip::topo
