// Replays what fuzzing found, in the ordinary build: every file under
// tests/fuzz/regressions/<target>/ goes through that target's own per-input logic
// (tests/fuzz/<target>.cpp), so that a fixed crash stays fixed. A file's name states what the target
// must make of it: refused-* or accepted-*. The seed corpora are replayed too: a target that broke
// on its seeds would fuzz nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace xvip::fuzz {

// So that a failure says "refused", not the enum's bytes.
void PrintTo(Outcome outcome, std::ostream* out) {
    *out << (outcome == Outcome::refused ? "refused" : "accepted");
}

namespace {

namespace fs = std::filesystem;

using Target = Outcome (*)(std::span<const std::uint8_t>);

const std::map<std::string, Target> targets = {{"advert_decoder", advert_decoder},
                                               {"toml_config", toml_config},
                                               {"keepalived_conf", keepalived_conf},
                                               {"control_request", control_request}};

const fs::path fuzz_dir = XVIP_FUZZ_DIR;

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> files;
    if (!fs::is_directory(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::uint8_t> contents(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzTarget : public testing::TestWithParam<std::string> {
protected:
    Target target() const { return targets.at(GetParam()); }
};

TEST_P(FuzzTarget, EachRegressionGetsTheOutcomeItsNameStates) {
    for (const fs::path& file : files_in(fuzz_dir / "regressions" / GetParam())) {
        SCOPED_TRACE(file.string());
        const std::string name = file.filename().string();
        const bool refused = name.starts_with("refused-");
        ASSERT_TRUE(refused || name.starts_with("accepted-")) << "name it refused-* or accepted-*";
        EXPECT_EQ(target()(contents(file)), refused ? Outcome::refused : Outcome::accepted);
    }
}

TEST_P(FuzzTarget, EverySeedReplays) {
    const auto seeds = files_in(fuzz_dir / "corpus" / GetParam());
    EXPECT_FALSE(seeds.empty());
    for (const fs::path& file : seeds) {
        SCOPED_TRACE(file.string());
        (void)target()(contents(file));  // a broken invariant aborts
    }
}

INSTANTIATE_TEST_SUITE_P(Fuzz, FuzzTarget,
                         testing::Values("advert_decoder", "toml_config", "keepalived_conf", "control_request"),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

// A directory for a target that does not exist would be replayed by nothing.
TEST(FuzzRegressions, EachDirectoryNamesATarget) {
    for (const auto& entry : fs::directory_iterator(fuzz_dir / "regressions")) {
        EXPECT_TRUE(targets.contains(entry.path().filename().string())) << entry.path();
    }
}

}  // namespace
}  // namespace xvip::fuzz
