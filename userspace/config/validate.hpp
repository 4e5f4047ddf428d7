// Checks a configuration model against the rules of VRRP and of xvip, whichever format it came
// from. Needs no system access: checks that need the interfaces (is the VIP inside the interface's
// subnet?) belong to the daemon.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace xvip {

// Cloud provider limits (docs/config.md, `cloud`): warnings, errors under the cloud profile.
inline constexpr std::size_t cloud_max_vips_per_host = 8;
// Gateway instances per (interface, address family): the data plane keeps their VRIDs in one
// 64-bit word per family (XVIP_MAX_GATEWAYS in bpf/xvip_abi.h).
inline constexpr std::size_t max_gateway_instances = 8;
inline constexpr std::size_t cloud_max_unicast_peers = 9;  // ten routers per VIP

void validate(const Config& config, DiagnosticSink& sink);
std::vector<Diagnostic> validate(const Config& config);

// The keyword that sets `field` in the configuration's own format, for messages.
std::string_view setting_name(Field field, ConfigDialect dialect);

}  // namespace xvip
