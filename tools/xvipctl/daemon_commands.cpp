// xvipctl's commands that ask a running xvipd, over its control socket.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/duration.hpp"
#include "daemon/control_client.hpp"
#include "xvipctl/commands.hpp"

namespace xvip::ctl {

namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr const char* default_socket = "/run/xvip/xvipd.sock";

std::string text(const nlohmann::json& j, const char* key, const char* otherwise = "-") {
    if (!j.contains(key) || j[key].is_null()) return otherwise;
    return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

int cmd_status(const std::vector<std::string>& args) {
    po::options_description o("status options");
    o.add_options()("socket", po::value<std::string>()->default_value(default_socket), "xvipd's control socket")(
        "json", "print JSON")("help,h", "show this help");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(o).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(std::string(e.what()) + " (see `xvipctl status --help`)");
    }
    if (vm.count("help")) {
        std::cout << "usage: xvipctl status [options]\n" << o;
        return exit_ok;
    }
    const auto status = control_request(vm["socket"].as<std::string>(), {{"command", "status"}}, 2s);
    if (status.contains("error")) throw std::runtime_error("xvipd says: " + status["error"].get<std::string>());
    if (vm.count("json")) {
        std::cout << status.dump(2) << "\n";
        return exit_ok;
    }
    std::printf("xvipd %s, pid %s, up %s\n", text(status, "version").c_str(), text(status, "pid").c_str(),
                format_duration(std::chrono::milliseconds(status.value("uptime_ms", 0))).c_str());
    std::printf("%-12s %-6s %-9s %-5s %-8s %-8s %-16s %-8s %-9s %s\n", "INSTANCE", "IFACE", "FAMILY/ID",
                "VER", "STATE", "PRIO", "ACTIVE ROUTER", "ADVERT", "LEASE", "LAST TRANSITION");
    for (const auto& i : status["instances"]) {
        std::string last = "-";
        if (i.contains("last_transition")) {
            const auto& t = i["last_transition"];
            const auto ago = std::chrono::system_clock::now().time_since_epoch() -
                             std::chrono::milliseconds(t["unix_time_ms"].get<std::int64_t>());
            last = t["from"].get<std::string>() + "->" + t["to"].get<std::string>() + " " +
                   format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(ago)) + " ago: " +
                   t["cause"].get<std::string>();
        }
        const std::string lease = i.contains("deadline_left_ms")
                                      ? format_duration(std::chrono::milliseconds(i["deadline_left_ms"].get<std::int64_t>()))
                                      : "-";
        std::printf("%-12s %-6s %-9s v%-4s %-8s %-8s %-16s %-8s %-9s %s\n", text(i, "name").c_str(),
                    text(i, "interface").c_str(), (text(i, "family") + "/" + text(i, "vrid")).c_str(),
                    text(i, "version").c_str(), text(i, "state").c_str(), text(i, "priority").c_str(),
                    text(i, "active_router").c_str(),
                    format_duration(std::chrono::milliseconds(i.value("advert_interval_ms", 0))).c_str(),
                    lease.c_str(), last.c_str());
    }
    return exit_ok;
}

const Command commands[] = {
    {"status", cmd_status},
};

}  // namespace

std::span<const Command> daemon_commands() { return commands; }

}  // namespace xvip::ctl
