#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/keepalived_keywords.hpp"

namespace xvip {
namespace {

TEST(KeywordTable, DocumentMatchesTheTable) {
    const std::string path = std::string(XVIP_DOCS_DIR) + "/keepalived-keywords.md";
    const std::string expected = render_keepalived_keywords_markdown();
    if (std::getenv("XVIP_UPDATE_DOCS") != nullptr) {
        std::ofstream(path, std::ios::binary) << expected;
    }
    std::ifstream file(path, std::ios::binary);
    ASSERT_TRUE(file) << path << " is missing; run with XVIP_UPDATE_DOCS=1 to write it";
    std::ostringstream text;
    text << file.rdbuf();
    EXPECT_EQ(text.str(), expected) << path << " is out of date; run with XVIP_UPDATE_DOCS=1 to regenerate it";
}

TEST(KeywordTable, EachKeywordIsClassifiedOncePerSection) {
    std::set<std::pair<KeywordSection, std::string_view>> seen;
    for (const KeywordRule& rule : keepalived_keyword_table()) {
        EXPECT_TRUE(seen.emplace(rule.section, rule.keyword).second)
            << rule.keyword << " twice in " << to_string(rule.section);
        EXPECT_FALSE(rule.note.empty()) << rule.keyword << " needs a note";
    }
}

TEST(KeywordTable, EveryBlockOpensASectionThatHasKeywords) {
    for (const KeywordRule& rule : keepalived_keyword_table()) {
        if (rule.shape != KeywordShape::block) continue;
        EXPECT_FALSE(keepalived_keywords_of(rule.opens).empty()) << rule.keyword;
    }
}

TEST(KeywordTable, KeyDecisions) {
    auto support = [](KeywordSection s, std::string_view k) { return find_keepalived_keyword(s, k)->support; };
    EXPECT_EQ(support(KeywordSection::vrrp_instance, "virtual_router_id"), KeywordSupport::supported);
    EXPECT_EQ(support(KeywordSection::global_defs, "router_id"), KeywordSupport::ignored);
    EXPECT_EQ(support(KeywordSection::top_level, "virtual_server"), KeywordSupport::ignored);
    EXPECT_EQ(support(KeywordSection::vrrp_instance, "virtual_routes"), KeywordSupport::refused);
    EXPECT_EQ(find_keepalived_keyword(KeywordSection::vrrp_instance, "no_such_keyword"), nullptr);
    const KeywordCounts counts = count_keepalived_keywords();
    EXPECT_EQ(counts.supported + counts.ignored + counts.refused, keepalived_keyword_table().size());
    EXPECT_GT(counts.supported, 60u);
}

}  // namespace
}  // namespace xvip
