// Order statistics of a set of measurements: what every figure in the report is made of.
#pragma once

#include <cstddef>
#include <vector>

namespace xvip::bench {

struct Summary {
    std::size_t count = 0;
    double min = 0;
    double median = 0;
    double p99 = 0;
    double max = 0;
    double mean = 0;
    // The mean of the samples up to the p99: finer than the median where samples come in steps
    // (single runs' durations do), without the rare interrupted sample that dominates the mean.
    double mean_to_p99 = 0;
};

// Sorts a copy; an empty set gives all zeros.
Summary summarize(std::vector<double> samples);

// a / b, or 0 when b is 0 (a baseline that measured nothing makes no ratio).
double ratio(double a, double b);

}  // namespace xvip::bench
