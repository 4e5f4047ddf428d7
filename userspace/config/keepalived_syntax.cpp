#include "config/keepalived_syntax.hpp"

#include <algorithm>
#include <memory>

namespace xvip {
namespace {

enum class TokenKind { word, open, close, end_of_line };

struct Token {
    TokenKind kind = TokenKind::word;
    Word word;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Turns files into one token stream, splicing included files in where they are named: keepalived
// includes work line by line, so a block may even open in one file and close in another.
class Tokenizer {
public:
    Tokenizer(IncludeResolver& resolver, DiagnosticSink& sink, const SyntaxOptions& options)
        : resolver_(resolver), sink_(sink), options_(options) {}

    void add_file(std::string_view text, const std::string& name) {
        ++files_read_;
        include_stack_.push_back(name);
        std::size_t line_number = 0;
        std::size_t start = 0;
        while (start <= text.size()) {
            const std::size_t end = std::min(text.find('\n', start), text.size());
            ++line_number;
            add_line(text.substr(start, end - start), name, static_cast<unsigned>(line_number));
            if (end == text.size()) break;
            start = end + 1;
        }
        include_stack_.pop_back();
    }

    std::vector<Token> take() { return std::move(tokens_); }

private:
    void add_line(std::string_view line, const std::string& file, unsigned line_number) {
        std::vector<Token> words = split(line, file, line_number);
        if (words.empty()) return;
        if (words.front().kind == TokenKind::word && words.front().word.text.starts_with('@')) {
            if (!condition_holds(words.front().word.text)) return;
            words.erase(words.begin());
            if (words.empty()) return;
        }
        if (words.front().kind == TokenKind::word && words.front().word.text == "include") {
            include(words, file);
            return;
        }
        for (Token& token : words) {
            if (token.kind == TokenKind::word && refuse_substitution(token.word)) return;
            tokens_.push_back(std::move(token));
        }
        tokens_.push_back(Token{TokenKind::end_of_line, {{}, {file, line_number, 0}}});
    }

    bool condition_holds(std::string_view prefix) const {
        const bool negated = prefix.starts_with("@^");
        const std::string_view name = prefix.substr(negated ? 2 : 1);
        const bool matches = options_.instance_name && *options_.instance_name == name;
        return negated ? !matches : matches;
    }

    // keepalived's $NAME definitions and ~SEQ/~LST generators: rarely used, and a half-done
    // expansion would be worse than a clear refusal.
    bool refuse_substitution(const Word& word) {
        if (word.text.starts_with('$') || word.text.find("${") != std::string::npos) {
            sink_.error(word.where, "keepalived parameter substitution (`" + word.text + "`) is not supported",
                        "write the expanded text in place of the $NAME definition and its uses");
            return true;
        }
        if (word.text.starts_with("~SEQ") || word.text.starts_with("~LST")) {
            sink_.error(word.where, "keepalived sequence expansion (`" + word.text.substr(0, 4) + "`) is not supported",
                        "write out each generated line");
            return true;
        }
        return false;
    }

    void include(const std::vector<Token>& words, const std::string& file) {
        const SourceLocation& where = words.front().word.where;
        if (words.size() < 2) {
            sink_.error(where, "`include` names no file", "write `include PATH-OR-GLOB`");
            return;
        }
        if (include_stack_.size() > options_.max_include_depth) {
            sink_.error(where, "includes nested more than " + std::to_string(options_.max_include_depth) + " deep",
                        "flatten the include chain");
            return;
        }
        for (std::size_t i = 1; i < words.size(); ++i) {
            const Token& pattern = words[i];
            if (pattern.kind != TokenKind::word) {
                sink_.error(pattern.word.where, "`include` must stand on a line of its own",
                            "move the braces to the next line");
                return;
            }
            const auto names = resolver_.expand(pattern.word.text, file);
            if (names.empty()) {
                sink_.warning(pattern.word.where, "include pattern `" + pattern.word.text + "` matches no file",
                              "check the path; it is relative to " + file);
            }
            for (const std::string& name : names) include_one(name, pattern.word.where);
        }
    }

    void include_one(const std::string& name, const SourceLocation& where) {
        const auto open = std::find(include_stack_.begin(), include_stack_.end(), name);
        if (open != include_stack_.end()) {
            std::string chain;
            for (auto it = open; it != include_stack_.end(); ++it) chain += *it + " -> ";
            sink_.error(where, "include cycle: " + chain + name,
                        "remove the include of " + name + " from " + include_stack_.back());
            return;
        }
        if (files_read_ >= options_.max_files) {
            sink_.error(where, "more than " + std::to_string(options_.max_files) + " files included",
                        "include fewer files");
            return;
        }
        const auto text = resolver_.read(name);
        if (!text) {
            sink_.error(where, "cannot read included file " + name, "check it exists and is readable");
            return;
        }
        add_file(*text, name);
    }

    std::vector<Token> split(std::string_view line, const std::string& file, unsigned line_number) {
        std::vector<Token> words;
        std::size_t i = 0;
        auto at = [&](std::size_t column) {
            return SourceLocation{file, line_number, static_cast<unsigned>(column + 1)};
        };
        while (i < line.size()) {
            const char c = line[i];
            if (is_space(c)) {
                ++i;
            } else if (c == '#' || c == '!') {
                break;  // a comment runs to the end of the line
            } else if (c == '{' || c == '}') {
                words.push_back({c == '{' ? TokenKind::open : TokenKind::close, {std::string(1, c), at(i)}});
                ++i;
            } else if (c == '"') {
                const std::size_t start = i++;
                std::string text;
                bool closed = false;
                while (i < line.size()) {
                    if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
                        text += line[i + 1];
                        i += 2;
                    } else if (line[i] == '"') {
                        closed = true;
                        ++i;
                        break;
                    } else {
                        text += line[i++];
                    }
                }
                if (!closed) {
                    sink_.error(at(start), "unterminated quoted string", "add the closing \"");
                }
                words.push_back({TokenKind::word, {std::move(text), at(start)}});
            } else {
                const std::size_t start = i;
                while (i < line.size() && !is_space(line[i]) && line[i] != '{' && line[i] != '}' && line[i] != '"') {
                    // keepalived's ${NAME} is one word, braces and all (refused later, but whole).
                    if (line[i] == '$' && i + 1 < line.size() && line[i + 1] == '{') {
                        const std::size_t close = line.find('}', i);
                        i = close == std::string_view::npos ? line.size() : close + 1;
                        continue;
                    }
                    ++i;
                }
                words.push_back({TokenKind::word, {std::string(line.substr(start, i - start)), at(start)}});
            }
        }
        return words;
    }

    IncludeResolver& resolver_;
    DiagnosticSink& sink_;
    const SyntaxOptions& options_;
    std::vector<std::string> include_stack_;
    unsigned files_read_ = 0;
    std::vector<Token> tokens_;
};

// Builds the statement tree from the token stream.
class TreeBuilder {
public:
    TreeBuilder(const std::vector<Token>& tokens, DiagnosticSink& sink, unsigned max_depth)
        : tokens_(tokens), sink_(sink), max_depth_(max_depth) {}

    std::vector<Statement> build() {
        std::vector<Statement> top = block(0, nullptr);
        return top;
    }

private:
    // Reads statements up to the `}` that closes this block (or the end, at the top level).
    std::vector<Statement> block(unsigned depth, const Word* opened_by) {
        std::vector<Statement> statements;
        Statement pending;
        bool has_pending = false;
        auto flush = [&] {
            if (has_pending) statements.push_back(std::move(pending));
            pending = Statement{};
            has_pending = false;
        };
        while (next_ < tokens_.size()) {
            const Token& token = tokens_[next_++];
            switch (token.kind) {
                case TokenKind::word:
                    if (!has_pending) {
                        pending.keyword = token.word;
                        has_pending = true;
                    } else {
                        pending.arguments.push_back(token.word);
                    }
                    break;
                case TokenKind::end_of_line: flush(); break;
                case TokenKind::open: {
                    Statement* owner = nullptr;
                    if (has_pending) {
                        owner = &pending;
                    } else if (!statements.empty() && !statements.back().has_block) {
                        owner = &statements.back();  // `{` on the line after its keyword
                    }
                    if (owner == nullptr) {
                        sink_.error(token.word.where, "`{` opens a block with no keyword before it",
                                    "write the block's keyword before the `{`");
                        skip_block(token.word);
                        break;
                    }
                    if (depth + 1 >= max_depth_) {
                        sink_.error(token.word.where, "blocks nested too deep",
                                    "keepalived.conf never nests more than a few levels");
                        skip_block(token.word);
                        owner->has_block = true;
                        break;
                    }
                    owner->has_block = true;
                    owner->block = block(depth + 1, &token.word);
                    if (owner == &pending) flush();
                    break;
                }
                case TokenKind::close:
                    flush();
                    if (opened_by == nullptr) {
                        sink_.error(token.word.where, "`}` closes no block", "remove this `}`");
                        break;
                    }
                    return statements;
            }
        }
        flush();
        if (opened_by != nullptr) {
            sink_.error(opened_by->where, "block is never closed", "add the matching `}`");
        }
        return statements;
    }

    void skip_block(const Word& opened_by) {
        unsigned open = 1;
        while (next_ < tokens_.size() && open > 0) {
            const TokenKind kind = tokens_[next_++].kind;
            if (kind == TokenKind::open) ++open;
            if (kind == TokenKind::close) --open;
        }
        if (open > 0) {
            sink_.error(opened_by.where, "block is never closed", "add the matching `}`");
        }
    }

    const std::vector<Token>& tokens_;
    DiagnosticSink& sink_;
    unsigned max_depth_;
    std::size_t next_ = 0;
};

}  // namespace

std::vector<Statement> parse_keepalived_syntax(std::string_view text, std::string_view file_name,
                                               IncludeResolver& resolver, DiagnosticSink& sink,
                                               const SyntaxOptions& options) {
    Tokenizer tokenizer(resolver, sink, options);
    tokenizer.add_file(text, std::string(file_name));
    const std::vector<Token> tokens = tokenizer.take();
    return TreeBuilder(tokens, sink, options.max_block_depth).build();
}

}  // namespace xvip
