#include "topology/errors.hpp"

#include <cstring>

namespace xvip::topo {
namespace {

bool needs_quotes(const std::string& arg) {
    return arg.empty() || arg.find_first_of(" \t\n'\"\\$`") != std::string::npos;
}

std::string describe_failure(const std::vector<std::string>& argv, int exit_code, const std::string& stderr_text) {
    std::string message = "command `" + format_command(argv) + "` ";
    message += exit_code < 0 ? "could not be started" : "exited " + std::to_string(exit_code);
    if (!stderr_text.empty()) message += ": " + stderr_text;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return message;
}

}  // namespace

std::string format_command(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv) {
        if (!line.empty()) line += ' ';
        if (!needs_quotes(arg)) {
            line += arg;
            continue;
        }
        line += '\'';
        for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

CommandError::CommandError(std::vector<std::string> argv, int exit_code, std::string stderr_text)
    : std::runtime_error(describe_failure(argv, exit_code, stderr_text)),
      argv_(std::move(argv)),
      exit_code_(exit_code),
      stderr_(std::move(stderr_text)) {}

TimeoutError::TimeoutError(const std::string& what, std::chrono::milliseconds waited)
    : std::runtime_error("timed out after " + std::to_string(waited.count()) + " ms waiting for " + what) {}

SystemError::SystemError(const std::string& doing, int error_number)
    : std::runtime_error(doing + ": " + std::strerror(error_number)), errno_(error_number) {}

}  // namespace xvip::topo
