// The keepalived captures are part of the repository, the table in their README states the facts
// the tests use, and a missing capture fails the test that wants it with the file's path (it does
// not crash it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

using ::testing::HasSubstr;

const std::string fixtures_dir = XVIP_FIXTURES_DIR;

// The message of what `read` throws, or "" if it throws nothing.
template <typename Read>
std::string error_of(Read read) {
    try {
        read();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(KeepalivedFixtures, AMissingCaptureFailsWithItsPath) {
    const std::string path = fixture_path("no-such-capture");
    EXPECT_THAT(error_of([] { dissect_capture("no-such-capture"); }), HasSubstr(path));
    EXPECT_THAT(error_of([&] { read_ethernet_frames(path); }), HasSubstr(path));
}

TEST(KeepalivedFixtures, AFileThatIsNoCaptureFailsWithItsPath) {
    const std::string path = fixtures_dir + "/v3-ucast.conf";
    ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path;
    EXPECT_THAT(error_of([&] { read_ethernet_frames(path); }), HasSubstr(path));
}

TEST(KeepalivedFixtures, LiveInTheRepository) {
    EXPECT_THAT(fixtures_dir, ::testing::EndsWith("/tests/fixtures/keepalived"));
    EXPECT_THAT(fixtures_dir, ::testing::Not(HasSubstr("..")));
    for (const auto& facts : keepalived_captures()) {
        for (const std::string& path : {fixture_path(facts.name), fixtures_dir + "/" + facts.name + ".conf"}) {
            EXPECT_TRUE(std::filesystem::is_regular_file(path))
                << path << " is missing (tests/fixtures/make-keepalived-captures makes it)";
        }
    }
}

// A row of the README's table, as tests/fixtures/make-keepalived-captures writes it.
std::string readme_row(const CaptureFacts& f) {
    std::ostringstream row;
    const char* dash = "\u2013";
    std::string auth = f.version == VrrpVersion::v3 ? "\u2014" : "none";
    if (f.auth_type == AuthType::simple_password) auth = "PASS `" + f.password + "`";
    const std::string interval =
        f.interval_cs < 100 ? std::to_string(f.interval_cs) + " cs" : std::to_string(f.interval_cs / 100) + " s";
    std::string addresses;
    for (const auto& a : f.addresses) addresses += (addresses.empty() ? "" : ", ") + a;
    std::string announced = std::to_string(f.first_burst) + " in one burst";
    if (f.bursts_max > 1) {
        announced = std::to_string(f.first_burst) + ", then " + std::to_string(f.refresh_burst) +
                    " every 1 s: " + std::to_string(f.bursts_min) + dash + std::to_string(f.bursts_max) + " bursts";
    }
    const bool multicast = f.destination == "224.0.0.18" || f.destination == "ff02::12";
    row << "| " << f.name << " | " << (f.version == VrrpVersion::v2 ? 2 : 3) << " | "
        << (multicast ? "multicast" : "unicast") << " | " << (f.source.empty() ? "link-local" : f.source) << " \u2192 "
        << f.destination << " | " << auth << " | " << interval << " | " << int{f.vrid} << " | " << int{f.priority}
        << " | " << addresses << " | " << f.adverts_min << dash << f.adverts_max << ", then one at 0 | " << announced
        << " |";
    return row.str();
}

TEST(KeepalivedFixtures, ReadmeTableStatesTheseFacts) {
    const std::string readme = fixtures_dir + "/README.md";
    std::ifstream in(readme);
    ASSERT_TRUE(in) << "cannot read " << readme;
    std::map<std::string, std::string> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("| ", 0) != 0 || line.rfind("| file ", 0) == 0) continue;
        rows[line.substr(2, line.find(' ', 2) - 2)] = line;
    }
    EXPECT_EQ(rows.size(), keepalived_captures().size()) << "one row per capture in " << readme;
    for (const auto& facts : keepalived_captures()) {
        EXPECT_EQ(rows[facts.name], readme_row(facts)) << readme;
    }
}

}  // namespace
}  // namespace xvip::test
