// The Prometheus exposition text (format 0.0.4) of a metrics snapshot: pure, so that it is tested
// without a daemon, a socket or root.
#pragma once

#include <string>

#include "xvipd/metrics_snapshot.hpp"

namespace xvip {

std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace xvip
