#include "bench/dataplane/samples.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace xvip::bench {

namespace {

// Nearest rank on the sorted samples: the value at or below which `fraction` of them lie.
double rank(const std::vector<double>& sorted, double fraction) {
    const auto n = static_cast<double>(sorted.size());
    const auto index = static_cast<std::size_t>(std::ceil(fraction * n));
    return sorted[std::clamp<std::size_t>(index, 1, sorted.size()) - 1];
}

}  // namespace

Summary summarize(std::vector<double> samples) {
    Summary s;
    if (samples.empty()) return s;
    std::sort(samples.begin(), samples.end());
    s.count = samples.size();
    s.min = samples.front();
    s.max = samples.back();
    const std::size_t mid = samples.size() / 2;
    s.median = samples.size() % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
    s.p99 = rank(samples, 0.99);
    s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.count);
    const auto to_p99 = std::upper_bound(samples.begin(), samples.end(), s.p99);
    s.mean_to_p99 = std::accumulate(samples.begin(), to_p99, 0.0) / static_cast<double>(to_p99 - samples.begin());
    return s;
}

double ratio(double a, double b) {
    return b == 0 ? 0 : a / b;
}

}  // namespace xvip::bench
