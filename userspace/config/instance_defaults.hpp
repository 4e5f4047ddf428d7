// Settings written once for all instances (keepalived's global_defs vrrp_* keywords, the TOML
// [defaults] table) and overridden per instance. Readers collect both while reading, in any order,
// and resolve them once everything is read.
#pragma once

#include <optional>

#include "config/config.hpp"

namespace xvip {

struct GarpOverrides {
    std::optional<int> repeat;
    std::optional<Milliseconds> second_burst_delay;
    std::optional<Milliseconds> refresh_period;
    std::optional<int> refresh_repeat;
    std::optional<Milliseconds> interval;
    std::optional<Milliseconds> na_interval;

    GarpSettings over(GarpSettings base) const;
};

struct InstanceSettingsOverrides {
    std::optional<VrrpVersion> version;
    std::optional<V3Ipv4Checksum> v3_ipv4_checksum;
    GarpOverrides garp;
};

// Resolves, for every instance, override > default > the model's built-in value, and fills an
// empty interface from global.default_interface. `per_instance[i]` belongs to config.instances[i].
void resolve_instance_defaults(Config& config, const InstanceSettingsOverrides& defaults,
                               const std::vector<InstanceSettingsOverrides>& per_instance);

}  // namespace xvip
