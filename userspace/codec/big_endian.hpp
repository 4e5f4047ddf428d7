// Network-order loads and stores on byte spans; callers check the bounds first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xvip::big_endian {

inline std::uint16_t load16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

inline void store16(std::span<std::uint8_t> bytes, std::size_t offset, std::uint16_t value) {
    bytes[offset] = static_cast<std::uint8_t>(value >> 8);
    bytes[offset + 1] = static_cast<std::uint8_t>(value);
}

inline std::uint32_t load32(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint32_t>(load16(bytes, offset)) << 16 | load16(bytes, offset + 2);
}

inline void store32(std::span<std::uint8_t> bytes, std::size_t offset, std::uint32_t value) {
    store16(bytes, offset, static_cast<std::uint16_t>(value >> 16));
    store16(bytes, offset + 2, static_cast<std::uint16_t>(value));
}

}  // namespace xvip::big_endian
