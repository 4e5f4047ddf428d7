#include "config/keepalived_syntax.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace xvip {
namespace {

using test::rendered;

std::vector<Statement> parse(const std::string& text, DiagnosticSink& sink, InMemoryIncludeResolver resolver = {},
                             SyntaxOptions options = {}) {
    return parse_keepalived_syntax(text, "k.conf", resolver, sink, options);
}

TEST(KeepalivedSyntax, BlocksCommentsAndQuotes) {
    DiagnosticSink sink;
    const auto top = parse("a { b 1 # comment\n  c \"x y\" ! more\n}\nd{e}\n", sink);
    EXPECT_TRUE(sink.all().empty()) << ::testing::PrintToString(rendered(sink.all()));
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].keyword.text, "a");
    ASSERT_TRUE(top[0].has_block);
    ASSERT_EQ(top[0].block.size(), 2u);
    EXPECT_EQ(top[0].block[0].keyword.text, "b");
    EXPECT_EQ(top[0].block[0].arguments.at(0).text, "1");
    EXPECT_EQ(top[0].block[1].arguments.at(0).text, "x y");
    EXPECT_EQ(top[0].block[1].arguments.at(0).where, (SourceLocation{"k.conf", 2, 5}));
    EXPECT_EQ(top[1].block.at(0).keyword.text, "e");
}

TEST(KeepalivedSyntax, BraceOnTheNextLineOpensThePreviousKeywordsBlock) {
    DiagnosticSink sink;
    const auto top = parse("vrrp_instance X\n{\n  priority 1\n}\n", sink);
    EXPECT_TRUE(sink.all().empty());
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].block.at(0).keyword.text, "priority");
}

TEST(KeepalivedSyntax, UnbalancedBracesAreErrorsWithTheirLine) {
    DiagnosticSink sink;
    parse("a {\n b\n", sink);
    parse("}\n", sink);
    parse("x \"open\n", sink);
    EXPECT_EQ(rendered(sink.all()),
              (std::vector<std::string>{"k.conf:1:3: error: block is never closed (fix: add the matching `}`)",
                                        "k.conf:1:1: error: `}` closes no block (fix: remove this `}`)",
                                        "k.conf:1:3: error: unterminated quoted string (fix: add the closing \")"}));
}

TEST(KeepalivedSyntax, ConditionalLinesFollowTheInstanceName) {
    DiagnosticSink sink;
    const std::string text = "@node_a a 1\n@^node_a b 2\nc 3\n";
    auto without = parse(text, sink);
    ASSERT_EQ(without.size(), 2u);
    EXPECT_EQ(without[0].keyword.text, "b");
    SyntaxOptions as_a;
    as_a.instance_name = "node_a";
    auto with = parse(text, sink, {}, as_a);
    ASSERT_EQ(with.size(), 2u);
    EXPECT_EQ(with[0].keyword.text, "a");
    EXPECT_TRUE(sink.all().empty());
}

TEST(KeepalivedSyntax, ParameterSubstitutionIsRefused) {
    DiagnosticSink sink;
    parse("$IF=eth0\ninterface ${IF}\n~SEQ(x,1,3) a\n", sink);
    EXPECT_EQ(
        rendered(sink.all()),
        (std::vector<std::string>{"k.conf:1:1: error: keepalived parameter substitution (`$IF=eth0`) is not supported "
                                  "(fix: write the expanded text in place of the $NAME definition and its uses)",
                                  "k.conf:2:11: error: keepalived parameter substitution (`${IF}`) is not supported "
                                  "(fix: write the expanded text in place of the $NAME definition and its uses)",
                                  "k.conf:3:1: error: keepalived sequence expansion (`~SEQ`) is not supported (fix: "
                                  "write out each generated line)"}));
}

TEST(KeepalivedSyntax, IncludesSpliceFilesInGlobOrderRelativeToTheIncluder) {
    InMemoryIncludeResolver files(std::map<std::string, std::string>{
        {"etc/conf.d/b.conf", "b 1\n"}, {"etc/conf.d/a.conf", "a {\n"}, {"etc/other.conf", "x 1\n"}});
    DiagnosticSink sink;
    const auto top = parse_keepalived_syntax("include conf.d/*.conf\n}\n", "etc/main.conf", files, sink);
    EXPECT_TRUE(sink.all().empty()) << ::testing::PrintToString(rendered(sink.all()));
    // a.conf opens a block that b.conf fills and main.conf closes: includes splice lines.
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].keyword.text, "a");
    ASSERT_EQ(top[0].block.size(), 1u);
    EXPECT_EQ(top[0].block[0].keyword.where, (SourceLocation{"etc/conf.d/b.conf", 1, 1}));
}

TEST(KeepalivedSyntax, IncludeCyclesAndDepthAreBounded) {
    InMemoryIncludeResolver files(
        std::map<std::string, std::string>{{"a.conf", "include b.conf\n"}, {"b.conf", "x 1\ninclude a.conf\n"}});
    DiagnosticSink sink;
    const auto top = parse_keepalived_syntax("include b.conf\n", "a.conf", files, sink);
    EXPECT_EQ(rendered(sink.all()),
              (std::vector<std::string>{"b.conf:2:9: error: include cycle: a.conf -> b.conf -> a.conf (fix: remove the "
                                        "include of a.conf from b.conf)"}));
    ASSERT_EQ(top.size(), 1u);

    InMemoryIncludeResolver self(std::map<std::string, std::string>{{"s.conf", "include s.conf\n"}});
    DiagnosticSink deep;
    SyntaxOptions options;
    options.max_include_depth = 3;
    parse_keepalived_syntax("include s.conf\n", "top.conf", self, deep, options);
    ASSERT_EQ(deep.all().size(), 1u);
    EXPECT_EQ(deep.all()[0].message, "include cycle: s.conf -> s.conf");
}

}  // namespace
}  // namespace xvip
