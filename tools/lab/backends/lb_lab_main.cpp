// xvip-lb-lab: the load-balancer lab's backends, client and traffic as commands, for labs that are
// not built from this code's topology (tools/vmlab runs them in the namespaces around its QEMU
// guests, where keepalived + IPVS and xvipd take turns as the balancers):
//
//   xvip-lb-lab serve --port P [--udp-port U] NETNS=NAME...
//       In each named network namespace (already set up as a direct-routing backend: the VIP on
//       lo, arp_ignore/arp_announce), a TCP server on P that sends NAME and a newline to each new
//       connection and echoes what follows, and a UDP socket on U that takes datagrams and drops
//       them (so that a flood gets no ICMP back). Prints "serving NAME..." once listening, then
//       serves until SIGTERM or SIGINT.
//   xvip-lb-lab client --vip IP --port P [--interval 200ms]
//       From its own namespace, reads commands on stdin and answers each with one line:
//         open N        N new connections, held:  opened=K asked=N spread=b1:10,b2:10 failed=...
//                       (each held connection sends a byte every interval, as live ones do, and
//                       is broken once it is reset or closed)
//         check         every held connection sends a byte and must get it back within 5 s:
//                       kept=K broken=B spread=...  (broken ones are dropped from the set)
//         new S RATE    for S seconds, RATE new connections a second, each given 1 s to name its
//                       backend, then closed:  attempts=A served=S failed=F first_failed_ms=..
//                       last_failed_ms=.. spread=... failures=MS:PORT:WHY,...  (ms since the
//                       command began, -1: none; each failed attempt's start, local port and
//                       reason: timeout, reset, closed or an errno's name)
//         quit
//   xvip-lb-lab flood --vip IP --port U [--flows 256] [--rate PPS] --duration D --max-packets N
//       UDP datagrams to IP:U from FLOWS source ports in turn, at RATE a second (0: as fast as
//       the socket takes them), until D has passed or N were sent: prints sent=N seconds=S.
//
// Exit status 0 when it ran, 2 for bad usage, 1 when something could not be set up.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "backends/backend_servers.hpp"
#include "backends/service_client.hpp"
#include "common/duration.hpp"
#include "common/unique_fd.hpp"
#include "topology/namespace_thread.hpp"

namespace po = boost::program_options;
using namespace std::chrono;
using namespace xvip;

namespace {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

sockaddr_in address_of(const std::string& ip, std::uint16_t port) {
    sockaddr_in a{.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = {}, .sin_zero = {}};
    if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw UsageError("not an IPv4 address: " + ip);
    return a;
}

std::string spread_text(const std::map<std::string, std::size_t>& spread) {
    std::string out;
    for (const auto& [name, count] : spread) out += (out.empty() ? "" : ",") + name + ":" + std::to_string(count);
    return out.empty() ? "-" : out;
}

// ---- serve ----------------------------------------------------------------------------------------

int serve(const po::variables_map& vm) {
    const auto port = vm["port"].as<std::uint16_t>();
    const auto udp_port = vm["udp-port"].as<std::uint16_t>();
    const auto backends =
        vm.count("backend") ? vm["backend"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (backends.empty()) throw UsageError("serve needs at least one NETNS=NAME");
    // SIGTERM and SIGINT are waited for, not handled: blocked before any thread starts.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    backends::BackendServers servers;
    std::vector<UniqueFd> sinks;  // UDP: bound, never read; the kernel drops what overflows
    std::string names;
    for (const auto& spec : backends) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
            throw UsageError("backend '" + spec + "': expected NETNS=NAME");
        }
        const std::string netns = spec.substr(0, eq), name = spec.substr(eq + 1);
        servers.add(name, topo::run_in_netns(netns, 5s, [port] { return backends::bound_socket(SOCK_STREAM, port); }));
        if (udp_port != 0) {
            sinks.push_back(
                topo::run_in_netns(netns, 5s, [udp_port] { return backends::bound_socket(SOCK_DGRAM, udp_port); }));
        }
        names += (names.empty() ? "" : " ") + name;
    }
    servers.start();
    std::printf("serving %s\n", names.c_str());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop, &signal);
    return 0;
}

// ---- client ---------------------------------------------------------------------------------------

// `new S RATE`: attempts started at RATE a second for S seconds, each with 1 s to name its backend.
std::string new_connections(const std::string& vip, std::uint16_t port, double seconds, double rate) {
    struct Attempt {
        UniqueFd fd;
        steady_clock::time_point started;
        std::string name;
    };
    const sockaddr_in to = address_of(vip, port);
    const auto begin = steady_clock::now();
    const auto end = begin + duration_cast<steady_clock::duration>(duration<double>(seconds));
    const auto period = duration_cast<steady_clock::duration>(duration<double>(1.0 / rate));
    constexpr auto kGiven = 1s;
    std::vector<Attempt> open;
    std::map<std::string, std::size_t> spread;
    long attempts = 0, served = 0, failed = 0, first_failed = -1, last_failed = -1;
    std::string failures;  // MS:PORT:WHY,...
    auto next = begin;
    const auto ms_since_begin = [&](steady_clock::time_point t) {
        return static_cast<long>(duration_cast<milliseconds>(t - begin).count());
    };
    const auto fail = [&](const Attempt& a, const std::string& why) {
        ++failed;
        const long at = ms_since_begin(a.started);
        if (first_failed < 0) first_failed = at;
        last_failed = std::max(last_failed, at);
        sockaddr_in local{};
        socklen_t length = sizeof local;
        const int local_port = a.fd && getsockname(a.fd.get(), reinterpret_cast<sockaddr*>(&local), &length) == 0
                                   ? ntohs(local.sin_port)
                                   : 0;
        failures += (failures.empty() ? "" : ",") + std::to_string(at) + ":" + std::to_string(local_port) + ":" + why;
    };
    while (steady_clock::now() < end || !open.empty()) {
        const auto now = steady_clock::now();
        if (now >= next && now < end) {
            next += period;
            ++attempts;
            Attempt a{UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)), now, {}};
            if (!a.fd ||
                (connect(a.fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)) {
                fail(a, strerrorname_np(errno) ? strerrorname_np(errno) : "connect");
            } else {
                open.push_back(std::move(a));
            }
        }
        std::vector<pollfd> fds;
        for (const auto& a : open) fds.push_back({.fd = a.fd.get(), .events = POLLIN, .revents = 0});
        const auto wake = std::min(now < end ? next : end + kGiven, now + 10ms);
        poll(fds.data(), fds.size(),
             static_cast<int>(std::max<long>(1, duration_cast<milliseconds>(wake - steady_clock::now()).count())));
        std::vector<Attempt> still;
        for (std::size_t i = 0; i < open.size(); ++i) {
            Attempt& a = open[i];
            bool done = false;
            if (fds[i].revents) {
                char buffer[64];
                const ssize_t n = recv(a.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
                if (n > 0) {
                    a.name.append(buffer, static_cast<std::size_t>(n));
                    if (const auto nl = a.name.find('\n'); nl != std::string::npos) {
                        ++served;
                        ++spread[a.name.substr(0, nl)];
                        done = true;
                    }
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    fail(a, n == 0                ? "closed"
                            : errno == ECONNRESET ? "reset"
                                                  : (strerrorname_np(errno) ? strerrorname_np(errno) : "recv"));
                    done = true;
                }
            }
            if (!done && steady_clock::now() - a.started >= kGiven) {
                fail(a, "timeout");
                done = true;
            }
            if (!done) still.push_back(std::move(a));
        }
        open = std::move(still);
    }
    std::ostringstream out;
    out << "attempts=" << attempts << " served=" << served << " failed=" << failed
        << " first_failed_ms=" << first_failed << " last_failed_ms=" << last_failed << " spread=" << spread_text(spread)
        << " failures=" << (failures.empty() ? "-" : failures);
    return out.str();
}

// The client's long-lived connections. Like real ones they carry traffic: every `interval` each
// sends a byte (its backend echoes it), so a connection that a balancer resets meanwhile is seen
// broken, not only one that fails the final check.
class HeldConnections {
public:
    explicit HeldConnections(milliseconds interval) : thread_([this, interval] { chatter(interval); }) {}
    ~HeldConnections() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    void add(backends::Connection c) {
        std::lock_guard lock(mutex_);
        held_.push_back({std::move(c), false});
    }

    // Every connection sends `token` and must get it back within `timeout` (backends::broken);
    // those that do not, or broke since the last check, are dropped. Returns how many were dropped.
    std::size_t check(milliseconds timeout, char token) {
        std::lock_guard lock(mutex_);
        std::vector<backends::Connection> live;
        std::size_t dropped = 0;
        for (auto& h : held_) {
            if (!h.broken) drain(h);
            if (h.broken) {
                ++dropped;
            } else {
                live.push_back(std::move(h.c));
            }
        }
        std::vector<bool> failed(live.size(), false);
        for (const auto& b : backends::broken(live, timeout, token)) failed[b.index] = true;
        held_.clear();
        for (std::size_t i = 0; i < live.size(); ++i) {
            if (failed[i]) {
                ++dropped;
            } else {
                held_.push_back({std::move(live[i]), false});
            }
        }
        return dropped;
    }

    std::size_t size() {
        std::lock_guard lock(mutex_);
        return held_.size();
    }
    std::map<std::string, std::size_t> spread() {
        std::lock_guard lock(mutex_);
        std::map<std::string, std::size_t> out;
        for (const auto& h : held_) ++out[h.c.backend];
        return out;
    }

private:
    struct Held {
        backends::Connection c;
        bool broken;
    };
    // Reads what came back so far; a closed or reset connection is broken.
    static void drain(Held& h) {
        char buffer[256];
        for (;;) {
            const ssize_t n = recv(h.c.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0) continue;
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) h.broken = true;
            return;
        }
    }
    void chatter(milliseconds interval) {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
            for (auto& h : held_) {
                if (h.broken) continue;
                drain(h);
                const char byte = 'k';
                if (!h.broken && send(h.c.fd.get(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1 && errno != EAGAIN) {
                    h.broken = true;
                }
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::vector<Held> held_;
    std::thread thread_;
};

int client(const po::variables_map& vm) {
    const auto vip = vm["vip"].as<std::string>();
    const auto port = vm["port"].as<std::uint16_t>();
    (void)address_of(vip, port);
    const auto interval = parse_duration(vm["interval"].as<std::string>());
    if (!interval || *interval < 10ms || *interval > 10s) throw UsageError("--interval: 10ms to 10s");
    HeldConnections held(duration_cast<milliseconds>(*interval));
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream words(line);
        std::string command;
        words >> command;
        std::string answer;
        if (command == "open") {
            int n = 0;
            words >> n;
            std::size_t opened = 0;
            std::map<std::string, std::size_t> reasons;
            for (int i = 0; i < n; ++i) {
                std::string why;
                if (auto c = backends::connect_to_service(vip, port, &why)) {
                    held.add(std::move(*c));
                    ++opened;
                } else {
                    ++reasons[why];
                }
            }
            answer = "opened=" + std::to_string(opened) + " asked=" + std::to_string(n) +
                     " spread=" + spread_text(held.spread()) + " failed=" + spread_text(reasons);
        } else if (command == "check") {
            const std::size_t broken = held.check(5s, 'c');
            answer = "kept=" + std::to_string(held.size()) + " broken=" + std::to_string(broken) +
                     " spread=" + spread_text(held.spread());
        } else if (command == "new") {
            double seconds = 0, rate = 0;
            words >> seconds >> rate;
            if (!(seconds > 0 && seconds <= 600 && rate > 0 && rate <= 1000)) {
                answer = "error: new takes SECONDS (0-600] and RATE (0-1000]";
            } else {
                answer = new_connections(vip, port, seconds, rate);
            }
        } else if (command == "quit") {
            break;
        } else if (!command.empty()) {
            answer = "error: unknown command '" + command + "' (open N, check, new S RATE, quit)";
        } else {
            continue;
        }
        std::printf("%s\n", answer.c_str());
        std::fflush(stdout);
    }
    return 0;
}

// ---- flood ----------------------------------------------------------------------------------------

int flood(const po::variables_map& vm) {
    const sockaddr_in to = address_of(vm["vip"].as<std::string>(), vm["port"].as<std::uint16_t>());
    const auto flows = vm["flows"].as<unsigned>();
    const auto rate = vm["rate"].as<unsigned>();
    const auto max_packets = vm["max-packets"].as<std::uint64_t>();
    const auto limit = parse_duration(vm["duration"].as<std::string>());
    if (!limit || limit->count() <= 0 || *limit > 600s) throw UsageError("--duration: a duration up to 600s, e.g. 10s");
    if (flows == 0 || flows > 4096) throw UsageError("--flows: 1 to 4096");
    if (max_packets == 0) throw UsageError("--max-packets: at least 1");
    std::vector<UniqueFd> sockets;
    for (unsigned i = 0; i < flows; ++i) {
        UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd || connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
            throw std::system_error(errno, std::generic_category(), "UDP socket to the VIP");
        }
        sockets.push_back(std::move(fd));
    }
    const char payload[18] = "xvip-lb-lab flood";
    const auto begin = steady_clock::now();
    const auto end = begin + duration_cast<steady_clock::duration>(*limit);
    std::uint64_t sent = 0;
    for (std::size_t i = 0; sent < max_packets; ++i) {
        const auto now = steady_clock::now();
        if (now >= end) break;
        if (rate != 0) {
            // Paced: sleep while ahead of the schedule.
            const auto due = begin + duration_cast<steady_clock::duration>(duration<double>(double(sent) / rate));
            if (due > now) std::this_thread::sleep_until(std::min(due, end));
        }
        if (send(sockets[i % flows].get(), payload, sizeof payload, MSG_DONTWAIT) == sizeof payload) ++sent;
    }
    std::printf("sent=%llu seconds=%.3f\n", static_cast<unsigned long long>(sent),
                duration<double>(steady_clock::now() - begin).count());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description options("options");
    options.add_options()("help,h", "this text")("vip", po::value<std::string>(), "the VIP (client, flood)")(
        "port", po::value<std::uint16_t>()->default_value(8080), "the service's TCP port (serve, client), UDP (flood)")(
        "udp-port", po::value<std::uint16_t>()->default_value(0), "serve: also a UDP sink on this port (0: none)")(
        "interval", po::value<std::string>()->default_value("200ms"),
        "client: each held connection sends a byte this often")("flows", po::value<unsigned>()->default_value(256),
                                                                "flood: source ports")(
        "rate", po::value<unsigned>()->default_value(0), "flood: datagrams a second (0: as fast as it can)")(
        "duration", po::value<std::string>()->default_value("10s"), "flood: for how long")(
        "max-packets", po::value<std::uint64_t>()->default_value(10'000'000), "flood: at most this many");
    po::options_description hidden;
    hidden.add_options()("command", po::value<std::string>())("backend", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("command", 1).add("backend", -1);
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
        if (vm.count("help") || !vm.count("command")) {
            std::cout << "usage: xvip-lb-lab serve --port P [--udp-port U] NETNS=NAME...\n"
                         "       xvip-lb-lab client --vip IP --port P   (commands on stdin: open N, check, new S "
                         "RATE, quit)\n"
                         "       xvip-lb-lab flood --vip IP --port U [--flows N] [--rate PPS] --duration D "
                         "--max-packets N\n"
                      << options;
            return vm.count("help") ? 0 : 2;
        }
        const auto command = vm["command"].as<std::string>();
        if (command != "serve" && vm.count("backend")) throw UsageError("unexpected arguments after " + command);
        if ((command == "client" || command == "flood") && !vm.count("vip")) throw UsageError(command + " needs --vip");
        if (command == "serve") return serve(vm);
        if (command == "client") return client(vm);
        if (command == "flood") return flood(vm);
        throw UsageError("unknown command '" + command + "' (serve, client, flood)");
    } catch (const UsageError& e) {
        std::fprintf(stderr, "xvip-lb-lab: %s (see --help)\n", e.what());
        return 2;
    } catch (const po::error& e) {
        std::fprintf(stderr, "xvip-lb-lab: %s (see --help)\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvip-lb-lab: %s\n", e.what());
        return 1;
    }
}
