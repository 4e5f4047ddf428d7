// keepalived.conf from memory. The input is split at the first NUL byte: before it, the main file;
// after it, a file `inc.conf` that the main file may include (so include handling, globs and cycles
// are fuzzed too) without touching the file system.
#include "config/keepalived_conf.hpp"

#include <string>
#include <string_view>

#include "fuzz_targets.hpp"

namespace xvip::fuzz {

Outcome keepalived_conf(std::span<const std::uint8_t> input) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    const std::size_t split = text.find('\0');
    const std::string_view main_text = text.substr(0, split);
    InMemoryIncludeResolver resolver;
    if (split != std::string_view::npos) resolver.add("inc.conf", std::string(text.substr(split + 1)));
    resolver.add("self.conf", "include self.conf\n");
    const ReadResult result = read_keepalived_conf(main_text, "fuzz.conf", resolver);
    for (const Diagnostic& d : result.diagnostics) {
        if (d.message.empty()) __builtin_trap();  // every diagnostic says something
    }
    return result.ok() ? Outcome::accepted : Outcome::refused;
}

}  // namespace xvip::fuzz
