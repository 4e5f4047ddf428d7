// Renders docs/keepalived-keywords.md from the keyword table, so the document cannot drift from
// what the reader does.
#include "config/keepalived_keywords.hpp"

namespace xvip {
namespace {

std::string_view shape_name(KeywordShape shape) {
    switch (shape) {
        case KeywordShape::value: return "value";
        case KeywordShape::block: return "block";
        case KeywordShape::list: return "list";
    }
    return "?";
}

std::string escape_cell(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        if (c == '|') escaped += '\\';
        escaped += c;
    }
    return escaped;
}

}  // namespace

std::string render_keepalived_keywords_markdown() {
    const KeywordCounts counts = count_keepalived_keywords();
    std::string text =
        "# keepalived.conf keywords in xvip\n"
        "\n"
        "<!-- Generated from userspace/config/keepalived_keywords.cpp; test_config checks that they\n"
        "     agree. Regenerate: XVIP_UPDATE_DOCS=1 build/tests/unit/config/test_config -->\n"
        "\n"
        "xvipd reads keepalived.conf directly. Every keyword keepalived 2.3 knows is listed here with\n"
        "what xvip does with it:\n"
        "\n"
        "- **supported**: mapped to xvip's model (the note names the native TOML setting);\n"
        "- **ignored (warning)**: read, reported as a warning naming file and line, without effect;\n"
        "  an ignored block (e.g. `garp_group`) gives one warning and its contents are still\n"
        "  checked, so a misspelt keyword inside it is an error;\n"
        "- **error**: the configuration is refused, because running without the keyword would\n"
        "  change behaviour; the note says what to do instead.\n"
        "\n"
        "A keyword not listed here is an error naming file and line.\n"
        "\n"
        "Syntax: `#` and `!` start comments; double quotes group words; `include` takes globs,\n"
        "relative to the including file (nesting depth and cycles are checked); `@NAME` and `@^NAME`\n"
        "line prefixes are honoured (no `-i` instance name: `@NAME` lines are dropped, `@^NAME`\n"
        "lines kept); `$NAME` parameter substitution and `~SEQ`/`~LST` are errors.\n"
        "\n"
        "Totals: " +
        std::to_string(counts.supported) + " supported, " + std::to_string(counts.ignored) +
        " ignored with a warning, " + std::to_string(counts.refused) + " errors.\n";

    bool first = true;
    KeywordSection current = KeywordSection::top_level;
    for (const KeywordRule& rule : keepalived_keyword_table()) {
        if (first || rule.section != current) {
            current = rule.section;
            first = false;
            text += "\n## ";
            text += to_string(current);
            text += "\n\n| keyword | shape | xvip | note |\n|---|---|---|---|\n";
        }
        text += "| `";
        text += rule.keyword;
        text += "` | ";
        text += shape_name(rule.shape);
        text += " | ";
        text += to_string(rule.support);
        text += " | ";
        text += escape_cell(rule.note);
        text += " |\n";
    }
    return text;
}

}  // namespace xvip
