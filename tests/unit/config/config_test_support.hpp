// Helpers shared by the config tests: where the test data lives, and diagnostics as text so that a
// test can compare the exact list and a failure prints it readably.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/include_resolver.hpp"
#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"

namespace xvip::test {

inline std::string data_path(const std::string& name) {
    return std::string(XVIP_CONFIG_TEST_DATA) + "/" + name;
}
// A file of tests/fixtures/keepalived, e.g. fixture_file("v3-ucast.conf").
inline std::string fixture_file(const std::string& name) {
    return std::string(XVIP_FIXTURES_DIR) + "/" + name;
}

// Each diagnostic rendered with to_string, with `strip` removed wherever it occurs (absolute
// directories make expectations unreadable).
inline std::vector<std::string> rendered(const std::vector<Diagnostic>& diagnostics, const std::string& strip = {}) {
    std::vector<std::string> lines;
    for (const Diagnostic& d : diagnostics) {
        std::string text = to_string(d);
        if (!strip.empty()) {
            for (auto at = text.find(strip); at != std::string::npos; at = text.find(strip))
                text.erase(at, strip.size());
        }
        lines.push_back(std::move(text));
    }
    return lines;
}

// A keepalived.conf given as text, as if read from k.conf (no includes), and a TOML file, x.toml.
inline ReadResult keepalived(const std::string& text) {
    InMemoryIncludeResolver none;
    return read_keepalived_conf(text, "k.conf", none);
}
inline ReadResult toml(const std::string& text) {
    return read_toml_config(text, "x.toml");
}

inline IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

}  // namespace xvip::test
