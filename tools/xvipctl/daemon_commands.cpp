// xvipctl's commands that ask a running xvipd, over its control socket.
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/duration.hpp"
#include "daemon/control_client.hpp"
#include "xvipctl/command_line.hpp"
#include "xvipctl/commands.hpp"
#include "xvipctl/virtual_services_text.hpp"

namespace xvip::ctl {

namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr const char* default_socket = "/run/xvip/xvipd.sock";

std::string text(const nlohmann::json& j, const char* key, const char* otherwise = "-") {
    if (!j.contains(key) || j[key].is_null()) return otherwise;
    return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

using Parsed = ParsedArgs;

// Every command here talks to xvipd's control socket.
Parsed parse(std::string_view command, const std::vector<std::string>& args, po::options_description o,
             std::string_view positional_usage = {}) {
    o.add_options()("socket", po::value<std::string>()->default_value(default_socket), "xvipd's control socket");
    return parse_command(command, args, std::move(o), positional_usage);
}

nlohmann::json ask(const Parsed& p, const nlohmann::json& request) {
    auto answer = control_request(p.vm["socket"].as<std::string>(), request, 2s);
    if (answer.contains("error")) throw std::runtime_error("xvipd says: " + answer["error"].get<std::string>());
    return answer;
}

std::string describe_transition(const nlohmann::json& instance) {
    const auto& t = instance["last_transition"];
    return text(instance, "name") + " " + t["from"].get<std::string>() + " -> " + t["to"].get<std::string>() + " (" +
           t["cause"].get<std::string>() + "), priority " + text(instance, "priority");
}

int cmd_status(const std::vector<std::string>& args) {
    const auto p = parse("status", args, po::options_description("status options"));
    const auto status = ask(p, {{"command", "status"}});
    if (p.json()) {
        std::cout << status.dump(2) << "\n";
        return exit_ok;
    }
    std::printf("xvipd %s, pid %s, up %s\n", text(status, "version").c_str(), text(status, "pid").c_str(),
                format_duration(std::chrono::milliseconds(status.value("uptime_ms", 0))).c_str());
    std::printf("%-12s %-6s %-9s %-5s %-8s %-8s %-16s %-8s %-9s %s\n", "INSTANCE", "IFACE", "FAMILY/ID", "VER", "STATE",
                "PRIO", "ACTIVE ROUTER", "ADVERT", "LEASE", "LAST TRANSITION");
    for (const auto& i : status["instances"]) {
        std::string last = "-";
        if (i.contains("last_transition")) {
            const auto& t = i["last_transition"];
            const auto ago =
                std::chrono::system_clock::now() -
                std::chrono::system_clock::time_point(std::chrono::milliseconds(t["unix_time_ms"].get<std::int64_t>()));
            last = t["from"].get<std::string>() + "->" + t["to"].get<std::string>() + " " +
                   format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(ago)) +
                   " ago: " + t["cause"].get<std::string>();
        }
        const std::string lease =
            i.contains("deadline_left_ms")
                ? format_duration(std::chrono::milliseconds(i["deadline_left_ms"].get<std::int64_t>()))
                : "-";
        std::printf("%-12s %-6s %-9s v%-4s %-8s %-8s %-16s %-8s %-9s %s\n", text(i, "name").c_str(),
                    text(i, "interface").c_str(), (text(i, "family") + "/" + text(i, "vrid")).c_str(),
                    text(i, "version").c_str(), text(i, "state").c_str(), text(i, "priority").c_str(),
                    text(i, "active_router").c_str(),
                    format_duration(std::chrono::milliseconds(i.value("advert_interval_ms", 0))).c_str(), lease.c_str(),
                    last.c_str());
    }
    if (status.contains("bfd_sessions") && !status["bfd_sessions"].empty()) {
        std::printf("\n%-12s %-16s %-6s %-6s %-32s %-10s %s\n", "BFD SESSION", "NEIGHBOR", "STATE", "REMOTE", "DIAG",
                    "DETECTION", "LARGEST GAP");
        for (const auto& b : status["bfd_sessions"]) {
            std::printf("%-12s %-16s %-6s %-6s %-32s %-10s %s\n", text(b, "name").c_str(), text(b, "neighbor").c_str(),
                        text(b, "state").c_str(), text(b, "remote_state").c_str(), text(b, "diag").c_str(),
                        (std::to_string(b.value("detection_time_ms", 0.0)).substr(0, 6) + "ms").c_str(),
                        (std::to_string(b.value("largest_gap_ms", 0.0)).substr(0, 6) + "ms").c_str());
        }
    }
    if (const std::string services = virtual_services_text(status); !services.empty()) {
        std::printf("\n%s", services.c_str());
    }
    if (status.contains("reload") && status["reload"].value("result", "") == "refused") {
        std::printf("last reload refused %s ago, still running the previous configuration: %s\n",
                    format_duration(std::chrono::milliseconds(status["reload"].value("ms_ago", 0))).c_str(),
                    text(status["reload"], "error").c_str());
    }
    return exit_ok;
}

int cmd_maintenance(const std::vector<std::string>& args) {
    po::options_description o("maintenance options");
    o.add_options()("reason", po::value<std::string>()->default_value(""), "why, for the log and status");
    const auto p = parse("maintenance", args, o, "on|off INSTANCE");
    if (p.positional.size() != 2 || (p.positional[0] != "on" && p.positional[0] != "off")) {
        throw UsageError("expected `maintenance on INSTANCE` or `maintenance off INSTANCE`");
    }
    const bool on = p.positional[0] == "on";
    const auto answer = ask(p, {{"command", "maintenance"},
                                {"instance", p.positional[1]},
                                {"on", on},
                                {"reason", p.vm["reason"].as<std::string>()}});
    if (p.json()) {
        std::cout << answer.dump(2) << "\n";
    } else {
        std::printf("%s: %s\n", p.positional[1].c_str(),
                    on ? "leaving the election (make-before-break handover if active)" : "rejoining the election");
    }
    return exit_ok;
}

volatile std::sig_atomic_t watch_interrupted = 0;

int cmd_watch(const std::vector<std::string>& args) {
    po::options_description o("watch options");
    o.add_options()("for", po::value<std::string>(), "stop after this long (default: until Ctrl-C)")(
        "interval", po::value<std::string>()->default_value("50ms"), "how often to ask xvipd");
    const auto p = parse("watch", args, o);
    const auto interval = parse_duration(p.vm["interval"].as<std::string>());
    if (!interval || *interval < 1ms) throw UsageError("--interval takes a duration of at least 1ms, e.g. 50ms");
    std::optional<std::chrono::nanoseconds> limit;
    if (p.vm.count("for")) {
        limit = parse_duration(p.vm["for"].as<std::string>());
        if (!limit) throw UsageError("--for takes a duration, e.g. 30s");
    }
    std::signal(SIGINT, [](int) { watch_interrupted = 1; });
    std::map<std::string, std::int64_t> seen;  // instance -> time of the transition last shown
    const auto start = std::chrono::steady_clock::now();
    bool first = true;
    while (!watch_interrupted && (!limit || std::chrono::steady_clock::now() - start < *limit)) {
        const auto status = ask(p, {{"command", "status"}});
        for (const auto& instance : status["instances"]) {
            if (!instance.contains("last_transition")) continue;
            const auto when = instance["last_transition"]["unix_time_ms"].get<std::int64_t>();
            auto& last = seen[instance["name"].get<std::string>()];
            if (when == last) continue;
            last = when;
            if (p.json()) {
                std::cout << nlohmann::json{{"instance", instance["name"]},
                                            {"transition", instance["last_transition"]},
                                            {"priority", instance["priority"]}}
                                 .dump()
                          << std::endl;
            } else {
                const std::time_t seconds = when / 1000;
                char clock[16];
                std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&seconds));
                std::printf("%s.%03lld %s%s\n", clock, static_cast<long long>(when % 1000),
                            describe_transition(instance).c_str(), first ? " [current]" : "");
                std::fflush(stdout);
            }
        }
        first = false;
        std::this_thread::sleep_for(*interval);
    }
    return exit_ok;
}

const Command commands[] = {
    {"status", cmd_status},
    {"maintenance", cmd_maintenance},
    {"watch", cmd_watch},
};

}  // namespace

std::span<const Command> daemon_commands() {
    return commands;
}

}  // namespace xvip::ctl
