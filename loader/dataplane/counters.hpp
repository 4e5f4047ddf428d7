// Names of the data-plane verdict counters, in the order of struct xvip_counters.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "xvip_abi.h"

namespace xvip {

struct CounterField {
    std::string_view name;
    __u64 xvip_counters::*member;
};

std::span<const CounterField> counter_fields();

// Totals of a per-CPU counters map value.
xvip_counters sum_counters(std::span<const xvip_counters> per_cpu);

}  // namespace xvip
