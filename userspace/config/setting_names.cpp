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
        case Field::lb_flow_table_entries: return "lb_flow_table_entries";
        case Field::vs_address: return k ? "virtual_server ADDRESS PORT" : "address";
        case Field::vs_protocol: return "protocol";
        case Field::vs_forwarding: return "lb_kind";  // keepalived.conf only: TOML is always DR
        case Field::vs_scheduler: return k ? "lb_algo" : "scheduler";
        case Field::vs_persistence_timeout: return "persistence_timeout";
        case Field::vs_persistence_granularity: return "persistence_granularity";
        case Field::vs_sorry_server: return "sorry_server";
        case Field::vs_quorum: return "quorum";
        case Field::vs_hysteresis: return "hysteresis";
        case Field::vs_quorum_up: return "quorum_up";
        case Field::vs_quorum_down: return "quorum_down";
        case Field::rs_address: return k ? "real_server ADDRESS PORT" : "address";
        case Field::rs_weight: return "weight";
        case Field::rs_notify_up: return "notify_up";
        case Field::rs_notify_down: return "notify_down";
        case Field::check_type: return k ? "TCP_CHECK / HTTP_GET / MISC_CHECK" : "check.type";
        case Field::check_interval: return k ? "delay_loop" : "interval";
        case Field::check_connect_timeout: return "connect_timeout";
        case Field::check_retry: return "retry";
        case Field::check_delay_before_retry: return "delay_before_retry";
        case Field::check_rise: return "rise";  // TOML only: keepalived always rises after one success
        case Field::check_connect_ip: return "connect_ip";
        case Field::check_connect_port: return "connect_port";
        case Field::check_bind_to: return k ? "bindto" : "bind_to";
        case Field::check_urls: return k ? "url" : "urls";
        case Field::check_command: return k ? "misc_path" : "command";
        case Field::check_timeout: return k ? "misc_timeout" : "timeout";
        case Field::check_user: return "user";
        case Field::url_path: return "path";
        case Field::url_digest: return "digest";
        case Field::url_status_codes: return k ? "status_code" : "status_codes";
    }
    return "?";
}

}  // namespace xvip
