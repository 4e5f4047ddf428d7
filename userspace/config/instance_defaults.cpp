#include "config/instance_defaults.hpp"

namespace xvip {

GarpSettings GarpOverrides::over(GarpSettings base) const {
    base.repeat = repeat.value_or(base.repeat);
    base.second_burst_delay = second_burst_delay.value_or(base.second_burst_delay);
    base.refresh_period = refresh_period.value_or(base.refresh_period);
    base.refresh_repeat = refresh_repeat.value_or(base.refresh_repeat);
    base.interval = interval.value_or(base.interval);
    base.na_interval = na_interval.value_or(base.na_interval);
    return base;
}

void resolve_instance_defaults(Config& config, const InstanceSettingsOverrides& defaults,
                               const std::vector<InstanceSettingsOverrides>& per_instance) {
    const GarpSettings default_garp = defaults.garp.over(GarpSettings{});
    for (std::size_t i = 0; i < config.instances.size(); ++i) {
        Instance& instance = config.instances[i];
        const InstanceSettingsOverrides own = i < per_instance.size() ? per_instance[i] : InstanceSettingsOverrides{};
        instance.version = own.version.value_or(defaults.version.value_or(instance.version));
        instance.v3_ipv4_checksum =
            own.v3_ipv4_checksum.value_or(defaults.v3_ipv4_checksum.value_or(config.global.v3_ipv4_checksum));
        instance.garp = own.garp.over(default_garp);
        if (instance.interface.empty() && !config.global.default_interface.empty()) {
            instance.interface = config.global.default_interface;
            instance.origins.set(Field::interface, config.global.where);
        }
    }
}

}  // namespace xvip
