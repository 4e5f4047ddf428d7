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

}  // namespace xvip
