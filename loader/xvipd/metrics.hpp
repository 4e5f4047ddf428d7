// xvipd's optional Prometheus endpoint (--metrics ADDRESS:PORT), in four parts: the typed snapshot
// of what is exposed (metrics_snapshot.hpp), its exposition text (metrics_exposition.hpp), the
// listening address (metrics_address.hpp) and the HTTP server (metrics_server.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "xvipd/metrics_address.hpp"
#include "xvipd/metrics_exposition.hpp"
#include "xvipd/metrics_server.hpp"
#include "xvipd/metrics_snapshot.hpp"

namespace xvip {

// The data-plane verdict counters of one interface, summed over CPUs.
struct InterfaceCounters {
    std::string interface;
    xvip_counters counters{};
};

// The snapshot read back from Daemon::status()'s JSON: the one place that still knows the status's
// keys, until the daemon's instances hand out their metrics typed (then this goes).
MetricsSnapshot metrics_snapshot_of_status(const nlohmann::json& status,
                                           const std::vector<InterfaceCounters>& dataplanes);

// render_metrics(metrics_snapshot_of_status(status, dataplanes)).
std::string render_metrics(const nlohmann::json& status, const std::vector<InterfaceCounters>& dataplanes);

}  // namespace xvip
