#include "daemon/log_sink.hpp"

#include <unistd.h>

#include <string>

namespace xvip {

void log_to_stderr(std::string_view line) {
    std::string text(line);
    text += '\n';
    // One write per line, so that lines of concurrent writers (scripts share our stderr) interleave
    // whole; nothing to do if stderr is gone.
    (void)!::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace xvip
