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
    EXPECT_EQ(support(KeywordSection::top_level, "virtual_server"), KeywordSupport::supported);
    EXPECT_EQ(support(KeywordSection::vrrp_instance, "virtual_routes"), KeywordSupport::refused);
    EXPECT_EQ(find_keepalived_keyword(KeywordSection::vrrp_instance, "no_such_keyword"), nullptr);
    const KeywordCounts counts = count_keepalived_keywords();
    EXPECT_EQ(counts.supported + counts.ignored + counts.refused, keepalived_keyword_table().size());
    EXPECT_GT(counts.supported, 60u);
}

// virtual_server blocks are read now: no row may still say that LVS is ignored, and what the model
// holds is supported.
TEST(KeywordTable, NoRowStillSaysLvsIsIgnored) {
    for (const KeywordRule& rule : keepalived_keyword_table()) {
        EXPECT_EQ(rule.note.find("does not do IPVS/LVS"), std::string_view::npos) << rule.keyword;
        EXPECT_EQ(rule.note.find("ignored LVS block"), std::string_view::npos) << rule.keyword;
    }
    auto support = [](KeywordSection s, std::string_view k) { return find_keepalived_keyword(s, k)->support; };
    for (const std::string_view keyword :
         {"lb_kind", "lb_algo", "protocol", "delay_loop", "persistence_timeout", "persistence_granularity",
          "sorry_server", "quorum", "hysteresis", "quorum_up", "quorum_down", "inhibit_on_failure", "real_server"}) {
        EXPECT_EQ(support(KeywordSection::virtual_server, keyword), KeywordSupport::supported) << keyword;
    }
    for (const std::string_view keyword :
         {"weight", "notify_up", "notify_down", "TCP_CHECK", "HTTP_GET", "MISC_CHECK"}) {
        EXPECT_EQ(support(KeywordSection::real_server, keyword), KeywordSupport::supported) << keyword;
    }
    for (const std::string_view keyword :
         {"SSL_GET", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK"}) {
        EXPECT_EQ(support(KeywordSection::real_server, keyword), KeywordSupport::refused) << keyword;
    }
    EXPECT_EQ(support(KeywordSection::url, "status_code"), KeywordSupport::supported);
    EXPECT_EQ(support(KeywordSection::misc_check, "misc_path"), KeywordSupport::supported);
    EXPECT_EQ(support(KeywordSection::tcp_check, "connect_port"), KeywordSupport::supported);
}

}  // namespace
}  // namespace xvip
