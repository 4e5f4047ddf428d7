// Helpers shared by the config tests: where the test data lives, and diagnostics as text so that a
// test can compare the exact list and a failure prints it readably.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

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

inline IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

}  // namespace xvip::test
