// What xvipd does with the bytes a client writes to its control socket: ControlRequestReader, the
// server's own framing and parsing, fed the input once whole and once in pieces whose sizes the
// input chooses. The answers must not depend on how the stream was cut, and each must be one line
// holding a JSON object.
#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/control_server.hpp"
#include "fuzz_targets.hpp"

namespace {

using json = nlohmann::json;

// Small, so that oversized requests are within the fuzzer's reach (the daemon allows 64 KiB).
constexpr std::size_t max_request_bytes = 256;

void require(bool condition) {
    if (!condition) std::abort();
}

// Reads a request as Daemon::handle_request does (typed look-ups with defaults, which throw on a
// member of the wrong type) against one instance held in memory: the daemon's own dispatcher needs
// its sockets and XDP.
class DaemonStandIn {
public:
    json operator()(const json& request) {
        const auto command = request.value("command", "");
        if (command == "status") {
            return {{"instances", json::array({{{"name", "VI_1"}, {"maintenance", in_maintenance_}}})}};
        }
        if (command == "maintenance") {
            const auto name = request.value("instance", "");
            const bool on = request.value("on", true);
            const auto reason = request.value("reason", "");
            if (name != "VI_1") return {{"error", "no instance named '" + name + "'"}};
            if (on == in_maintenance_) return {{"error", name + " is already where it was asked to go"}};
            in_maintenance_ = on;
            return {{"instance", name}, {"maintenance", on}, {"reason", reason}};
        }
        return {{"error", "unknown command '" + command + "'; known: status, maintenance"}};
    }

private:
    bool in_maintenance_ = false;
};

std::string answers_to(std::string_view bytes, std::span<const std::uint8_t> piece_sizes) {
    DaemonStandIn daemon;
    const xvip::ControlHandler handler = [&daemon](const json& request) { return daemon(request); };
    xvip::ControlRequestReader reader(max_request_bytes);
    std::string answers;
    if (piece_sizes.empty()) {
        reader.feed(bytes, handler, answers);
        return answers;
    }
    for (std::size_t at = 0, i = 0; at < bytes.size(); ++i) {
        const std::size_t size = 1 + piece_sizes[i % piece_sizes.size()] % 64;
        reader.feed(bytes.substr(at, size), handler, answers);
        at += size;
    }
    return answers;
}

}  // namespace

namespace xvip::fuzz {

Outcome control_request(std::span<const std::uint8_t> input) {
    const std::string_view bytes(reinterpret_cast<const char*>(input.data()), input.size());
    const std::string answers = answers_to(bytes, {});
    require(answers_to(bytes, input) == answers);

    std::size_t count = 0;
    bool all_succeeded = true;
    for (std::size_t start = 0; start < answers.size(); ++count) {
        const std::size_t newline = answers.find('\n', start);
        require(newline != std::string::npos);
        const json answer = json::parse(answers.substr(start, newline - start), nullptr, false);
        require(answer.is_object());
        all_succeeded = all_succeeded && !answer.contains("error");
        start = newline + 1;
    }
    // At most one answer per line, and one more for a last line that grew too long.
    require(count <= static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n')) + 1);
    return count > 0 && all_succeeded ? Outcome::accepted : Outcome::refused;
}

}  // namespace xvip::fuzz
