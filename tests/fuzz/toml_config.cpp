// libFuzzer target: the native TOML configuration from memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/toml_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const xvip::ReadResult result = xvip::read_toml_config(text, "fuzz.toml");
    for (const xvip::Diagnostic& d : result.diagnostics) {
        if (d.message.empty()) __builtin_trap();
    }
    return 0;
}
