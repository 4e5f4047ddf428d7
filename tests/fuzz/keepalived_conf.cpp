// libFuzzer target: keepalived.conf from memory. The input is split at the first NUL byte: before
// it, the main file; after it, a file `inc.conf` that the main file may include (so include
// handling, globs and cycles are fuzzed too) without touching the file system.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/keepalived_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t split = input.find('\0');
    const std::string_view main_text = input.substr(0, split);
    xvip::InMemoryIncludeResolver resolver;
    if (split != std::string_view::npos) resolver.add("inc.conf", std::string(input.substr(split + 1)));
    resolver.add("self.conf", "include self.conf\n");
    const xvip::ReadResult result = xvip::read_keepalived_conf(main_text, "fuzz.conf", resolver);
    for (const xvip::Diagnostic& d : result.diagnostics) {
        if (d.message.empty()) __builtin_trap();  // every diagnostic says something
    }
    return 0;
}
