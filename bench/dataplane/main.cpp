// xvip-bench-dataplane: what the XDP data plane costs, against baselines measured in the same run.
// See dataplane.md in the output directory for the methods; progress goes to stdout as it runs.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "bench/dataplane/arp_rate_bench.hpp"
#include "bench/dataplane/bench_node.hpp"
#include "bench/dataplane/machine_info.hpp"
#include "bench/dataplane/plots.hpp"
#include "bench/dataplane/progress.hpp"
#include "bench/dataplane/report.hpp"
#include "bench/dataplane/state_write_bench.hpp"
#include "bench/dataplane/tcp_bench.hpp"
#include "bench/dataplane/test_run_bench.hpp"
#include "bench/dataplane/veth_pair.hpp"
#include "topology/gateway_segment.hpp"
#include "topology/load_average.hpp"
#include "topology/topology.hpp"

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace xvip;
using namespace xvip::bench;

struct Options {
    fs::path out = "bench/results";
    TestRunSettings test_run;
    ArpRateSettings arp;
    TcpSettings tcp;
    StateWriteSettings state;
};

// nullopt: --help was printed, or the command line was wrong (exit code in `exit_code`).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options options;
    std::string out;
    double arp_seconds = 2;
    bool quick = false;
    po::options_description described(
        "xvip-bench-dataplane: the XDP data plane's cost against "
        "baselines measured in the same run (needs root)");
    described.add_options()("help,h", "this text")("out", po::value(&out)->default_value("bench/results"),
                                                   "directory for dataplane.md, the CSVs and the PNGs")(
        "tcp-seconds", po::value(&options.tcp.seconds)->default_value(2), "length of each iperf3 run")(
        "arp-seconds", po::value(&arp_seconds)->default_value(2.0), "upper bound of each ARP blaster round")(
        "arp-rounds", po::value(&options.arp.rounds)->default_value(5), "ARP rounds per side")(
        "tcp-rounds", po::value(&options.tcp.rounds)->default_value(10), "TCP rounds per configuration")(
        "quick", po::bool_switch(&quick), "a smoke run: far fewer repeats, 1 s runs, 1 round");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, described), vm);
        po::notify(vm);
    } catch (const po::error& error) {
        std::cerr << "xvip-bench-dataplane: " << error.what() << "\n" << described;
        exit_code = 2;
        return std::nullopt;
    }
    if (vm.count("help")) {
        std::cout << described;
        exit_code = 0;
        return std::nullopt;
    }
    if (options.tcp.seconds < 1 || options.tcp.seconds > 30 || arp_seconds <= 0 || arp_seconds > 30 ||
        options.tcp.rounds < 1 || options.tcp.rounds > 10 || options.arp.rounds < 1 || options.arp.rounds > 10) {
        std::cerr << "xvip-bench-dataplane: --tcp-seconds and --arp-seconds take 1 to 30 s, "
                     "--arp-rounds and --tcp-rounds 1 to 10\n";
        exit_code = 2;
        return std::nullopt;
    }
    options.out = out;
    options.arp.max_time = std::chrono::milliseconds(static_cast<long>(arp_seconds * 1000));
    if (quick) {
        options.test_run = {.repeat = 100'000, .repeat_rounds = 3, .single_runs = 2'000, .single_rounds = 2};
        options.arp.max_time = std::chrono::milliseconds(1000);
        options.arp.rounds = 1;
        options.tcp = {.seconds = 1, .rounds = 1};
        options.state = {.writes = 100'000, .loop_writes = 1'000'000, .syscall_writes = 20'000};
    }
    return options;
}

std::string machine_line(const MachineInfo& m) {
    return m.cpu_model + ", " + std::to_string(m.cores) + " cores" + (m.virtual_machine ? " (VM)" : "") + ", kernel " +
           m.kernel + ", " + m.date_utc;
}

BenchResults run(const Options& options, const Progress& progress) {
    BenchResults results;
    results.machine = read_machine_info();
    progress.say("machine: " + machine_line(results.machine) + ", load average " + results.machine.load_before);

    progress.say("1/4 ns per frame with BPF_PROG_TEST_RUN: trivial XDP_PASS program vs xvip");
    results.frames = measure_frame_costs(options.test_run, progress);

    {
        progress.say("building node0 and client0 on one veth pair");
        const VethPair pair;
        BenchNode bench(pair.node(), pair.client());
        bench.hold_vip_as_xvipd();
        progress.say("veth pair " + pair.run_id() + " ready");
        progress.say("2/4 ARP replies per second at client0: xvip's XDP vs the kernel's ARP");
        results.arp = measure_arp_rates(pair, bench, options.arp, progress);
        progress.say("removing the veth pair");
    }

    progress.say("building the namespace topology (node0, client0, a bridge)");
    topo::Topology topology({.nodes = 1, .clients = 1});
    BenchNode bench(topology.node(0), topology.client(0));
    bench.hold_vip_as_xvipd();
    progress.say("topology " + topology.run_id() + " ready");

    progress.say("3/4 TCP client0 -> VIP with iperf3: no XDP, trivial XDP, xvip");
    results.tcp = measure_tcp(topology, bench, {.server_netns = bench.node().netns, .server_address = bench.vip()},
                              options.tcp, progress);
    {
        progress.say("    then through node0 as the VIP's gateway to a server behind it");
        const topo::GatewaySegment segment(topology, bench.client().netns, bench.vip(), "1", /*direct_return=*/true);
        results.tcp_gateway = measure_tcp(topology, bench,
                                          {.server_netns = segment.server_netns(),
                                           .server_address = topo::GatewaySegment::kServerViaVip,
                                           .gateway = true},
                                          options.tcp, progress);
    }

    progress.say("4/4 state-word writes: Dataplane::write_state vs bpf_map_update_elem");
    results.state =
        measure_state_writes(bench.attach_xvip(), {AddressFamily::ipv4, BenchNode::vrid}, options.state, progress);
    bench.detach_xvip();
    progress.say("removing the topology");
    return results;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    if (geteuid() != 0) {
        std::cerr << "xvip-bench-dataplane: run it as root (it loads BPF programs and builds network "
                     "namespaces)\n";
        return 2;
    }
    try {
        fs::create_directories(options->out);
        const Progress progress;
        BenchResults results = run(*options, progress);
        results.run_seconds = progress.elapsed_seconds();
        results.load_after = topo::load_average();

        write_plot_data(results, options->out);
        const std::string plot_note = make_plots(options->out);
        if (!plot_note.empty()) progress.say("no plots: " + plot_note);
        write_report(results, options->out, plot_note);
        progress.say("wrote " + (fs::absolute(options->out) / "dataplane.md").string());
        for (const auto& target : evaluate_targets(results)) {
            std::printf("  %-4s %s: %s (xvip / baseline %.3f)\n", target.met ? "met" : "MISS", target.goal.c_str(),
                        target.measured.c_str(), target.ratio);
        }
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "xvip-bench-dataplane: " << error.what() << "\n";
        return 1;
    }
}
