// What VipHolder changed in the kernel, kept in a small JSON file so that it outlives the process:
// on the restart path xvipd exits leaving the VIPs and sysctls in place, and the next xvipd adopts
// them and, at its own stop, restores what the first one found. Written atomically (temporary file,
// fsync, rename), so a crash leaves either the old file or the new one, never half of one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "system/network_namespace_id.hpp"

namespace xvip {

struct HeldAddress {
    IpAddress address;
    std::uint8_t prefix_length = 0;
    std::string ifname;  // where it was added: "lo" for IPv4 VIPs, the VRRP interface for IPv6

    friend bool operator==(const HeldAddress&, const HeldAddress&) = default;
};

struct VipHoldState {
    std::string ifname;
    NetworkNamespaceId netns;
    // sysctl key (sysctl.hpp) → the value found before xvip first changed it.
    std::map<std::string, std::string> original_sysctls;
    // Addresses xvip added; addresses that were there before are never listed.
    std::vector<HeldAddress> added_addresses;

    friend bool operator==(const VipHoldState&, const VipHoldState&) = default;
};

std::string format_vip_hold_state(const VipHoldState& state);
// nullopt with `error` set when the text is not a state file of this format.
std::optional<VipHoldState> parse_vip_hold_state(std::string_view text, std::string& error);

// nullopt when there is no file. Throws std::system_error when it cannot be read, and
// std::runtime_error naming the file when it is not a state file.
std::optional<VipHoldState> load_vip_hold_state(const std::filesystem::path& file);
// Creates the directory if needed. Throws std::system_error naming the file.
void save_vip_hold_state(const std::filesystem::path& file, const VipHoldState& state);
// A missing file is not an error. Throws std::system_error naming the file.
void remove_vip_hold_state(const std::filesystem::path& file);

}  // namespace xvip
