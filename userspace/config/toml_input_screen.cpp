#include "config/toml_input_screen.hpp"

namespace xvip {
namespace {

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
}

// After these a quote opens a string; anywhere else it is part of a malformed bare word.
bool starts_token(char previous) {
    return previous == '\n' || previous == '=' || previous == '[' || previous == '{' || previous == ',' ||
           previous == '.';
}

bool can_start_key(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '"' || c == '\'' || c == ']';
}

constexpr std::string_view triple_double = "\"\"\"";
constexpr std::string_view triple_single = "'''";

// Walks the text as TOML's lexer would, only far enough to know where table headers, keys and
// strings are: strings and comments are skipped, brackets of values counted.
class Screen {
public:
    Screen(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    std::optional<TomlInputProblem> run() {
        for (std::size_t i = 0; i < text_.size(); ++i) {
            if (is_control(text_[i])) return problem(i, "TOML syntax: control character in the file");
        }
        bool line_start = true;
        std::string open;      // brackets and braces of values not yet closed
        char previous = '\n';  // the last character that was not blank
        std::size_t i = 0;
        while (i < text_.size()) {
            const char c = text_[i];
            const char before = previous;
            if (c != ' ' && c != '\t' && c != '\r' && c != '#') previous = c;
            if (c == '\n') {
                line_start = open.empty();
                ++i;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++i;
            } else if (c == '#') {
                i = skip_to_line_end(i);
            } else if (c == '"' || c == '\'') {
                if (!starts_token(before)) {
                    // toml++ reads such a quote as part of a bare word, and the rest unchecked.
                    return problem(i, "TOML syntax: a quote in the middle of a bare word");
                }
                // Multi-line strings are values only; toml++ 3.3 mishandles them as keys.
                const bool triple = text_.substr(i, 3) == (c == '"' ? triple_double : triple_single);
                const bool in_array = !open.empty() && open.back() == '[';
                const bool value_position =
                    before == '=' || (in_array && (before == '[' || before == ',' || before == '\n'));
                if (triple && !value_position) {
                    return problem(i, "TOML syntax: a multi-line string where a key is expected");
                }
                if (triple && c == '"') {
                    if (const auto at = non_ascii_after_line_ending_backslash(i)) {
                        return problem(*at,
                                       "TOML syntax: a non-ASCII character right after a line-ending backslash "
                                       "(write it as a \\u escape)");
                    }
                }
                i = skip_string(i);
                line_start = false;
            } else if (c == '[' && open.empty() && line_start) {
                std::size_t key = i + 1;
                if (key < text_.size() && text_[key] == '[') ++key;
                while (key < text_.size() && (text_[key] == ' ' || text_[key] == '\t')) ++key;
                if (key < text_.size() && !can_start_key(text_[key])) {
                    return problem(key, "TOML syntax: a table header must start with a key");
                }
                i = key;
                line_start = false;
            } else if (static_cast<unsigned char>(c) >= 0x80) {
                return problem(i, "TOML syntax: a non-ASCII character outside a string or comment");
            } else {
                if (c == '[' || c == '{') {
                    if (!starts_token(before)) {
                        return problem(i, std::string("TOML syntax: `") + c + "` in the middle of a bare word");
                    }
                    open.push_back(c);
                }
                if (c == '}' || (c == ']' && !open.empty())) {
                    // (a `]` with nothing open closes a table header)
                    if (open.empty() || open.back() != (c == '}' ? '{' : '[')) {
                        return problem(i, std::string("TOML syntax: `") + c + "` closes nothing that is open");
                    }
                    open.pop_back();
                }
                line_start = false;
                ++i;
            }
        }
        return std::nullopt;
    }

private:
    std::size_t skip_to_line_end(std::size_t i) const {
        const std::size_t end = text_.find('\n', i);
        return end == std::string_view::npos ? text_.size() : end;
    }

    // In a multi-line basic string starting at `i`, the first character after a line-ending
    // backslash and the blanks it trims, if that is non-ASCII: toml++ 3.3 classifies it with code
    // that is undefined for most non-ASCII characters.
    std::optional<std::size_t> non_ascii_after_line_ending_backslash(std::size_t i) const {
        const std::size_t end = skip_string(i);
        for (std::size_t j = i + 3; j < end; ++j) {
            if (text_[j] != '\\') continue;
            std::size_t k = j + 1;
            while (k < end && (text_[k] == ' ' || text_[k] == '\t' || text_[k] == '\r')) ++k;
            if (k >= end || text_[k] != '\n') {
                ++j;  // an escape: skip what it escapes
                continue;
            }
            while (k < end && (text_[k] == ' ' || text_[k] == '\t' || text_[k] == '\r' || text_[k] == '\n')) ++k;
            if (k < end && static_cast<unsigned char>(text_[k]) >= 0x80) return k;
            j = k - 1;
        }
        return std::nullopt;
    }

    std::size_t skip_string(std::size_t i) const {
        const char quote = text_[i];
        const std::string_view triple = quote == '"' ? triple_double : triple_single;
        if (text_.substr(i, 3) == triple) {
            const std::size_t end = text_.find(triple, i + 3);
            return end == std::string_view::npos ? text_.size() : end + 3;
        }
        for (std::size_t j = i + 1; j < text_.size(); ++j) {
            if (text_[j] == '\n') return j;
            if (quote == '"' && text_[j] == '\\') {
                ++j;
                continue;
            }
            if (text_[j] == quote) return j + 1;
        }
        return text_.size();
    }

    TomlInputProblem problem(std::size_t offset, std::string message) const {
        unsigned line = 1;
        unsigned column = 1;
        for (std::size_t i = 0; i < offset; ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return {{file_, line, column}, std::move(message)};
    }

    std::string_view text_;
    const std::string& file_;
};

}  // namespace

std::optional<TomlInputProblem> screen_toml_input(std::string_view text, const std::string& file) {
    return Screen(text, file).run();
}

}  // namespace xvip
