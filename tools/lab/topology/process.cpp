#include "topology/process.hpp"

#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "topology/errors.hpp"

namespace xvip::topo {
namespace {

UniqueFd create_log(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw SystemError("create " + path.string(), errno);
    return fd;
}

Child start_logged(const std::vector<std::string>& argv, const std::filesystem::path& out_path,
                   const std::filesystem::path& err_path) {
    const UniqueFd out = create_log(out_path);
    const UniqueFd err = create_log(err_path);
    return Child(argv, ChildOutput{.stdout_fd = out.get(), .stderr_fd = err.get()});
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Process::Process(const std::vector<std::string>& argv, std::filesystem::path stdout_path,
                 std::filesystem::path stderr_path)
    : stdout_path_(std::move(stdout_path)),
      stderr_path_(std::move(stderr_path)),
      child_(start_logged(argv, stdout_path_, stderr_path_)),
      pid_(child_.pid()) {}

bool Process::running() {
    return !child_.wait_for(0ms).has_value();
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
    return child_.wait_for(timeout);
}

ExitStatus Process::wait(std::chrono::milliseconds timeout) {
    if (auto status = child_.wait_for(timeout)) return *status;
    throw TimeoutError("pid " + std::to_string(pid_) + " `" + format_command(argv()) + "` to exit", timeout);
}

void Process::send_signal(int signal_number) {
    child_.send_signal(signal_number);
}
void Process::signal_group(int signal_number) {
    child_.signal_group(signal_number);
}

ExitStatus Process::stop(std::chrono::milliseconds grace) {
    child_.signal_group(SIGTERM);
    child_.wait_for(grace);
    child_.kill_and_reap();  // what is left of the group, and the leader if it ignored SIGTERM
    if (auto status = child_.exit_status()) return *status;
    throw TimeoutError("pid " + std::to_string(pid_) + " `" + format_command(argv()) + "` to die after SIGKILL", grace);
}

std::string Process::read_stdout() const {
    return read_text_file(stdout_path_);
}
std::string Process::read_stderr() const {
    return read_text_file(stderr_path_);
}

}  // namespace xvip::topo
