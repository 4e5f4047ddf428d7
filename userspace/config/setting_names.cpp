// Validation messages name the setting the user wrote: `virtual_router_id` in keepalived.conf,
// `vrid` in xvip.toml.
#include "config/validate.hpp"

namespace xvip {

std::string_view setting_name(Field field, ConfigDialect dialect) {
    const bool k = dialect == ConfigDialect::keepalived;
    switch (field) {
        case Field::name: return k ? "vrrp_instance NAME" : "name";
        case Field::interface: return k ? "interface" : "interface";
        case Field::vrid: return k ? "virtual_router_id" : "vrid";
        case Field::priority: return "priority";
        case Field::version: return k ? "version" : "version";
        case Field::advert_interval: return k ? "advert_int" : "advert_interval";
        case Field::vips: return k ? "virtual_ipaddress" : "vips";
        case Field::preempt: return k ? "nopreempt" : "preempt";
        case Field::preempt_delay: return "preempt_delay";
        case Field::source_address: return k ? "unicast_src_ip" : "source_address";
        case Field::unicast_peers: return k ? "unicast_peer" : "unicast_peers";
        case Field::unicast_ttl: return "unicast_ttl";
        case Field::auth: return k ? "authentication" : "auth_password";
        case Field::checksum: return k ? "v3_checksum_as_v2" : "v3_ipv4_checksum";
        case Field::garp: return k ? "garp_master_*" : "garp";
        case Field::tracked_interfaces: return k ? "track_interface" : "track_interfaces";
        case Field::tracked_scripts: return k ? "track_script" : "track_scripts";
        case Field::notify: return "notify";
        case Field::sync_group_members: return k ? "group" : "instances";
        case Field::script_path: return k ? "script" : "command";
        case Field::script_interval: return "interval";
        case Field::script_timeout: return "timeout";
        case Field::script_rise: return "rise";
        case Field::script_fall: return "fall";
        case Field::script_weight: return "weight";
        case Field::gateway: return "gateway";  // TOML only: keepalived.conf has no such keyword
        case Field::tracked_bfds: return k ? "track_bfd" : "track_bfds";
        case Field::bfd_neighbor: return k ? "neighbor_ip" : "neighbor";
        case Field::bfd_source: return k ? "source_ip" : "source";
        case Field::bfd_min_rx: return "min_rx";
        case Field::bfd_min_tx: return "min_tx";
        case Field::bfd_idle_tx: return "idle_tx";
        case Field::bfd_multiplier: return "multiplier";
        case Field::bfd_outgoing_ttl: return "ttl";
        case Field::bfd_max_hops: return "max_hops";
        case Field::bfd_weight: return "weight";
        // TOML only: keepalived.conf has no such keywords
        case Field::fast_failover: return "fast_failover";
        case Field::fast_failover_interval: return "fast_failover_interval";
        case Field::fast_failover_multiplier: return "fast_failover_multiplier";
    }
    return "?";
}

}  // namespace xvip
