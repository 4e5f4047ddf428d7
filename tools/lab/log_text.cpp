#include "lab/log_text.hpp"

namespace xvip::lab {

std::string tail_lines(const std::string& text, std::size_t count) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (std::size_t n = 0; n < count; ++n) {
        if (pos == 0) return text;
        const auto newline = text.rfind('\n', pos - 1);
        if (newline == std::string::npos) return text;
        pos = newline;
    }
    return text.substr(pos + 1);
}

}  // namespace xvip::lab
