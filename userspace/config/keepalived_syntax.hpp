// keepalived.conf's generic syntax, before any keyword means anything: lines of words, `{ }`
// blocks, `#` and `!` comments, double-quoted strings, `include` with globs, and `@name` / `@^name`
// conditional lines. The result is a tree of statements, each with the place it was written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/include_resolver.hpp"

namespace xvip {

struct Word {
    std::string text;
    SourceLocation where;
};

struct Statement {
    Word keyword;
    std::vector<Word> arguments;
    bool has_block = false;
    std::vector<Statement> block;
};

struct SyntaxOptions {
    // keepalived's `-i NAME`: lines `@NAME ...` apply and `@^NAME ...` do not. Unset: every `@x`
    // line is dropped and every `@^x` line applies, as keepalived does without -i.
    std::optional<std::string> instance_name;
    unsigned max_include_depth = 8;
    unsigned max_files = 256;       // bounds what a glob can pull in
    unsigned max_block_depth = 16;  // keepalived's deepest real nesting is 4
};

// Reads `text` (named `file_name` in diagnostics) and everything it includes into statements.
// Syntax errors go to `sink`; the tree holds whatever could still be understood.
std::vector<Statement> parse_keepalived_syntax(std::string_view text, std::string_view file_name,
                                               IncludeResolver& resolver, DiagnosticSink& sink,
                                               const SyntaxOptions& options = {});

}  // namespace xvip
