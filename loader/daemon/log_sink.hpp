// Where the daemon's building blocks report what they cannot return to a caller (a script that
// could not start, a FIFO line dropped): one line each, without a trailing newline. The daemon
// routes it to its logger; tests capture it.
#pragma once

#include <functional>
#include <string_view>

namespace xvip {

using LogSink = std::function<void(std::string_view line)>;

// The default sink: one line on stderr, which systemd puts in the journal.
void log_to_stderr(std::string_view line);

// `sink` if set, otherwise stderr.
inline void log_line(const LogSink& sink, std::string_view line) {
    if (sink) {
        sink(line);
    } else {
        log_to_stderr(line);
    }
}

}  // namespace xvip
