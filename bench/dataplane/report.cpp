#include "bench/dataplane/report.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace xvip::bench {

namespace {

namespace fs = std::filesystem;

constexpr double kPassBudgetNs = 30;
constexpr double kArpBudgetNs = 40;
constexpr double kLbHitBudgetNs = 60;  // issue 18
constexpr double kArpRateFactor = 1.3;
constexpr double kTcpFactor = 0.95;
constexpr double kStateWriteBudgetNs = 2000;

std::string num(double value, int decimals = 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string signed_num(double value, int decimals = 1) {
    return (value >= 0 ? "+" : "") + num(value, decimals);
}

// 1234567 -> "1,234,567": rates are easier to compare with their digits grouped.
std::string grouped(double value) {
    const std::string digits = num(value < 0 ? -value : value);
    std::string out = value < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string min_median(const Summary& s, int decimals = 0) {
    return num(s.min, decimals) + " / " + num(s.median, decimals);
}

const PathCost& path_named(const FrameCosts& costs, const std::string& name) {
    for (const auto& path : costs.paths) {
        if (path.name == name) return path;
    }
    throw std::logic_error("no measured path named " + name);
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("writing " + path.string() + " failed");
}

const char* yes_no(bool met) {
    return met ? "**yes**" : "**no**";
}

// A TCP measurement's rounds and medians; `counter` names xvip's counter of the path taken.
void write_tcp_rounds(std::ostream& md, const TcpResults& t, const char* counter) {
    md << "| configuration | round | Gbit/s | retransmits | xvip " << counter << " |\n|---|---|---|---|---|\n";
    for (const auto& round : t.rounds) {
        md << "| " << round.config << " | " << round.round << " | " << num(round.gbit_per_s, 2) << " | "
           << round.retransmits << " | "
           << (round.config == "xvip" ? grouped(static_cast<double>(round.xvip_frames)) : "-") << " |\n";
    }
    md << "\nMedians: no XDP " << num(t.no_xdp.median, 2) << ", trivial " << num(t.trivial.median, 2) << ", xvip "
       << num(t.xvip.median, 2) << " Gbit/s; xvip / trivial = **" << num(ratio(t.xvip.median, t.trivial.median), 3)
       << "**, xvip / no XDP = " << num(ratio(t.xvip.median, t.no_xdp.median), 3)
       << ", trivial / no XDP = " << num(ratio(t.trivial.median, t.no_xdp.median), 3)
       << ". Within each round, xvip / trivial: median " << num(t.paired_ratio.median, 3) << ", min "
       << num(t.paired_ratio.min, 3) << ", max " << num(t.paired_ratio.max, 3) << ".\n\n";
}

}  // namespace

std::vector<Target> evaluate_targets(const BenchResults& r) {
    std::vector<Target> targets;
    const PathCost& pass = path_named(r.frames, "non-VIP pass-through");
    const PathCost& collision = path_named(r.frames, "non-VIP pass-through, a VIP's last byte");
    targets.push_back({"non-VIP pass-through at most +30 ns over the trivial program",
                       signed_num(pass.added_ns()) + " ns (" + num(pass.xvip_headline().median) + " vs " +
                           num(pass.trivial_headline().median) +
                           " ns per frame, medians); worst case, an address ending in a VIP's "
                           "last byte: " +
                           signed_num(collision.added_ns()) + " ns",
                       ratio(pass.xvip_headline().median, pass.trivial_headline().median),
                       pass.added_ns() <= kPassBudgetNs && collision.added_ns() <= kPassBudgetNs});
    const PathCost& forwarded = path_named(r.frames, "forwarded (gateway, active)");
    targets.push_back({"forwarding path on a gateway's active node at most +30 ns over the trivial program (issue 16)",
                       signed_num(forwarded.added_ns()) + " ns (" + num(forwarded.xvip_headline().median) + " vs " +
                           num(forwarded.trivial_headline().median) + " ns per frame, medians)",
                       ratio(forwarded.xvip_headline().median, forwarded.trivial_headline().median),
                       forwarded.added_ns() <= kPassBudgetNs});
    const PathCost& lb_hit = path_named(r.frames, "forwarded to a backend (load balancer, flow known)");
    const PathCost& lb_other =
        path_named(r.frames, "VIP pass (active), to a port a virtual service has on another VIP");
    const PathCost& vip_alone = path_named(r.frames, "VIP pass (active)");
    targets.push_back(
        {"load balancer: a known flow out to its backend at most +60 ns over the trivial program (issue 18)",
         signed_num(lb_hit.added_ns()) + " ns (" + (lb_hit.repeat_timed ? "repeat" : "single runs") + ": " +
             num(lb_hit.xvip_headline().median) + " vs " + num(lb_hit.trivial_headline().median) +
             " ns, medians); other VIP traffic to a port a service has pays " +
             signed_num(lb_other.xvip_headline().median - vip_alone.xvip_headline().median) +
             " ns for the lookups that find nothing (to other ports: a bit test)",
         ratio(lb_hit.xvip_headline().median, lb_hit.trivial_headline().median), lb_hit.added_ns() <= kLbHitBudgetNs});
    const PathCost& arp = path_named(r.frames, "ARP reply");
    targets.push_back({"ARP reply at most +40 ns over the trivial program",
                       signed_num(arp.added_ns()) + " ns (single runs: " + num(arp.xvip_headline().median) + " vs " +
                           num(arp.trivial_headline().median) +
                           " ns, medians; the means up to "
                           "the p99 differ by " +
                           signed_num(arp.xvip.single_ns.mean_to_p99 - arp.trivial.single_ns.mean_to_p99) + " ns)",
                       ratio(arp.xvip_headline().median, arp.trivial_headline().median),
                       arp.added_ns() <= kArpBudgetNs});
    const double arp_ratio = ratio(r.arp.live_frames.xdp.median, r.arp.live_frames.kernel.median);
    const double socket_ratio = ratio(r.arp.sendmmsg.xdp.median, r.arp.sendmmsg.kernel.median);
    targets.push_back({"ARP replies per second at least 1.3x the kernel's",
                       grouped(r.arp.live_frames.xdp.median) + " vs " + grouped(r.arp.live_frames.kernel.median) +
                           " replies/s (medians, veth pair, live-frames generator); with a "
                           "sendmmsg generator " +
                           grouped(r.arp.sendmmsg.xdp.median) + " vs " + grouped(r.arp.sendmmsg.kernel.median) + " (" +
                           num(socket_ratio, 2) + "x)",
                       arp_ratio, arp_ratio >= kArpRateFactor});
    const double tcp_ratio = ratio(r.tcp.xvip.median, r.tcp.trivial.median);
    targets.push_back({"TCP throughput with xvip at least 0.95x the trivial program's",
                       num(r.tcp.xvip.median, 2) + " vs " + num(r.tcp.trivial.median, 2) + " Gbit/s (medians)",
                       tcp_ratio, tcp_ratio >= kTcpFactor});
    const double gateway_ratio = ratio(r.tcp_gateway.xvip.median, r.tcp_gateway.trivial.median);
    targets.push_back(
        {"TCP through a gateway's active node with xvip at least 0.95x the trivial program's (issue 16)",
         num(r.tcp_gateway.xvip.median, 2) + " vs " + num(r.tcp_gateway.trivial.median, 2) + " Gbit/s (medians)",
         gateway_ratio, gateway_ratio >= kTcpFactor});
    targets.push_back({"state-word write under 2 us (median)",
                       num(r.state.write_state_ns.median) + " ns median with the clock reads (" +
                           num(r.state.write_state_ns.median - r.state.clock_ns.median) +
                           " ns without); bpf_map_update_elem " + num(r.state.map_update_ns.median) + " ns",
                       ratio(r.state.write_state_ns.median, r.state.map_update_ns.median),
                       r.state.write_state_ns.median < kStateWriteBudgetNs});
    return targets;
}

void write_plot_data(const BenchResults& r, const fs::path& out_dir) {
    std::ostringstream frames;
    frames << "path,trivial min,trivial median,xvip min,xvip median\n";
    for (const auto& path : r.frames.paths) {
        std::string label = path.name;  // a comma would split the CSV's first column
        for (auto at = label.find(','); at != std::string::npos; at = label.find(',')) label[at] = ';';
        frames << label << (path.repeat_timed ? "" : " *") << ',' << num(path.trivial_headline().min, 1) << ','
               << num(path.trivial_headline().median, 1) << ',' << num(path.xvip_headline().min, 1) << ','
               << num(path.xvip_headline().median, 1) << '\n';
    }
    write_file(out_dir / "ns_per_frame.csv", frames.str());

    std::ostringstream arp;
    arp << "side,median,min,max\n";
    for (const auto& [generator, sides] :
         {std::pair{kLiveFrames, &r.arp.live_frames}, std::pair{kSendmmsg, &r.arp.sendmmsg}}) {
        for (const auto& [name, s] : {std::pair{"kernel ARP", &sides->kernel}, std::pair{"xvip XDP", &sides->xdp}}) {
            arp << name << " (" << generator << ")," << num(s->median) << ',' << num(s->min) << ',' << num(s->max)
                << '\n';
        }
    }
    write_file(out_dir / "arp_rate.csv", arp.str());

    std::ostringstream tcp;
    tcp << "config,median,min,max\n";
    for (const auto& [name, s] : {std::pair{"no XDP", &r.tcp.no_xdp}, std::pair{"trivial XDP", &r.tcp.trivial},
                                  std::pair{"xvip", &r.tcp.xvip}}) {
        tcp << name << ',' << num(s->median, 3) << ',' << num(s->min, 3) << ',' << num(s->max, 3) << '\n';
    }
    write_file(out_dir / "tcp.csv", tcp.str());
    std::ostringstream gateway;
    gateway << "config,median,min,max\n";
    for (const auto& [name, s] :
         {std::pair{"no XDP", &r.tcp_gateway.no_xdp}, std::pair{"trivial XDP", &r.tcp_gateway.trivial},
          std::pair{"xvip", &r.tcp_gateway.xvip}}) {
        gateway << name << ',' << num(s->median, 3) << ',' << num(s->min, 3) << ',' << num(s->max, 3) << '\n';
    }
    write_file(out_dir / "tcp_gateway.csv", gateway.str());
}

void write_report(const BenchResults& r, const fs::path& out_dir, const std::string& plot_note) {
    std::ostringstream md;
    const auto& m = r.machine;
    md << "# xvip data-plane benchmark\n\n"
       << "Written by `xvip-bench-dataplane` (`bench/dataplane/`); every baseline was measured in the same "
          "run, on the same machine, right beside the figure it is compared with. Reproduce as root:\n\n"
       << "```sh\ncmake --build build --target xvip-bench-dataplane\n"
          "build/bench/dataplane/xvip-bench-dataplane --out bench/results\n```\n\n";
    if (!plot_note.empty()) md << "> Plots: " << plot_note << "\n\n";

    md << "## Machine\n\n| | |\n|---|---|\n"
       << "| CPU | " << m.cpu_model << ", " << m.cores << " cores online"
       << (m.virtual_machine ? " (virtual machine)" : "") << " |\n"
       << "| kernel | " << m.kernel << " |\n"
       << "| OS | " << m.os << " |\n"
       << "| clock source | " << m.clocksource << " |\n"
       << "| BPF | JIT " << m.bpf_jit << ", bpf_stats_enabled " << m.bpf_stats << ", libbpf " << m.libbpf << " |\n"
       << "| date | " << m.date_utc << " |\n"
       << "| source | commit " << m.commit << " |\n"
       << "| run time | " << num(r.run_seconds) << " s |\n"
       << "| load average (1 / 5 / 15 min) | before " << m.load_before << ", after " << r.load_after
       << " (the benchmark itself keeps about one CPU busy; more is other work sharing the machine) |\n"
       << "| niceness | " << m.nice << (m.nice < 0 ? " (ahead of the other work at 0)" : "") << " |\n\n";

    md << "## Targets (issues 5, 16 and 18)\n\n| target | measured | xvip / baseline | met |\n|---|---|---|---|\n";
    for (const auto& t : evaluate_targets(r)) {
        md << "| " << t.goal << " | " << t.measured << " | " << num(t.ratio, 3) << " | " << yes_no(t.met) << " |\n";
    }
    md << "\nThese figures are reported, not asserted: no test fails on them.\n\n";

    md << "## 1. Cost per frame (BPF_PROG_TEST_RUN)\n\n"
       << "Both programs are loaded from their skeletons (xvip from `bpf/xvip.bpf.c`, the baseline "
          "`bpf/pass.bpf.c`, which returns XDP_PASS and nothing else) and run on the same frames "
          "(`tests/support/test_frames.hpp`, the setting of `tests/bpf/xdp_scenario.hpp`: a VIP "
          "bound to VRID 51, active with a lease of an hour, or standby). Before timing a path, "
          "one run checks xvip's verdict on it (and, for replies, that the reply goes to the "
          "client). Rounds alternate the two programs, so that drift hits both.\n\n"
       << "- **Frames left unchanged** (pass, drop): `repeat` = large, the kernel runs the program "
          "that often on one buffer and reports the mean `duration` per run; one sample per round, "
          "min and median over the rounds.\n"
       << "- **Frames rewritten** (ARP reply, NA reply): with `repeat` > 1 the program would run "
          "on its own reply, so these are timed with single runs (`repeat` = 1, each on a fresh "
          "copy of the request) and the kernel's `duration` of each run, min and median over all "
          "runs. A single run's duration also holds the test harness's fixed cost around the "
          "program (two clock reads, bottom halves off and on), which the trivial program's single "
          "runs on the same frame measure the same way: **xvip - trivial** is the program's own "
          "extra cost. As a cross-check, the wall time of each whole syscall (data copied in and "
          "out; the two programs' calls alternating) gives the difference another way, within the "
          "noise of a syscall.\n\n"
       << "Settings: " << r.frames.settings << ".\n\n"
       << "| path | frame | xvip's verdict | method | trivial ns min / median | xvip ns min / median "
          "| xvip - trivial (median) | xvip / trivial |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& p : r.frames.paths) {
        md << "| " << p.name << " | " << p.frame_bytes << " B | " << p.verdict << " | "
           << (p.repeat_timed ? "repeat" : "single runs") << " | " << min_median(p.trivial_headline()) << " | "
           << min_median(p.xvip_headline()) << " | " << signed_num(p.added_ns()) << " ns | "
           << num(ratio(p.xvip_headline().median, p.trivial_headline().median), 2) << " |\n";
    }
    md << "\nA single run's `duration` comes in steps of the kernel clock's granularity on this "
          "machine (see the min and median columns), so differences of medians of single runs are "
          "good to that step; the means up to the p99 below are finer (the step's phase falls "
          "anywhere) and leave out the rare run an interrupt lengthened. The repeat figures are "
          "means over millions of runs.\n"
       << "\nEvery path with single runs (the harness's fixed cost included in both columns):\n\n"
       << "| path | trivial median / p99 | xvip median / p99 | xvip - trivial (median) | "
          "xvip - trivial (mean up to the p99) | whole syscall: trivial / xvip median | "
          "whole syscall: xvip - trivial |\n|---|---|---|---|---|---|---|\n";
    for (const auto& p : r.frames.paths) {
        md << "| " << p.name << " | " << num(p.trivial.single_ns.median) << " / " << num(p.trivial.single_ns.p99)
           << " | " << num(p.xvip.single_ns.median) << " / " << num(p.xvip.single_ns.p99) << " | "
           << signed_num(p.xvip.single_ns.median - p.trivial.single_ns.median) << " ns | "
           << signed_num(p.xvip.single_ns.mean_to_p99 - p.trivial.single_ns.mean_to_p99) << " ns | "
           << num(p.trivial.call_ns.median) << " / " << num(p.xvip.call_ns.median) << " | "
           << signed_num(p.xvip.call_ns.median - p.trivial.call_ns.median) << " ns |\n";
    }
    md << "\n![ns per frame](ns_per_frame.png)\n\n"
       << "### Where xvip's time goes\n\n"
       << "Probes (`bench/dataplane/cost_probes.bpf.c`): the trivial program plus one operation, timed "
          "with repeat like the unchanged paths (trivial program alone: "
       << num(r.frames.trivial_repeat_ns.median)
       << " ns median), and with single runs like the replies, each beside a single run of the "
          "trivial program (alone: "
       << num(r.frames.trivial_single_ns.median)
       << " ns median). An IPv4 address is looked up in the bucket of its last byte, one inlined "
          "array read (`xvip_vip4_buckets`, see `bpf/xvip_abi.h`); only when two VIPs end in the "
          "same byte does the hash map answer (the shared-bucket row above). IPv6 addresses pass a "
          "256-bit filter on their last byte before the hash map. The lease check compares the state "
          "word's deadline with `bpf_jiffies64()`, which the verifier inlines into one load; the two "
          "clocks it read before, both helper calls, are shown for comparison.\n\n"
       << "| operation | repeat: ns min / median | repeat: over the trivial program | single runs: "
          "median / p99 | single runs: over the trivial program, median / mean up to the p99 |\n"
          "|---|---|---|---|---|\n";
    const auto single_mean_added = [&](const OperationCost& op) {
        return op.single_ns.mean_to_p99 - r.frames.trivial_single_ns.mean_to_p99;
    };
    for (const auto& op : r.frames.operations) {
        md << "| " << op.name << " | " << min_median(op.ns) << " | " << signed_num(op.added_ns) << " ns | "
           << num(op.single_ns.median) << " / " << num(op.single_ns.p99) << " | " << signed_num(op.single_added_ns)
           << " / " << signed_num(single_mean_added(op)) << " ns |\n";
    }
    const PathCost& arp_path = path_named(r.frames, "ARP reply");
    for (const auto& op : r.frames.operations) {
        if (op.name.rfind("bpf_ktime_get_coarse_ns()", 0) != 0) continue;
        md << "\nThe ARP reply makes no helper call: parsing, the two buckets, the interface and "
              "state arrays, the jiffy count, the per-CPU counter and the rewrite are all inlined. "
              "Its lease check (the fail-safe: a node whose daemon died stops answering by itself) "
              "read the coarse clock until this benchmark showed that one call to be most of the "
              "reply's cost: "
           << signed_num(op.single_added_ns)
           << " ns in single runs here (mean "
              "up to the p99: "
           << signed_num(single_mean_added(op))
           << " ns), against the whole "
              "reply's "
           << signed_num(arp_path.added_ns()) << " ns over the trivial program ("
           << signed_num(arp_path.xvip.single_ns.mean_to_p99 - arp_path.trivial.single_ns.mean_to_p99)
           << " ns). The daemon now writes deadlines in jiffies: it dates one jiffy against "
              "CLOCK_MONOTONIC when it opens the data plane and counts ticks from there "
              "(`loader/dataplane/lease_clock.hpp`); a lease still ends no later than meant, and "
              "at most one tick early.\n";
    }
    md << "\n";

    const auto& a = r.arp;
    md << "## 2. ARP replies per second on a veth pair\n\n"
       << "client0 and node0, each in a network namespace the benchmark makes and removes, joined "
          "by one veth pair (client0's eth0 <-> node0's eth0, no bridge; `bench/dataplane/veth_pair.hpp`). "
          "Both sides use the same pair, the same generators and the same counter; only what "
          "answers differs:\n\n"
       << "- **xdp**: xvip attached to node0's eth0 (native), the VIP bound and active; the kernel "
          "holds the VIP on `lo` with `arp_ignore=1` as xvipd does, so only XDP answers. xvip's own "
          "`arp_reply` counter is shown beside.\n"
       << "- **kernel**: no XDP on node0's eth0; the VIP as a /32 on eth0, the kernel's ARP answers.\n\n"
       << "Replies are counted in the kernel at the sender: an XDP program on client0's eth0 "
          "(`bench/dataplane/reply_counter.bpf.c`, attached for both sides alike; veth hands frames "
          "sent with XDP_TX only to a peer that runs XDP) counts each ARP reply from the VIP and "
          "drops it, so client0's own ARP code costs nothing on either side (an XDP reply reaches "
          "it as the frame xvip sent, a kernel reply as an skb that veth first copies into a page "
          "for XDP); it is read before each round and 200 ms after the sending stops. node0's eth0 has GRO on for both "
          "sides: "
          "frames sent with XDP_TX reach it only while its queue runs NAPI, which xvip's program "
          "turns on by itself.\n\n"
       << "Two generators in client0 send ARP requests for the VIP (who-has VIP tell client0, "
          "broadcast, 42 bytes) as fast as they can, bounded by "
       << grouped(static_cast<double>(a.settings.max_frames)) << " frames and "
       << num(static_cast<double>(a.settings.max_time.count()) / 1000.0, 1)
       << " s per round, whichever comes first:\n\n"
       << "- **live frames** (the headline): `BPF_PROG_TEST_RUN` of `bench/dataplane/arp_generator.bpf.c` "
          "with `BPF_F_TEST_XDP_LIVE_FRAMES`, in batches of 64. Each frame leaves client0's eth0 as "
          "a driver's XDP_TX would, with no socket and no skb, and reaches node0 as a frame from a "
          "NIC does: the kernel builds an skb for it and another for its reply, xvip rewrites it "
          "in place. Sending time is the kernel's own time in its send loops (the `duration` it "
          "reports per frame, in whole ns, times the frames): each call also adds the program to the "
          "kernel's XDP dispatcher and takes it out again, waiting for an RCU grace period each "
          "time (tens of ms here), which is not sending (the wall time, those included, is shown "
          "beside).\n"
       << "- **sendmmsg**: an AF_PACKET socket with `PACKET_QDISC_BYPASS`, batches of 64. Each "
          "request is an skb made by a syscall, for both sides; before xvip can see it, veth "
          "copies that skb into a page of its own. Sending time is the blaster's loop.\n\n"
       << "What this measures: on veth, a frame sent is processed in the sender's own context "
          "(veth hands it on within the same softirq run), so each batch of requests travels the "
          "whole loop (generator, node0, the replies back, the counter) before the next; the rate "
          "is one over that loop's cost per request. With live frames, generator and counter cost "
          "little, so the loop is mostly node0's answer; with sendmmsg, the socket's share of the "
          "loop is the same on both sides and weighs on both. Rounds alternate the sides for each "
          "generator. Where requests sent = replies, nothing was dropped.\n\n"
       << "| generator | side | round | requests sent | calls | sending s | wall s | replies at client0 | "
          "replies/s | xvip arp_reply |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& round : a.rounds) {
        md << "| " << round.generator << " | " << round.side << " | " << round.round << " | "
           << grouped(static_cast<double>(round.sent)) << " | " << grouped(static_cast<double>(round.calls)) << " | "
           << num(round.seconds, 3) << " | " << num(round.wall_seconds, 2) << " | "
           << grouped(static_cast<double>(round.replies)) << " | " << grouped(round.replies_per_second()) << " | "
           << (round.side == "xdp" ? grouped(static_cast<double>(round.xdp_replies)) : "-") << " |\n";
    }
    md << "\n";
    for (const auto& [generator, sides] : {std::pair{kLiveFrames, &a.live_frames}, std::pair{kSendmmsg, &a.sendmmsg}}) {
        const double kernel_us = 1e6 / sides->kernel.median;
        const double xdp_us = 1e6 / sides->xdp.median;
        md << "**" << generator << "**: median replies/s xdp **" << grouped(sides->xdp.median) << "**, kernel **"
           << grouped(sides->kernel.median) << "**; xdp / kernel = **"
           << num(ratio(sides->xdp.median, sides->kernel.median), 2)
           << "**. Per request, the loop "
              "takes "
           << num(kernel_us, 2) << " us when the kernel answers and " << num(xdp_us, 2)
           << " us when XDP does (medians): answering in XDP saves " << num(kernel_us - xdp_us, 2) << " us of it.\n\n";
    }
    md << "![ARP replies per second](arp_rate.png)\n\n";

    const auto& t = r.tcp;
    const PathCost& vip_pass = path_named(r.frames, "VIP pass (active)");
    md << "## 3. TCP throughput through XDP\n\n"
       << "A topology from `tools/lab/topology` (namespaces only: a bridge, node0 and client0 on veth "
          "pairs; node0's bridge port carries the trivial XDP program). `"
       << t.iperf_version
       << "`: server in node0's namespace bound to the VIP, "
          "client in client0's, one stream client -> VIP for "
       << t.settings.seconds << " s per run, the rate the server received"
       << (t.pinned ? " (client on CPU 0, where veth also runs node0's receive path and XDP; server "
                      "on CPU 1; the same in every run)"
                    : " (not pinned: fewer than two CPUs)")
       << ". The kernel holds the VIP on `lo` as xvipd does "
          "and client0 has a permanent neighbour entry for it, so all three configurations send "
          "alike; only node0's eth0 differs: **no XDP**; **trivial XDP** (`bpf/pass.bpf.c`, native); "
          "**xvip** attached and active for the VIP, so every data segment takes xvip's VIP-pass "
          "path (its `vip_pass_active` counter is shown). Each round runs no XDP first, then the two "
          "programs, which take turns going first.\n\n";
    write_tcp_rounds(md, t, "vip_pass_active");
    md << "What xvip can cost here, from this run's own figures: its VIP-pass path adds "
       << signed_num(vip_pass.added_ns()) << " ns per frame over the trivial program (section 1), and "
       << grouped(t.xvip_frames_per_s.median)
       << " frames per second took that path (median over the "
          "xvip rounds, its `vip_pass_active` counter): "
       << num(vip_pass.added_ns() * t.xvip_frames_per_s.median / 1e7, 2)
       << " % of one CPU. A spread between rounds wider than that is the veth path's own noise "
          "(the retransmits show drops at veth's rings, in every configuration), not xvip.\n\n"
       << "Any XDP program on a veth costs far more than what it does: attaching one turns off "
          "the peer's GSO (a non-frags program sees at most one page), so the bridge segments each "
          "64 KiB send into MTU-sized frames before they reach node0, and the receive path moves "
          "to veth's NAPI. That is why the baseline for xvip is the trivial program, and no XDP "
          "only a reference.\n\n![TCP throughput](tcp_throughput.png)\n\n";

    const auto& g = r.tcp_gateway;
    md << "### Through the VIP as a default gateway (issue 16)\n\n"
       << "The same three configurations of node0's eth0, but the stream goes to a server behind node0 "
          "(`198.51.100.100`, the gateway segment of `tools/lab/topology/gateway_segment.hpp`: node0's "
          "eth1 on a second bridge, ip_forward=1), the client routing it through the VIP; the "
          "server answers over a leg of its own on the client's segment, so only the data direction "
          "is forwarded. With xvip, its instance is a gateway instance (`gateway = true`) and active: "
          "every data segment takes the forwarding guard's path for an active node (the gateway "
          "word, the MAC compare and the role; no route lookup), counted `pass_not_vip`.\n\n";
    write_tcp_rounds(md, g, "pass_not_vip");

    const auto& s = r.state;
    md << "## 4. State-word write latency\n\n"
       << "On node0's attached data plane (xvip active), instance ipv4/51: each write a live lease a "
          "nanosecond longer than the last, as the daemon's renewals are. Each write timed on its own "
          "between two `steady_clock` reads (vDSO `clock_gettime`), so every sample holds a clock "
          "read pair, timed alone in the first row.\n\n"
       << "| what | writes | min | median | p99 | max |\n|---|---|---|---|---|---|\n"
       << "| two clock reads alone | " << grouped(static_cast<double>(s.clock_ns.count)) << " | " << num(s.clock_ns.min)
       << " | " << num(s.clock_ns.median) << " | " << num(s.clock_ns.p99) << " | " << num(s.clock_ns.max) << " |\n"
       << "| `Dataplane::write_state` (atomic 64-bit store, mmapped array) | "
       << grouped(static_cast<double>(s.write_state_ns.count)) << " | " << num(s.write_state_ns.min) << " | "
       << num(s.write_state_ns.median) << " | " << num(s.write_state_ns.p99) << " | " << num(s.write_state_ns.max)
       << " |\n"
       << "| `bpf_map_update_elem` on the same (pinned) array, syscall | "
       << grouped(static_cast<double>(s.map_update_ns.count)) << " | " << num(s.map_update_ns.min) << " | "
       << num(s.map_update_ns.median) << " | " << num(s.map_update_ns.p99) << " | " << num(s.map_update_ns.max)
       << " |\n\n"
       << "A loop of " << grouped(s.settings.loop_writes)
       << " `write_state` calls, timed as a whole: " << num(s.write_state_loop_ns, 2)
       << " ns per write. The syscall costs " << num(ratio(s.map_update_ns.median, s.write_state_ns.median), 1)
       << "x the store (medians, clock reads in both).\n";

    write_file(out_dir / "dataplane.md", md.str());
}

}  // namespace xvip::bench
