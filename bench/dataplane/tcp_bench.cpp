#include "bench/dataplane/tcp_bench.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "topology/poll_until.hpp"

namespace xvip::bench {

namespace {

using namespace std::chrono_literals;

constexpr const char* kNoXdp = "no XDP";
constexpr const char* kTrivial = "trivial XDP";
constexpr const char* kXvip = "xvip";

TcpRound run_iperf(const topo::Topology& topo, BenchNode& bench, const TcpTarget& target, const std::string& config,
                   int round, const TcpSettings& settings, bool pinned) {
    const auto& client = bench.client();
    std::vector<std::string> command{"iperf3",
                                     "--client",
                                     target.server_address,
                                     "--time",
                                     std::to_string(settings.seconds),
                                     "--json",
                                     "--connect-timeout",
                                     "2000"};
    if (pinned) command.insert(command.end(), {"--affinity", "0"});
    const auto run = topo.run(client.netns, command, std::chrono::seconds(settings.seconds + 15));
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(run.out);
    } catch (const nlohmann::json::exception&) {
        throw std::runtime_error("iperf3 printed no JSON (" + run.status.describe() + "): " + run.err);
    }
    if (report.contains("error")) {
        throw std::runtime_error("iperf3 (" + config + "): " + report.at("error").get<std::string>());
    }
    const auto& end = report.at("end");
    return {.config = config,
            .round = round,
            .gbit_per_s = end.at("sum_received").at("bits_per_second").get<double>() / 1e9,
            .retransmits = end.at("sum_sent").value("retransmits", std::uint64_t{0})};
}

std::uint64_t path_frames(const Dataplane& xvip, const TcpTarget& target) {
    const xvip_counters c = xvip.counters();
    return target.gateway ? c.pass_not_vip : c.vip_pass_active;
}

TcpRound one_round(const topo::Topology& topo, BenchNode& bench, const TcpTarget& target, const std::string& config,
                   int round, const TcpSettings& settings, bool pinned) {
    if (config == kTrivial) bench.attach_trivial();
    std::uint64_t passed_before = 0;
    if (config == kXvip) passed_before = path_frames(bench.attach_xvip(target.gateway), target);
    TcpRound result = run_iperf(topo, bench, target, config, round, settings, pinned);
    if (config == kXvip) {
        result.xvip_frames = path_frames(bench.xvip(), target) - passed_before;
        bench.detach_xvip();
    }
    if (config == kTrivial) bench.detach_trivial();
    return result;
}

}  // namespace

TcpResults measure_tcp(topo::Topology& topo, BenchNode& bench, const TcpTarget& target, const TcpSettings& settings,
                       const Progress& progress) {
    TcpResults results{.target = target,
                       .settings = settings,
                       .iperf_version = {},
                       .rounds = {},
                       .no_xdp = {},
                       .trivial = {},
                       .xvip = {}};
    const auto version = topo.run(bench.client().netns, {"iperf3", "--version"});
    results.iperf_version = version.out.substr(0, version.out.find('\n'));

    // Every configuration reaches the VIP the same way: ARP settled once, by hand.
    topo.run_checked(bench.client().netns, {"ip", "neigh", "replace", bench.vip(), "lladdr", bench.node().mac, "dev",
                                            "eth0", "nud", "permanent"});
    results.pinned = settings.pin_cpus && std::thread::hardware_concurrency() >= 2;
    std::vector<std::string> server_command{"iperf3", "--server", "--bind", target.server_address};
    if (results.pinned) server_command.insert(server_command.end(), {"--affinity", "1"});
    auto& server = topo.spawn(target.server_netns, server_command);
    topo::poll_until("iperf3 to listen on " + target.server_address + ":5201", 5s, [&] {
        const auto listening = topo.run(target.server_netns, {"ss", "-Hltn", "sport", "=", ":5201"});
        return listening.success() && !listening.out.empty();
    });

    std::vector<double> no_xdp, trivial, xvip, paired, frames;
    for (int round = 1; round <= settings.rounds; ++round) {
        // The two programs take turns going first, so that whatever the run before leaves behind
        // (socket memory, caches, the last attach) weighs on both alike.
        const auto order = round % 2 == 1 ? std::array{kNoXdp, kTrivial, kXvip} : std::array{kNoXdp, kXvip, kTrivial};
        for (const char* config : order) {
            const TcpRound r = one_round(topo, bench, target, config, round, settings, results.pinned);
            char line[200];
            std::snprintf(line, sizeof line, "  %-11s round %d: %.2f Gbit/s, %llu retransmits", config, round,
                          r.gbit_per_s, static_cast<unsigned long long>(r.retransmits));
            progress.say(line);
            (r.config == kNoXdp ? no_xdp : r.config == kTrivial ? trivial : xvip).push_back(r.gbit_per_s);
            results.rounds.push_back(r);
        }
        paired.push_back(ratio(xvip.back(), trivial.back()));
        const auto& xvip_round = *std::find_if(results.rounds.rbegin(), results.rounds.rend(),
                                               [](const TcpRound& r) { return r.config == kXvip; });
        frames.push_back(static_cast<double>(xvip_round.xvip_frames) / settings.seconds);
    }
    server.stop();
    topo.run(bench.client().netns, {"ip", "neigh", "del", bench.vip(), "dev", "eth0"});
    results.no_xdp = summarize(std::move(no_xdp));
    results.trivial = summarize(std::move(trivial));
    results.xvip = summarize(std::move(xvip));
    results.paired_ratio = summarize(std::move(paired));
    results.xvip_frames_per_s = summarize(std::move(frames));
    return results;
}

}  // namespace xvip::bench
