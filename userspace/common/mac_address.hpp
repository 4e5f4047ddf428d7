// An Ethernet MAC address, as the frames, the data plane and the tools all carry it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xvip {

using MacAddress = std::array<std::uint8_t, 6>;

std::string format_mac(const MacAddress& mac);               // "02:00:5e:00:01:33"
std::optional<MacAddress> parse_mac(std::string_view text);  // the same form, either case

}  // namespace xvip
