#include "config/config.hpp"

#include <algorithm>

namespace xvip {

const SourceLocation& FieldOrigins::of(Field field) const {
    const auto found = origins_.find(field);
    return found == origins_.end() ? block : found->second;
}

bool FieldOrigins::unreadable(Field field) const {
    return std::find(unreadable_.begin(), unreadable_.end(), field) != unreadable_.end();
}

std::optional<AddressFamily> Instance::family() const {
    if (vips.empty()) return std::nullopt;
    return vips.front().address.family();
}

const TrackScript* Config::find_script(std::string_view name) const {
    const auto found =
        std::find_if(scripts.begin(), scripts.end(), [&](const TrackScript& s) { return s.name == name; });
    return found == scripts.end() ? nullptr : &*found;
}

const BfdInstance* Config::find_bfd(std::string_view name) const {
    const auto found = std::find_if(bfds.begin(), bfds.end(), [&](const BfdInstance& b) { return b.name == name; });
    return found == bfds.end() ? nullptr : &*found;
}

const Instance* Config::find_instance(std::string_view name) const {
    const auto found =
        std::find_if(instances.begin(), instances.end(), [&](const Instance& i) { return i.name == name; });
    return found == instances.end() ? nullptr : &*found;
}

ResolvedCheckTiming resolve_check_timing(const CheckTiming& own, const CheckTiming& defaults) {
    ResolvedCheckTiming resolved;
    resolved.interval = own.interval.value_or(defaults.interval.value_or(resolved.interval));
    resolved.connect_timeout =
        own.connect_timeout.value_or(defaults.connect_timeout.value_or(resolved.connect_timeout));
    resolved.retry = own.retry.value_or(defaults.retry.value_or(resolved.retry));
    resolved.delay_before_retry =
        own.delay_before_retry.value_or(defaults.delay_before_retry.value_or(resolved.delay_before_retry));
    resolved.rise = own.rise.value_or(defaults.rise.value_or(resolved.rise));
    return resolved;
}

QuorumRule quorum_rule(const VirtualServer& vs) {
    QuorumRule rule{.quorum = std::max(vs.quorum, 1), .hysteresis = 0, .weights = 0};
    for (const RealServer& rs : vs.real_servers) rule.weights += std::clamp(rs.weight, 0, max_real_server_weight);
    if (rule.weights >= 1 && rule.quorum > rule.weights) rule.quorum = static_cast<int>(rule.weights);
    rule.hysteresis = std::clamp(vs.hysteresis, 0, rule.quorum - 1);
    return rule;
}

std::string VirtualServer::endpoint() const {
    const std::string host = address.is_v4() ? address.to_string() : "[" + address.to_string() + "]";
    return host + ":" + std::to_string(port);
}

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error";
        case LogLevel::warning: return "warning";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "?";
}

std::string_view to_string(V3Ipv4Checksum form) {
    switch (form) {
        case V3Ipv4Checksum::pseudo_header_real_destination: return "pseudo-header";
        case V3Ipv4Checksum::pseudo_header_multicast_group: return "pseudo-header-multicast";
        case V3Ipv4Checksum::message_only: return "message-only";
    }
    return "?";
}

std::string_view to_string(ServiceProtocol protocol) {
    return protocol == ServiceProtocol::tcp ? "tcp" : "udp";
}

std::string_view to_string(IpvsScheduler scheduler) {
    switch (scheduler) {
        case IpvsScheduler::rr: return "rr";
        case IpvsScheduler::wrr: return "wrr";
        case IpvsScheduler::lc: return "lc";
        case IpvsScheduler::wlc: return "wlc";
        case IpvsScheduler::sh: return "sh";
        case IpvsScheduler::mh: return "mh";
    }
    return "?";
}

std::string to_string(const StatusCodeRange& codes) {
    const std::string low = std::to_string(codes.low);
    return codes.low == codes.high ? low : low + "-" + std::to_string(codes.high);
}

std::string_view to_string(CheckType type) {
    switch (type) {
        case CheckType::tcp: return "tcp";
        case CheckType::http: return "http";
        case CheckType::script: return "script";
    }
    return "?";
}

}  // namespace xvip
