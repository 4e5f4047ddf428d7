#include "daemon/command_words.hpp"

namespace xvip {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char unescape(char c) {
    switch (c) {
        case 'a': return '\a';
        case 'b': return '\b';
        case 'E': return '\x1b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        default: return c;
    }
}

}  // namespace

ValueOrError<std::vector<std::string>, CommandWordsError> split_command_words(std::string_view line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && is_blank(line[i])) ++i;
        if (i == line.size()) break;
        std::string word;
        char quote = 0;
        for (; i < line.size(); ++i) {
            const char c = line[i];
            if (c == '\\') {
                if (i + 1 < line.size()) word += unescape(line[++i]);
                continue;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word += c;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                continue;
            }
            if (is_blank(c)) break;
            word += c;
        }
        if (quote != 0) {
            return CommandWordsError{"command '" + std::string(line) + "': missing terminating " +
                                     std::string(1, quote)};
        }
        words.push_back(std::move(word));
    }
    if (words.empty()) return CommandWordsError{"empty command"};
    return words;
}

}  // namespace xvip
