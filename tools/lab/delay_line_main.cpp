// xvip-delay-line: the chaos soak's user-space delay line as a command, for labs that are not built
// from this code's topology (tools/vmlab puts it on a guest's tap, beside sch_netem in the guest):
//
//   xvip-delay-line --netns NS --port IF [--bridge br0] --loss PERCENT --delay 10ms --duration 6s
//                   [--seed N]
//
// Takes IF off the bridge for the duration, relays its frames both ways through a new veth on the
// bridge, dropping PERCENT % and holding the rest for the delay (topology/delay_line.hpp), then
// puts IF back; SIGINT and SIGTERM end it early, the same way. Prints one line:
//   relayed=N dropped=N
// Exit status 0 when it ran, 2 for bad usage, 1 when the relay could not be set up (the port
// stays on its bridge).
#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/duration.hpp"
#include "common/monotonic_clock.hpp"
#include "topology/delay_line.hpp"

using namespace std::chrono;

namespace {

volatile std::sig_atomic_t stop_requested = 0;

int usage(const std::string& message) {
    if (!message.empty()) std::fprintf(stderr, "xvip-delay-line: %s\n", message.c_str());
    std::fprintf(message.empty() ? stdout : stderr,
                 "usage: xvip-delay-line --netns NS --port IF [--bridge br0] --loss PERCENT --delay D "
                 "--duration D [--seed N]\n");
    return message.empty() ? 0 : 2;
}

std::optional<int> parse_int(std::string_view text, int low, int high) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < low || value > high) return std::nullopt;
    return value;
}

}  // namespace

int main(int argc, char** argv) {
    xvip::topo::BridgePort where{{}, "br0", {}};
    std::optional<int> loss;
    std::optional<milliseconds> delay;
    std::optional<milliseconds> duration;
    int seed = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") return usage({});
        if (i + 1 >= argc) return usage("option " + arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--netns") {
            where.netns = value;
        } else if (arg == "--port") {
            where.port = value;
        } else if (arg == "--bridge") {
            where.bridge = value;
        } else if (arg == "--loss") {
            loss = parse_int(value, 0, 100);
            if (!loss) return usage("--loss takes a percentage, 0 to 100 (got '" + value + "')");
        } else if (arg == "--seed") {
            const auto s = parse_int(value, 0, 999999999);
            if (!s) return usage("--seed takes a number (got '" + value + "')");
            seed = *s;
        } else if (arg == "--delay" || arg == "--duration") {
            const auto d = xvip::parse_duration(value);
            if (!d || d->count() < 0) return usage(arg + ": not a duration: '" + value + "'");
            (arg == "--delay" ? delay : duration) = duration_cast<milliseconds>(*d);
        } else {
            return usage("unknown option " + arg);
        }
    }
    if (where.netns.empty())
        return usage("--netns is required (the namespace that holds the bridge; never the root one)");
    if (where.port.empty()) return usage("--port is required");
    if (!loss || !delay || !duration) return usage("--loss, --delay and --duration are required");
    if (*delay > 1s) return usage("--delay: at most 1s");
    if (*duration <= 0ms || *duration > 1h) return usage("--duration: more than 0 and at most 1h");

    struct sigaction action {};
    action.sa_handler = [](int) { stop_requested = 1; };
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    try {
        xvip::topo::DelayLine line(where, *loss, *delay, static_cast<std::uint64_t>(seed));
        const auto end = xvip::monotonic_now() + *duration;
        while (stop_requested == 0 && xvip::monotonic_now() < end) std::this_thread::sleep_for(10ms);
        const auto counts = line.counts();
        std::printf("relayed=%llu dropped=%llu\n", static_cast<unsigned long long>(counts.relayed),
                    static_cast<unsigned long long>(counts.dropped));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvip-delay-line: %s\n", e.what());
        return 1;
    }
}
