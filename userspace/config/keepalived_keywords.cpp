// The table itself. Keyword lists follow keepalived 2.3's parsers (global_parser.c, vrrp_parser.c,
// check_*.c, bfd_parser.c, track_file.c); the decisions are xvip's.
#include "config/keepalived_keywords.hpp"

#include <algorithm>
#include <array>

namespace xvip {
namespace {

using enum KeywordSection;
using enum KeywordSupport;

constexpr KeywordRule value(KeywordSection section, std::string_view keyword, KeywordSupport support,
                            std::string_view note) {
    return {section, keyword, KeywordShape::value, support, note};
}
constexpr KeywordRule list(KeywordSection section, std::string_view keyword, KeywordSupport support,
                           std::string_view note) {
    return {section, keyword, KeywordShape::list, support, note};
}
constexpr KeywordRule block(KeywordSection section, std::string_view keyword, KeywordSupport support,
                            KeywordSection opens, std::string_view note) {
    return {section, keyword, KeywordShape::block, support, note, opens};
}

// Reasons shared by many rows.
constexpr std::string_view no_email = "xvip sends no e-mail; use a notify script";
constexpr std::string_view not_ipvs =
    "xvip forwards in XDP and does not use IPVS: it leaves the kernel's IPVS tables alone";
constexpr std::string_view only_dr =
    "DR only: `NAT` and `TUN` are errors (xvip forwards by rewriting the destination MAC: direct "
    "routing)";
constexpr std::string_view timing_note = "fractional seconds accepted; xvip's default differs (docs/config.md)";
constexpr std::string_view refused_checker =
    "xvip checks real servers with TCP_CHECK, HTTP_GET or MISC_CHECK only: rewrite the check as one "
    "of them (MISC_CHECK runs any program); a dropped checker would leave a dead server its traffic";
constexpr std::string_view inside_refused_checker = "inside a refused checker: the checker block is the error";
constexpr std::string_view tls_only = "TLS only (SSL_GET, which xvip refuses); no effect on HTTP_GET";
constexpr std::string_view regex_refused =
    "xvip's HTTP check compares the status code and the digest only; a regex that decides health "
    "cannot be dropped: check the body with a MISC_CHECK script instead";
constexpr std::string_view no_alpha =
    "xvip's rule is keepalived's without alpha: a real server counts as up until its check fails";
constexpr std::string_view no_warmup =
    "it only staggers the first checks (keepalived spreads them over delay_loop); xvip's checks will "
    "start at once, which changes no server's state";
constexpr std::string_view no_snmp = "xvip has no SNMP or D-Bus interface; use `xvipctl status`";
constexpr std::string_view process_tuning = "set scheduling, limits and names of processes in the xvipd systemd unit";
constexpr std::string_view no_firewall =
    "xvip installs no firewall rules: its XDP program drops VIP traffic on standby nodes";
constexpr std::string_view internal = "a keepalived implementation detail with no xvip equivalent";
constexpr std::string_view single_hop_bfd =
    "xvip runs single-hop BFD only (RFC 5881): remove it, or run the multihop session elsewhere";
constexpr std::string_view garp_lower_prio =
    "xvip sends gratuitous ARP only on becoming active and on the periodic refresh";
constexpr std::string_view advert_policy =
    "xvip answers adverts as RFC 9568 says (a lower priority advert gets one of ours); not "
    "configurable";
constexpr std::string_view netlink_buffers = "xvip sizes its own socket buffers";
constexpr std::string_view no_lvs_sync = "xvip has no IPVS connection synchronisation";
constexpr std::string_view tracker_refused =
    "xvip cannot track files or processes yet; use a vrrp_script that tests the same "
    "condition (for a process: `pidof NAME`)";
constexpr std::string_view tracker_unused =
    "xvip has no file or process trackers; a vrrp_instance that uses this one is refused";
constexpr std::string_view inside_tracker = "part of an ignored tracker block";
constexpr std::string_view hmac_refused =
    "remove auth_hmac: xvip does not implement keepalived's HMAC authentication extension";

constexpr auto table = std::to_array<KeywordRule>({
    // ---- top level ----
    block(top_level, "global_defs", supported, global_defs, "global settings"),
    block(top_level, "vrrp_instance", supported, vrrp_instance, "[[instance]]"),
    block(top_level, "vrrp_script", supported, vrrp_script, "[[script]]"),
    block(top_level, "vrrp_sync_group", supported, vrrp_sync_group, "[[sync_group]]"),
    value(top_level, "include", supported, "read by the syntax reader: globs, relative to the including file"),
    block(top_level, "track_file", ignored, track_file, tracker_unused),
    block(top_level, "vrrp_track_file", ignored, track_file, tracker_unused),
    block(top_level, "vrrp_track_process", ignored, vrrp_track_process, tracker_unused),
    block(top_level, "track_group", ignored, track_group, "xvip tracks no interface groups"),
    block(top_level, "garp_group", ignored, garp_group, "xvip paces gratuitous ARP per instance (garp_interval)"),
    list(top_level, "linkbeat_interfaces", ignored, "xvip follows link state through netlink"),
    list(top_level, "interface_up_down_delays", ignored, "xvip reacts to link changes at once"),
    list(top_level, "static_ipaddress", ignored,
         "xvip manages only VIPs: configure static addresses in the system's network configuration"),
    list(top_level, "static_routes", ignored,
         "xvip manages only VIPs: configure static routes in the system's network configuration"),
    list(top_level, "static_rules", ignored,
         "xvip manages only VIPs: configure routing rules in the system's network configuration"),
    block(top_level, "virtual_server", supported, virtual_server,
          "[[virtual_server]]: `ADDRESS PORT` only (`fwmark` and `group` are errors); forwarded in XDP "
          "by direct routing"),
    list(top_level, "virtual_server_group", ignored,
         "xvip has no virtual server groups; a virtual_server that uses one is an error"),
    block(top_level, "SSL", ignored, ssl, "only SSL_GET uses it, which xvip refuses"),
    block(top_level, "bfd_instance", supported, bfd_instance, "[[bfd]]"),
    value(top_level, "linkbeat_use_polling", ignored, "xvip follows link state through netlink"),
    value(top_level, "net_namespace", refused, "run xvipd inside the namespace instead (`ip netns exec NS xvipd`)"),
    value(top_level, "net_namespace_ipvs", ignored, not_ipvs),
    value(top_level, "namespace_with_ipsets", ignored, no_firewall),
    value(top_level, "use_pid_dir", ignored, "the xvipd systemd unit sets its runtime directory"),
    value(top_level, "instance", ignored,
          "xvip takes no instance name from the file; `@` lines use the reader's instance option"),
    value(top_level, "child_wait_time", ignored, internal),

    // ---- global_defs ----
    value(global_defs, "router_id", ignored, "xvip does not use a router name"),
    value(global_defs, "process_names", ignored, process_tuning),
    value(global_defs, "process_name", ignored, process_tuning),
    value(global_defs, "vrrp_process_name", ignored, process_tuning),
    value(global_defs, "checker_process_name", ignored, process_tuning),
    value(global_defs, "lvs_process_name", ignored, process_tuning),
    value(global_defs, "bfd_process_name", ignored, process_tuning),
    value(global_defs, "use_symlink_paths", ignored, internal),
    value(global_defs, "set_supplementary_groups", ignored,
          "xvip runs notify and track scripts as script_user with that user's groups"),
    value(global_defs, "notification_email_from", ignored, no_email),
    value(global_defs, "smtp_server", ignored, no_email),
    value(global_defs, "smtp_helo_name", ignored, no_email),
    value(global_defs, "smtp_connect_timeout", ignored, no_email),
    list(global_defs, "notification_email", ignored, no_email),
    value(global_defs, "smtp_alert", ignored, no_email),
    value(global_defs, "smtp_alert_vrrp", ignored, no_email),
    value(global_defs, "smtp_alert_checker", ignored, no_email),
    value(global_defs, "no_email_faults", ignored, no_email),
    value(global_defs, "no_checker_emails", ignored, no_email),
    value(global_defs, "startup_script", refused, "run it from the xvipd systemd unit (ExecStartPre=)"),
    value(global_defs, "startup_script_timeout", refused,
          "run the startup script from the xvipd systemd unit (ExecStartPre=, TimeoutStartSec=)"),
    value(global_defs, "shutdown_script", refused, "run it from the xvipd systemd unit (ExecStopPost=)"),
    value(global_defs, "shutdown_script_timeout", refused,
          "run the shutdown script from the xvipd systemd unit (ExecStopPost=, TimeoutStopSec=)"),
    value(global_defs, "max_auto_priority", ignored, process_tuning),
    value(global_defs, "min_auto_priority_delay", ignored, process_tuning),
    value(global_defs, "checker_log_all_failures", ignored,
          "xvip's checks will log every change of a real server's state"),
    value(global_defs, "dynamic_interfaces", ignored, "xvipd needs its interfaces to exist when it starts"),
    value(global_defs, "default_interface", supported, "global.default_interface"),
    value(global_defs, "disable_local_igmp", ignored, internal),
    value(global_defs, "v3_checksum_as_v2", supported, "global.v3_ipv4_checksum = \"message-only\""),
    value(global_defs, "lvs_timeouts", ignored, not_ipvs),
    value(global_defs, "lvs_flush", ignored, not_ipvs),
    value(global_defs, "lvs_flush_on_stop", ignored, not_ipvs),
    value(global_defs, "lvs_flush_onstop", ignored, not_ipvs),
    value(global_defs, "lvs_sync_daemon", ignored, no_lvs_sync),
    value(global_defs, "vrrp_mcast_group4", supported,
          "accepted when it is the standard 224.0.0.18; another group is an error"),
    value(global_defs, "vrrp_mcast_group6", supported,
          "accepted when it is the standard ff02::12; another group is an error"),
    value(global_defs, "vrrp_garp_master_delay", supported, "defaults.garp.second_burst_delay"),
    value(global_defs, "vrrp_garp_master_repeat", supported, "defaults.garp.repeat"),
    value(global_defs, "vrrp_garp_master_refresh", supported, "defaults.garp.refresh_period"),
    value(global_defs, "vrrp_garp_master_refresh_repeat", supported, "defaults.garp.refresh_repeat"),
    value(global_defs, "vrrp_garp_lower_prio_delay", ignored, garp_lower_prio),
    value(global_defs, "vrrp_garp_lower_prio_repeat", ignored, garp_lower_prio),
    value(global_defs, "vrrp_down_timer_adverts", ignored,
          "xvip uses the RFC's Master_Down_Interval (3 adverts plus skew)"),
    value(global_defs, "vrrp_garp_interval", supported, "defaults.garp.interval"),
    value(global_defs, "vrrp_gna_interval", supported, "defaults.garp.na_interval"),
    value(global_defs, "vrrp_min_garp", supported, "defaults.garp: repeat 1, no second burst, no refresh"),
    value(global_defs, "vrrp_garp_extra_if", ignored, "xvip announces VIPs on the instance's interface only"),
    value(global_defs, "vrrp_vmac_garp_intvl", ignored, "xvip announces VIPs on the instance's interface only"),
    value(global_defs, "vrrp_lower_prio_no_advert", ignored, advert_policy),
    value(global_defs, "vrrp_higher_prio_send_advert", ignored, advert_policy),
    value(global_defs, "vrrp_version", supported, "defaults.version"),
    value(global_defs, "vrrp_iptables", ignored, no_firewall),
    value(global_defs, "vrrp_ipsets", ignored, no_firewall),
    value(global_defs, "nftables", ignored, no_firewall),
    value(global_defs, "nftables_priority", ignored, no_firewall),
    value(global_defs, "nftables_ifindex", ignored, no_firewall),
    value(global_defs, "nftables_counters", ignored, no_firewall),
    value(global_defs, "nftables_ipvs", ignored, not_ipvs),
    value(global_defs, "nftables_ipvs_priority", ignored, not_ipvs),
    value(global_defs, "nftables_ipvs_start_fwmark", ignored, not_ipvs),
    value(global_defs, "vrrp_check_unicast_src", supported,
          "always on in xvip: unicast adverts are accepted from the instance's peers only"),
    value(global_defs, "vrrp_skip_check_adv_addr", ignored,
          "xvip always compares the address list and counts mismatches"),
    value(global_defs, "vrrp_strict", ignored,
          "xvip follows the RFC by default (multicast TTL 255 checked) and needs no firewall rules for it"),
    value(global_defs, "vrrp_priority", ignored, process_tuning),
    value(global_defs, "vrrp_no_swap", ignored, process_tuning),
    value(global_defs, "vrrp_rt_priority", ignored, process_tuning),
    value(global_defs, "vrrp_cpu_affinity", ignored, process_tuning),
    value(global_defs, "vrrp_rlimit_rttime", ignored, process_tuning),
    value(global_defs, "vrrp_rlimit_rtime", ignored, process_tuning),
    value(global_defs, "checker_priority", ignored, process_tuning),
    value(global_defs, "checker_no_swap", ignored, process_tuning),
    value(global_defs, "checker_rt_priority", ignored, process_tuning),
    value(global_defs, "checker_cpu_affinity", ignored, process_tuning),
    value(global_defs, "checker_rlimit_rttime", ignored, process_tuning),
    value(global_defs, "checker_rlimit_rtime", ignored, process_tuning),
    value(global_defs, "bfd_priority", ignored, process_tuning),
    value(global_defs, "bfd_no_swap", ignored, process_tuning),
    value(global_defs, "bfd_rt_priority", ignored, process_tuning),
    value(global_defs, "bfd_cpu_affinity", ignored, process_tuning),
    value(global_defs, "bfd_rlimit_rttime", ignored, process_tuning),
    value(global_defs, "bfd_rlimit_rtime", ignored, process_tuning),
    value(global_defs, "notify_fifo", supported, "global.notify_fifo"),
    value(global_defs, "notify_fifo_script", supported, "global.notify_fifo_script"),
    value(global_defs, "vrrp_notify_fifo", supported, "global.notify_fifo (xvip has only VRRP events)"),
    value(global_defs, "vrrp_notify_fifo_script", supported, "global.notify_fifo_script"),
    value(global_defs, "vrrp_notify_priority_changes", ignored, "xvip notifies state changes only"),
    value(global_defs, "fifo_write_vrrp_states_on_reload", ignored, internal),
    value(global_defs, "lvs_notify_fifo", ignored,
          "xvip writes no checker events to a FIFO; use notify_up / notify_down"),
    value(global_defs, "lvs_notify_fifo_script", ignored,
          "xvip writes no checker events to a FIFO; use notify_up / notify_down"),
    value(global_defs, "snmp_socket", ignored, no_snmp),
    value(global_defs, "enable_traps", ignored, no_snmp),
    value(global_defs, "enable_snmp_vrrp", ignored, no_snmp),
    value(global_defs, "enable_snmp_keepalived", ignored, no_snmp),
    value(global_defs, "enable_snmp_rfc", ignored, no_snmp),
    value(global_defs, "enable_snmp_rfcv2", ignored, no_snmp),
    value(global_defs, "enable_snmp_rfcv3", ignored, no_snmp),
    value(global_defs, "enable_snmp_checker", ignored, no_snmp),
    value(global_defs, "snmp_vs_stats_update_interval", ignored, no_snmp),
    value(global_defs, "snmp_rs_stats_update_interval", ignored, no_snmp),
    value(global_defs, "enable_dbus", ignored, no_snmp),
    value(global_defs, "dbus_service_name", ignored, no_snmp),
    value(global_defs, "dbus_no_interface_name", ignored, no_snmp),
    value(global_defs, "script_user", supported,
          "global.script_user; as in keepalived, a script runs as its own user, else script_user, else "
          "keepalived_script if that user exists, else root (with a warning)"),
    value(global_defs, "enable_script_security", ignored, "always on in xvipd: scripts writable by others are refused"),
    value(global_defs, "vrrp_netlink_cmd_rcv_bufs", ignored, netlink_buffers),
    value(global_defs, "vrrp_netlink_cmd_rcv_bufs_force", ignored, netlink_buffers),
    value(global_defs, "vrrp_netlink_monitor_rcv_bufs", ignored, netlink_buffers),
    value(global_defs, "vrrp_netlink_monitor_rcv_bufs_force", ignored, netlink_buffers),
    value(global_defs, "process_monitor_rcv_bufs", ignored, netlink_buffers),
    value(global_defs, "process_monitor_rcv_bufs_force", ignored, netlink_buffers),
    value(global_defs, "lvs_netlink_cmd_rcv_bufs", ignored, not_ipvs),
    value(global_defs, "lvs_netlink_cmd_rcv_bufs_force", ignored, not_ipvs),
    value(global_defs, "lvs_netlink_monitor_rcv_bufs", ignored, not_ipvs),
    value(global_defs, "lvs_netlink_monitor_rcv_bufs_force", ignored, not_ipvs),
    value(global_defs, "rs_init_notifies", ignored,
          "xvip will run notify_up / notify_down on changes of state only, not for the first state"),
    value(global_defs, "vrrp_rx_bufs_policy", ignored, netlink_buffers),
    value(global_defs, "vrrp_rx_bufs_multiplier", ignored, netlink_buffers),
    value(global_defs, "vrrp_startup_delay", ignored,
          "xvipd starts every instance as backup and waits Master_Down_Interval, as the RFC says"),
    value(global_defs, "vrrp_delay_after_boot", ignored,
          "xvipd starts every instance as backup and waits Master_Down_Interval, as the RFC says"),
    value(global_defs, "log_unknown_vrids", ignored, "xvip counts adverts for unknown VRIDs; see `xvipctl status`"),
    value(global_defs, "vrrp_owner_ignore_adverts", ignored, advert_policy),
    value(global_defs, "vmac_prefix", ignored, "xvip creates no macvlan interfaces"),
    value(global_defs, "vmac_addr_prefix", ignored, "xvip creates no macvlan interfaces"),
    value(global_defs, "umask", ignored, "the xvipd systemd unit sets the umask"),
    value(global_defs, "random_seed", ignored, internal),
    value(global_defs, "reload_check_config", ignored, "check a configuration with `xvipd --check`"),
    value(global_defs, "reload_time_file", ignored, internal),
    value(global_defs, "reload_repeat", ignored, internal),
    value(global_defs, "reload_file", ignored, internal),
    value(global_defs, "include_check", ignored, internal),
    value(global_defs, "config_save_dir", ignored, internal),
    value(global_defs, "tmp_config_directory", ignored, internal),
    value(global_defs, "data_use_instance", ignored, internal),
    value(global_defs, "json_version", ignored, internal),
    value(global_defs, "iproute_usr_dir", ignored, "xvip moves no routes"),
    value(global_defs, "iproute_etc_dir", ignored, "xvip moves no routes"),
    value(global_defs, "state_dump_file", ignored, "use `xvipctl status`"),
    value(global_defs, "stats_dump_file", ignored, "use `xvipctl status`"),
    value(global_defs, "json_dump_file", ignored, "use `xvipctl status`"),
    value(global_defs, "linkbeat_use_polling", ignored, "xvip follows link state through netlink"),

    // ---- vrrp_instance ----
    value(vrrp_instance, "state", ignored,
          "xvip starts every instance as backup (RFC 5798 §6.4.1); priority 255 still becomes active at once"),
    value(vrrp_instance, "interface", supported, "instance.interface"),
    value(vrrp_instance, "virtual_router_id", supported, "instance.vrid"),
    value(vrrp_instance, "priority", supported, "instance.priority"),
    value(vrrp_instance, "version", supported, "instance.version"),
    value(vrrp_instance, "advert_int", supported, "instance.advert_interval"),
    list(vrrp_instance, "virtual_ipaddress", supported,
         "instance.vips (address options other than `dev` are ignored with a warning)"),
    list(vrrp_instance, "virtual_ipaddress_excluded", refused,
         "move these addresses into the virtual_ipaddress block of an instance of their address family"),
    value(vrrp_instance, "no_virtual_ipaddress", refused,
          "give the instance its VIPs: an xvip instance exists to hold them"),
    value(vrrp_instance, "preempt", supported, "instance.preempt = true"),
    value(vrrp_instance, "nopreempt", supported, "instance.preempt = false"),
    value(vrrp_instance, "preempt_delay", supported, "instance.preempt_delay"),
    value(vrrp_instance, "unicast_src_ip", supported, "instance.source_address"),
    value(vrrp_instance, "mcast_src_ip", supported, "instance.source_address"),
    list(vrrp_instance, "unicast_peer", supported,
         "instance.unicast_peers; `ADDRESS min_ttl N max_ttl N` bounds the TTL of that peer's adverts (unbounded "
         "otherwise, as keepalived)"),
    value(vrrp_instance, "mcast_dst_ip", refused,
          "remove it: xvip sends multicast adverts to the standard groups only"),
    block(vrrp_instance, "authentication", supported, authentication, "instance.auth_password"),
    block(vrrp_instance, "auth_hmac", refused, auth_hmac, hmac_refused),
    value(vrrp_instance, "use_vmac", supported, "instance.virtual_mac = true"),
    value(vrrp_instance, "use_vmac_addr", supported, "instance.virtual_mac = true"),
    value(vrrp_instance, "vmac_xmit_base", ignored, "xvip sends from the interface itself"),
    value(vrrp_instance, "use_ipvlan", refused, "remove it: xvip creates no ipvlan interfaces"),
    value(vrrp_instance, "garp_master_delay", supported, "instance.garp.second_burst_delay"),
    value(vrrp_instance, "garp_master_repeat", supported, "instance.garp.repeat"),
    value(vrrp_instance, "garp_master_refresh", supported, "instance.garp.refresh_period"),
    value(vrrp_instance, "garp_master_refresh_repeat", supported, "instance.garp.refresh_repeat"),
    value(vrrp_instance, "garp_lower_prio_delay", ignored, garp_lower_prio),
    value(vrrp_instance, "garp_lower_prio_repeat", ignored, garp_lower_prio),
    value(vrrp_instance, "garp_extra_if", ignored, "xvip announces VIPs on the instance's interface only"),
    value(vrrp_instance, "vmac_garp_intvl", ignored, "xvip announces VIPs on the instance's interface only"),
    list(vrrp_instance, "track_interface", supported, "instance.track_interfaces"),
    list(vrrp_instance, "track_script", supported, "instance.track_scripts"),
    list(vrrp_instance, "track_file", refused, tracker_refused),
    list(vrrp_instance, "track_process", refused, tracker_refused),
    list(vrrp_instance, "track_bfd", supported, "instance.track_bfds"),
    value(vrrp_instance, "dont_track_primary", ignored, "xvip puts an instance in fault when its interface goes down"),
    value(vrrp_instance, "track_src_ip", ignored, "xvip reads the source address when it starts"),
    value(vrrp_instance, "notify", supported, "instance.notify.any"),
    value(vrrp_instance, "notify_master", supported, "instance.notify.active"),
    value(vrrp_instance, "notify_backup", supported, "instance.notify.backup"),
    value(vrrp_instance, "notify_fault", supported, "instance.notify.fault"),
    value(vrrp_instance, "notify_stop", supported, "instance.notify.stop"),
    value(vrrp_instance, "notify_deleted", ignored, "xvip has no reload that deletes instances"),
    value(vrrp_instance, "notify_master_rx_lower_pri", ignored, "xvip notifies state changes only"),
    value(vrrp_instance, "notify_priority_changes", ignored, "xvip notifies state changes only"),
    value(vrrp_instance, "smtp_alert", ignored, no_email),
    value(vrrp_instance, "v3_checksum_as_v2", supported, "instance.v3_ipv4_checksum = \"message-only\""),
    value(vrrp_instance, "old_unicast_checksum", supported, "instance.v3_ipv4_checksum = \"pseudo-header-multicast\""),
    value(vrrp_instance, "native_ipv6", ignored, "the address family follows the VIPs"),
    value(vrrp_instance, "unicast_ttl", supported,
          "instance.unicast_ttl: TTL / hop limit of unicast adverts (default 255, both families)"),
    value(vrrp_instance, "unicast_fault_no_peer", ignored, "xvip refuses an instance with neither peers nor multicast"),
    value(vrrp_instance, "check_unicast_src", supported,
          "always on in xvip: unicast adverts are accepted from the instance's peers only"),
    value(vrrp_instance, "vrf", refused, "run xvipd in the VRF's context; xvip does not bind to VRFs itself"),
    value(vrrp_instance, "promote_secondaries", ignored, "xvip never removes addresses from the interface"),
    value(vrrp_instance, "linkbeat_use_polling", ignored, "xvip follows link state through netlink"),
    list(vrrp_instance, "virtual_routes", refused,
         "remove them: xvip moves no routes; the VIP is held on every node, so routes through it stay in the system "
         "configuration"),
    list(vrrp_instance, "virtual_rules", refused,
         "remove them: xvip moves no routing rules; keep them in the system configuration"),
    value(vrrp_instance, "accept", ignored, "the active xvip node always accepts VIP traffic"),
    value(vrrp_instance, "no_accept", ignored, "the active xvip node always accepts VIP traffic"),
    value(vrrp_instance, "skip_check_adv_addr", ignored, "xvip always compares the address list and counts mismatches"),
    value(vrrp_instance, "strict_mode", ignored,
          "xvip follows the RFC by default (multicast TTL 255 checked) and needs no firewall rules for it"),
    value(vrrp_instance, "debug", ignored, "use global.log_level"),
    value(vrrp_instance, "lvs_sync_daemon_interface", ignored, no_lvs_sync),
    value(vrrp_instance, "down_timer_adverts", ignored,
          "xvip uses the RFC's Master_Down_Interval (3 adverts plus skew)"),
    value(vrrp_instance, "timer_expired_backup", ignored, internal),
    value(vrrp_instance, "thread_timer_expired", ignored, internal),
    value(vrrp_instance, "lower_prio_no_advert", ignored, advert_policy),
    value(vrrp_instance, "higher_prio_send_advert", ignored, advert_policy),
    value(vrrp_instance, "owner_ignore_adverts", ignored, advert_policy),
    value(vrrp_instance, "kernel_rx_buf_size", ignored, netlink_buffers),

    // ---- authentication (inside vrrp_instance) ----
    value(authentication, "auth_type", supported, "PASS; AH is refused"),
    value(authentication, "auth_pass", supported, "instance.auth_password (up to 8 bytes)"),

    // ---- auth_hmac (inside vrrp_instance) ----
    value(auth_hmac, "key", refused, hmac_refused),
    value(auth_hmac, "active_key", refused, hmac_refused),
    value(auth_hmac, "time_window", refused, hmac_refused),
    value(auth_hmac, "anti_replay", refused, hmac_refused),
    value(auth_hmac, "mode", refused, hmac_refused),

    // ---- vrrp_script ----
    value(vrrp_script, "script", supported, "script.command"),
    value(vrrp_script, "interval", supported, "script.interval"),
    value(vrrp_script, "timeout", supported, "script.timeout"),
    value(vrrp_script, "weight", supported, "script.weight (and `reverse`)"),
    value(vrrp_script, "rise", supported, "script.rise"),
    value(vrrp_script, "fall", supported, "script.fall"),
    value(vrrp_script, "user", supported, "script.user (a group, if given, is ignored with a warning)"),
    value(vrrp_script, "init_fail", supported, "script.initially_failed"),

    // ---- vrrp_sync_group ----
    list(vrrp_sync_group, "group", supported, "sync_group.instances"),
    list(vrrp_sync_group, "track_interface", supported, "sync_group.track_interfaces"),
    list(vrrp_sync_group, "track_script", supported, "sync_group.track_scripts"),
    list(vrrp_sync_group, "track_file", refused, tracker_refused),
    list(vrrp_sync_group, "track_process", refused, tracker_refused),
    list(vrrp_sync_group, "track_bfd", refused,
         "xvip tracks BFD sessions per instance: move track_bfd into each vrrp_instance of the group"),
    value(vrrp_sync_group, "notify", supported, "sync_group.notify.any"),
    value(vrrp_sync_group, "notify_master", supported, "sync_group.notify.active"),
    value(vrrp_sync_group, "notify_backup", supported, "sync_group.notify.backup"),
    value(vrrp_sync_group, "notify_fault", supported, "sync_group.notify.fault"),
    value(vrrp_sync_group, "notify_stop", supported, "sync_group.notify.stop"),
    value(vrrp_sync_group, "smtp_alert", ignored, no_email),
    value(vrrp_sync_group, "global_tracking", ignored,
          "deprecated in keepalived; xvip applies group tracking to every member"),
    value(vrrp_sync_group, "sync_group_tracking_weight", ignored,
          "xvip applies tracking weights to each member's own priority"),
    value(vrrp_sync_group, "notify_priority_changes", ignored, "xvip notifies state changes only"),

    // ---- track_file / vrrp_track_file ----
    value(track_file, "file", ignored, inside_tracker),
    value(track_file, "weight", ignored, inside_tracker),
    value(track_file, "init_file", ignored, inside_tracker),

    // ---- vrrp_track_process ----
    value(vrrp_track_process, "process", ignored, inside_tracker),
    value(vrrp_track_process, "param_match", ignored, inside_tracker),
    value(vrrp_track_process, "weight", ignored, inside_tracker),
    value(vrrp_track_process, "quorum", ignored, inside_tracker),
    value(vrrp_track_process, "quorum_max", ignored, inside_tracker),
    value(vrrp_track_process, "delay", ignored, inside_tracker),
    value(vrrp_track_process, "terminate_delay", ignored, inside_tracker),
    value(vrrp_track_process, "fork_delay", ignored, inside_tracker),
    value(vrrp_track_process, "full_command", ignored, inside_tracker),

    // ---- garp_group ----
    value(garp_group, "garp_interval", ignored, "part of an ignored garp_group; set garp_interval per instance"),
    value(garp_group, "gna_interval", ignored, "part of an ignored garp_group; set gna_interval per instance"),
    value(garp_group, "interface", ignored, "part of an ignored garp_group"),
    list(garp_group, "interfaces", ignored, "part of an ignored garp_group"),

    // ---- track_group ----
    list(track_group, "group", ignored, "part of an ignored track_group"),

    // ---- bfd_instance ----
    value(bfd_instance, "source_ip", supported, "bfd.source"),
    value(bfd_instance, "neighbor_ip", supported, "bfd.neighbor (IPv4)"),
    value(bfd_instance, "neighbour_ip", supported, "bfd.neighbor (IPv4)"),
    value(bfd_instance, "min_rx", supported, "bfd.min_rx"),
    value(bfd_instance, "min_tx", supported, "bfd.min_tx"),
    value(bfd_instance, "idle_tx", supported, "bfd.idle_tx (at least 1000 ms, RFC 5880 §6.8.3)"),
    value(bfd_instance, "multiplier", supported, "bfd.multiplier"),
    value(bfd_instance, "passive", supported, "bfd.passive = true"),
    value(bfd_instance, "ttl", supported, "read: only 255 (single hop) is accepted"),
    value(bfd_instance, "hoplimit", ignored, "xvip's BFD runs over IPv4 only"),
    value(bfd_instance, "max_hops", supported, "read: only 0 (single hop, TTL 255 checked) is accepted"),
    value(bfd_instance, "multihop", refused, single_hop_bfd),
    value(bfd_instance, "weight", supported, "bfd.weight (and `reverse`)"),
    value(bfd_instance, "vrrp", supported, "nothing to change: xvipd's sessions feed its VRRP instances"),
    value(bfd_instance, "checker", ignored, "xvip has no checker process; the session still feeds VRRP instances"),

    // ---- virtual_server ----
    value(virtual_server, "ip_family", supported, "must agree with the address (IPv6 is read, and refused for now)"),
    value(virtual_server, "delay_loop", supported, "virtual_server.check_interval; fractional seconds accepted"),
    value(virtual_server, "retry", supported, "virtual_server.retry"),
    value(virtual_server, "delay_before_retry", supported, "virtual_server.delay_before_retry"),
    value(virtual_server, "warmup", ignored, no_warmup),
    value(virtual_server, "connect_timeout", supported, "virtual_server.connect_timeout"),
    value(virtual_server, "inhibit_on_failure", supported, "virtual_server.inhibit_on_failure"),
    value(virtual_server, "lb_algo", supported,
          "rr, wrr, lc, wlc, sh, mh: all map to weighted Maglev (`scheduler = \"maglev\"`), with a "
          "warning saying how it differs; other schedulers are errors; absent: keepalived's wlc"),
    value(virtual_server, "lvs_sched", supported, "as lb_algo"),
    value(virtual_server, "hashed", ignored, "an IPVS flag with no effect on xvip, which always hashes"),
    value(virtual_server, "ops", ignored,
          "xvip will send every packet of a flow to one real server; IPVS's one-packet scheduling "
          "spreads each UDP datagram on its own"),
    value(virtual_server, "flag-1", ignored, "an IPVS scheduler flag (sh-fallback / mh-fallback); see them"),
    value(virtual_server, "flag-2", ignored, "an IPVS scheduler flag (sh-port / mh-port); see them"),
    value(virtual_server, "flag-3", ignored, "an IPVS scheduler flag with no xvip equivalent"),
    value(virtual_server, "sh-port", ignored,
          "xvip's flow hash covers the ports (the whole 5-tuple) unless persistence is set"),
    value(virtual_server, "sh-fallback", ignored, "xvip's table will never hold a real server that is down"),
    value(virtual_server, "mh-port", ignored,
          "xvip's flow hash covers the ports (the whole 5-tuple) unless persistence is set"),
    value(virtual_server, "mh-fallback", ignored, "xvip's table will never hold a real server that is down"),
    value(virtual_server, "lb_kind", supported, only_dr),
    value(virtual_server, "lvs_method", supported, only_dr),
    value(virtual_server, "persistence_engine", refused,
          "remove it: xvip has no persistence engines (SIP Call-ID); persistence is by client address"),
    value(virtual_server, "persistence_timeout", supported, "virtual_server.persistence_timeout (alone: 360 s)"),
    value(virtual_server, "persistence_granularity", supported,
          "virtual_server.persistence_granularity, as a prefix length (a contiguous IPv4 netmask)"),
    value(virtual_server, "protocol", supported, "TCP or UDP; SCTP and a missing protocol are errors"),
    value(virtual_server, "ha_suspend", ignored,
          "xvip's checks will run on both nodes, so that the standby knows the real servers' state when it "
          "takes over"),
    value(virtual_server, "smtp_alert", ignored, no_email),
    value(virtual_server, "virtualhost", supported, "the Host of HTTP checks that set none"),
    value(virtual_server, "snmp_name", ignored, no_snmp),
    value(virtual_server, "alpha", ignored, no_alpha),
    value(virtual_server, "omega", ignored, "xvip runs no quorum or notify scripts when it stops"),
    value(virtual_server, "quorum_up", supported, "virtual_server.quorum_up (run as notify scripts are)"),
    value(virtual_server, "quorum_down", supported, "virtual_server.quorum_down (run as notify scripts are)"),
    value(virtual_server, "quorum", supported, "virtual_server.quorum"),
    value(virtual_server, "hysteresis", supported, "virtual_server.hysteresis"),
    value(virtual_server, "weight", supported, "the weight of real servers that set none"),
    value(virtual_server, "sorry_server", supported, "virtual_server.sorry_server"),
    value(virtual_server, "sorry_server_inhibit", ignored,
          "xvip always keeps the sorry server in its backend table, out of the ring while the service has "
          "quorum: the effect this asks for"),
    value(virtual_server, "sorry_server_lvs_method", supported, only_dr),
    block(virtual_server, "real_server", supported, real_server, "[[virtual_server.real_server]]"),

    // ---- real_server ----
    value(real_server, "weight", supported, "real_server.weight (0-65535)"),
    value(real_server, "lvs_method", supported, only_dr),
    value(real_server, "uthreshold", refused,
          "remove it: xvip does not count connections, so it cannot cap them; shares follow weights"),
    value(real_server, "lthreshold", refused,
          "remove it: xvip does not count connections, so it cannot cap them; shares follow weights"),
    value(real_server, "inhibit_on_failure", supported, "real_server.inhibit_on_failure"),
    value(real_server, "notify_up", supported, "real_server.notify_up (run as notify scripts are)"),
    value(real_server, "notify_down", supported, "real_server.notify_down (run as notify scripts are)"),
    value(real_server, "alpha", ignored, no_alpha),
    value(real_server, "retry", supported, "the check's retry unless it sets its own"),
    value(real_server, "delay_before_retry", supported, "the check's delay_before_retry unless it sets its own"),
    value(real_server, "warmup", ignored, no_warmup),
    value(real_server, "connect_timeout", supported, "the check's connect_timeout unless it sets its own"),
    value(real_server, "delay_loop", supported, "the check's interval unless it sets its own"),
    value(real_server, "smtp_alert", ignored, no_email),
    value(real_server, "virtualhost", supported, "the Host of its HTTP check unless the check sets one"),
    value(real_server, "snmp_name", ignored, no_snmp),
    block(real_server, "HTTP_GET", supported, http_get, "check = { type = \"http\" } (one check per real server)"),
    block(real_server, "SSL_GET", refused, checker, refused_checker),
    block(real_server, "TCP_CHECK", supported, tcp_check, "check = { type = \"tcp\" } (one check per real server)"),
    block(real_server, "MISC_CHECK", supported, misc_check,
          "check = { type = \"script\" } (one check per real server)"),
    block(real_server, "SMTP_CHECK", refused, checker, refused_checker),
    block(real_server, "DNS_CHECK", refused, checker, refused_checker),
    block(real_server, "UDP_CHECK", refused, checker, refused_checker),
    block(real_server, "PING_CHECK", refused, checker, refused_checker),
    block(real_server, "FILE_CHECK", refused, checker, refused_checker),
    block(real_server, "BFD_CHECK", refused, checker, refused_checker),

    // ---- TCP_CHECK ----
    value(tcp_check, "connect_ip", supported, "check.connect_ip"),
    value(tcp_check, "connect_port", supported, "check.connect_port"),
    value(tcp_check, "bindto", supported, "check.bind_to"),
    value(tcp_check, "bind_port", ignored, "xvip's checks will leave from a port the kernel picks"),
    value(tcp_check, "bind_if", ignored, "xvip's checks will leave by the route to the real server"),
    value(tcp_check, "connect_timeout", supported, "check.connect_timeout"),
    value(tcp_check, "fwmark", ignored, "xvip will mark no check packets"),
    value(tcp_check, "retry", supported, "check.retry"),
    value(tcp_check, "nb_get_retry", supported, "check.retry (keepalived's old name)"),
    value(tcp_check, "delay_before_retry", supported, "check.delay_before_retry"),
    value(tcp_check, "warmup", ignored, no_warmup),
    value(tcp_check, "delay_loop", supported, "check.interval"),
    value(tcp_check, "alpha", ignored, no_alpha),
    value(tcp_check, "log_all_failures", ignored, "xvip's checks will log every change of a real server's state"),

    // ---- HTTP_GET ----
    value(http_get, "connect_ip", supported, "check.connect_ip"),
    value(http_get, "connect_port", supported, "check.connect_port"),
    value(http_get, "bindto", supported, "check.bind_to"),
    value(http_get, "bind_port", ignored, "xvip's checks will leave from a port the kernel picks"),
    value(http_get, "bind_if", ignored, "xvip's checks will leave by the route to the real server"),
    value(http_get, "connect_timeout", supported, "check.connect_timeout"),
    value(http_get, "fwmark", ignored, "xvip will mark no check packets"),
    value(http_get, "retry", supported, "check.retry"),
    value(http_get, "nb_get_retry", supported, "check.retry (keepalived's old name)"),
    value(http_get, "delay_before_retry", supported, "check.delay_before_retry"),
    value(http_get, "warmup", ignored, no_warmup),
    value(http_get, "delay_loop", supported, "check.interval"),
    value(http_get, "alpha", ignored, no_alpha),
    value(http_get, "log_all_failures", ignored, "xvip's checks will log every change of a real server's state"),
    value(http_get, "virtualhost", supported, "check.virtualhost"),
    value(http_get, "http_protocol", ignored,
          "xvip's HTTP check will send HTTP/1.1 requests with `Connection: close`; status and digest are "
          "what count"),
    value(http_get, "enable_sni", ignored, tls_only),
    value(http_get, "sni_name", ignored, tls_only),
    value(http_get, "fast_recovery", ignored,
          "xvip's HTTP check will get every URL each time, without a delay between them"),
    value(http_get, "tls_compliant", ignored, tls_only),
    block(http_get, "url", supported, url, "check.urls (one entry per url block)"),

    // ---- MISC_CHECK ----
    value(misc_check, "misc_path", supported, "check.command (validated as track script commands are)"),
    value(misc_check, "misc_timeout", supported, "check.timeout (unset: the check interval)"),
    value(misc_check, "misc_dynamic", supported, "check.dynamic"),
    value(misc_check, "user", supported, "check.user (a group, if given, is ignored with a warning)"),
    value(misc_check, "retry", supported, "check.retry"),
    value(misc_check, "delay_before_retry", supported, "check.delay_before_retry"),
    value(misc_check, "warmup", ignored, no_warmup),
    value(misc_check, "delay_loop", supported, "check.interval"),
    value(misc_check, "alpha", ignored, no_alpha),
    value(misc_check, "log_all_failures", ignored, "xvip's checks will log every change of a real server's state"),

    // ---- checkers xvip refuses (SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK,
    //      FILE_CHECK, BFD_CHECK and SMTP_CHECK's host): never read, listed for completeness ----
    value(checker, "connect_ip", refused, inside_refused_checker),
    value(checker, "connect_port", refused, inside_refused_checker),
    value(checker, "bindto", refused, inside_refused_checker),
    value(checker, "bind_port", refused, inside_refused_checker),
    value(checker, "bind_if", refused, inside_refused_checker),
    value(checker, "connect_timeout", refused, inside_refused_checker),
    value(checker, "fwmark", refused, inside_refused_checker),
    value(checker, "retry", refused, inside_refused_checker),
    value(checker, "nb_get_retry", refused, inside_refused_checker),
    value(checker, "delay_before_retry", refused, inside_refused_checker),
    value(checker, "warmup", refused, inside_refused_checker),
    value(checker, "delay_loop", refused, inside_refused_checker),
    value(checker, "alpha", refused, inside_refused_checker),
    value(checker, "log_all_failures", refused, inside_refused_checker),
    value(checker, "virtualhost", refused, inside_refused_checker),
    value(checker, "http_protocol", refused, inside_refused_checker),
    value(checker, "enable_sni", refused, inside_refused_checker),
    value(checker, "sni_name", refused, inside_refused_checker),
    value(checker, "fast_recovery", refused, inside_refused_checker),
    value(checker, "tls_compliant", refused, inside_refused_checker),
    block(checker, "url", refused, url, inside_refused_checker),
    value(checker, "helo_name", refused, inside_refused_checker),
    block(checker, "host", refused, checker, inside_refused_checker),
    value(checker, "type", refused, inside_refused_checker),
    value(checker, "name", refused, inside_refused_checker),
    value(checker, "payload", refused, inside_refused_checker),
    value(checker, "require_reply", refused, inside_refused_checker),
    value(checker, "min_reply_length", refused, inside_refused_checker),
    value(checker, "max_reply_length", refused, inside_refused_checker),
    value(checker, "track_file", refused, inside_refused_checker),
    value(checker, "dynamic", refused, inside_refused_checker),
    value(checker, "weight", refused, inside_refused_checker),

    // ---- url (inside HTTP_GET) ----
    value(url, "path", supported, "check.urls.path"),
    value(url, "digest", supported, "check.urls.digest (32 hex digits: the MD5 of the body)"),
    value(url, "status_code", supported, "check.urls.status_codes (codes and ranges, 100-599; default 200-299)"),
    value(url, "virtualhost", supported, "check.urls.virtualhost"),
    value(url, "regex", refused, regex_refused),
    value(url, "regex_no_match", refused, regex_refused),
    value(url, "regex_options", refused, regex_refused),
    value(url, "regex_min_offset", refused, regex_refused),
    value(url, "regex_max_offset", refused, regex_refused),
    value(url, "regex_stack", refused, regex_refused),
    value(url, "tls_compliant", ignored, tls_only),

    // ---- SSL ----
    value(ssl, "password", ignored, "part of an ignored SSL block"),
    value(ssl, "ca", ignored, "part of an ignored SSL block"),
    value(ssl, "certificate", ignored, "part of an ignored SSL block"),
    value(ssl, "key", ignored, "part of an ignored SSL block"),
});

}  // namespace

std::span<const KeywordRule> keepalived_keyword_table() {
    return table;
}

const KeywordRule* find_keepalived_keyword(KeywordSection section, std::string_view keyword) {
    const auto found = std::find_if(table.begin(), table.end(), [&](const KeywordRule& rule) {
        return rule.section == section && rule.keyword == keyword;
    });
    return found == table.end() ? nullptr : &*found;
}

std::vector<std::string_view> keepalived_keywords_of(KeywordSection section) {
    std::vector<std::string_view> keywords;
    for (const KeywordRule& rule : table) {
        if (rule.section == section) keywords.push_back(rule.keyword);
    }
    return keywords;
}

std::string_view to_string(KeywordSection section) {
    switch (section) {
        case top_level: return "top level";
        case global_defs: return "global_defs";
        case vrrp_instance: return "vrrp_instance";
        case authentication: return "authentication";
        case auth_hmac: return "auth_hmac";
        case vrrp_script: return "vrrp_script";
        case vrrp_sync_group: return "vrrp_sync_group";
        case track_file: return "track_file";
        case vrrp_track_process: return "vrrp_track_process";
        case garp_group: return "garp_group";
        case track_group: return "track_group";
        case bfd_instance: return "bfd_instance";
        case virtual_server: return "virtual_server";
        case virtual_server_group: return "virtual_server_group";
        case real_server: return "real_server";
        case tcp_check: return "TCP_CHECK";
        case http_get: return "HTTP_GET";
        case misc_check: return "MISC_CHECK";
        case checker: return "checker";
        case url: return "url";
        case ssl: return "SSL";
    }
    return "?";
}

std::string_view to_string(KeywordSupport support) {
    switch (support) {
        case supported: return "supported";
        case ignored: return "ignored (warning)";
        case refused: return "error";
    }
    return "?";
}

KeywordCounts count_keepalived_keywords() {
    KeywordCounts counts;
    for (const KeywordRule& rule : table) {
        switch (rule.support) {
            case supported: ++counts.supported; break;
            case ignored: ++counts.ignored; break;
            case refused: ++counts.refused; break;
        }
    }
    return counts;
}

}  // namespace xvip
