// xvipd's optional Prometheus endpoint (--metrics ADDRESS:PORT), in four parts: the typed snapshot
// of what is exposed (metrics_snapshot.hpp, filled by Daemon::metrics_snapshot() from
// VrrpInstance::metrics() and ServedInterface::metrics()), its exposition text
// (metrics_exposition.hpp), the listening address (metrics_address.hpp) and the HTTP server
// (metrics_server.hpp).
#pragma once

#include "xvipd/metrics_address.hpp"
#include "xvipd/metrics_exposition.hpp"
#include "xvipd/metrics_server.hpp"
#include "xvipd/metrics_snapshot.hpp"
