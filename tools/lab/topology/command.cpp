#include "topology/command.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "topology/errors.hpp"

namespace xvip::topo {
namespace {

// Memory files rather than pipes: the child can never block on a full pipe while we wait for it.
UniqueFd create_capture(const char* name) {
    UniqueFd fd(memfd_create(name, MFD_CLOEXEC));
    if (!fd) throw SystemError(std::string("memfd_create ") + name, errno);
    return fd;
}

std::string read_capture(const UniqueFd& fd) {
    std::string text;
    char buffer[4096];
    for (off_t offset = 0;;) {
        const ssize_t n = pread(fd.get(), buffer, sizeof buffer, offset);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        offset += n;
    }
    return text;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    const UniqueFd out = create_capture("xvip-command-stdout");
    const UniqueFd err = create_capture("xvip-command-stderr");
    Child child(argv, ChildOutput{.stdout_fd = out.get(), .stderr_fd = err.get()});
    const auto status = child.wait_for(timeout);
    if (!status) {
        child.kill_and_reap();
        std::string what = "`" + format_command(argv) + "` to finish";
        const std::string printed = read_capture(out) + read_capture(err);
        if (!printed.empty()) what += " (it printed: " + printed + ")";
        throw TimeoutError(what, timeout);
    }
    return CommandResult{.argv = argv, .status = *status, .out = read_capture(out), .err = read_capture(err)};
}

CommandResult run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    CommandResult result = run_command(argv, timeout);
    if (!result.success()) throw CommandError(argv, result.status.code, result.err);
    return result;
}

}  // namespace xvip::topo
