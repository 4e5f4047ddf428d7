// The native TOML configuration, from memory.
#include "config/toml_config.hpp"

#include <string_view>

#include "fuzz_targets.hpp"

namespace xvip::fuzz {

Outcome toml_config(std::span<const std::uint8_t> input) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    const ReadResult result = read_toml_config(text, "fuzz.toml");
    for (const Diagnostic& d : result.diagnostics) {
        if (d.message.empty()) __builtin_trap();  // every diagnostic says something
    }
    return result.ok() ? Outcome::accepted : Outcome::refused;
}

}  // namespace xvip::fuzz
