#include "bench/failover/report.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace xvip::bench_failover {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

const std::vector<std::string> kScenarioOrder{"failover", "switchover", "preemption", "crash", "restart"};

std::string read_first_line(const std::string& command) {
    std::string text;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buf[256];
        if (std::fgets(buf, sizeof buf, pipe)) text = buf;
        pclose(pipe);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown";
}

struct Stat {
    std::size_t n = 0;
    double min = 0, median = 0, max = 0;
};

std::optional<Stat> stat_of(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    Stat s{v.size(), v.front(), 0, v.back()};
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return s;
}

std::string num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ms_text(double v) {
    return num(v, v < 10 ? 2 : 1);
}

std::string triple(const std::optional<Stat>& s, const std::function<std::string(double)>& f) {
    if (!s) return "—";
    return f(s->min) + " / **" + f(s->median) + "** / " + f(s->max);
}

std::string ratio(const std::optional<Stat>& x, const std::optional<Stat>& k) {
    if (!x || !k || x->median < 0 || k->median < 0) return "—";  // a negative median: below the resolution
    if (k->median == 0) return x->median == 0 ? "both 0" : "—";
    if (x->median == 0) return "0×";
    const double r = x->median / k->median;
    return num(r, r < 0.1 ? 3 : 2) + "×";
}

struct Key {
    std::string scenario;
    milliseconds advert;
    bool unicast;
    bool operator<(const Key& o) const {
        const auto rank = [](const std::string& s) {
            return std::find(kScenarioOrder.begin(), kScenarioOrder.end(), s) - kScenarioOrder.begin();
        };
        if (rank(scenario) != rank(o.scenario)) return rank(scenario) < rank(o.scenario);
        if (advert != o.advert) return advert > o.advert;
        return unicast < o.unicast;
    }
};

using Getter = std::function<std::optional<double>(const RunResult&)>;

class Groups {
public:
    explicit Groups(const std::vector<Record>& records) {
        for (const auto& r : records) groups_[{r.spec.scenario, r.spec.advert, r.spec.unicast}].push_back(&r);
    }
    std::vector<Key> keys(const std::set<std::string>& scenarios) const {
        std::vector<Key> k;
        for (const auto& [key, _] : groups_) {
            if (scenarios.count(key.scenario)) k.push_back(key);
        }
        return k;
    }
    std::optional<Stat> stat(const Key& key, Daemon d, const Getter& get) const {
        std::vector<double> v;
        for (const auto* r : groups_.at(key)) {
            if (r->spec.daemon != d || !r->result.ok) continue;
            if (const auto value = get(r->result)) v.push_back(*value);
        }
        return stat_of(v);
    }
    std::string counts(const Key& key) const {
        std::size_t ok[2] = {0, 0}, all[2] = {0, 0};
        for (const auto* r : groups_.at(key)) {
            const auto i = r->spec.daemon == Daemon::xvipd ? 0 : 1;
            ++all[i];
            if (r->result.ok) ++ok[i];
        }
        std::string text = std::to_string(ok[0]) + "/" + std::to_string(ok[1]);
        if (ok[0] != all[0] || ok[1] != all[1]) {
            text += " (" + std::to_string(all[0] - ok[0] + all[1] - ok[1]) + " failed)";
        }
        return text;
    }
    std::vector<const Record*> records(const Key& key) const { return groups_.at(key); }

private:
    std::map<Key, std::vector<const Record*>> groups_;
};

std::string mode(bool unicast) {
    return unicast ? "unicast" : "multicast";
}

const Getter gap = [](const RunResult& r) -> std::optional<double> { return r.gap_ms; };
const Getter lost = [](const RunResult& r) -> std::optional<double> { return static_cast<double>(r.lost); };

std::string int_text(double v) {
    return num(v, 0);
}

// One PNG per advert interval: every run's longest gap, per scenario and mode, xvipd and keepalived
// side by side, log scale.
std::optional<std::string> plot(const fs::path& dir, const Groups& g, milliseconds advert, const std::string& file) {
    std::vector<Key> keys;
    for (const auto& k : g.keys({kScenarioOrder.begin(), kScenarioOrder.end()})) {
        if (k.advert == advert) keys.push_back(k);
    }
    if (keys.empty()) return std::nullopt;
    std::ostringstream script;
    script << "set terminal pngcairo size " << std::max<std::size_t>(900, 150 * keys.size()) << ",480 noenhanced\n"
           << "set output '" << (dir / file).string() << "'\n"
           << "set title 'Outage per run: longest gap between echo replies (1 request/ms), adverts every "
           << interval_text(advert) << "'\n"
           << "set ylabel 'longest gap (ms, log scale)'\nset logscale y\nset grid ytics\nset key outside right "
              "top\nset bmargin 4\n"
           << "set xrange [-0.6:" << static_cast<double>(keys.size()) - 0.4 << "]\nset xtics (";
    for (std::size_t i = 0; i < keys.size(); ++i) {
        script << (i ? ", " : "") << "\"" << keys[i].scenario << "\\n" << mode(keys[i].unicast) << "\" " << i;
    }
    script << ")\n";
    for (const auto d : {Daemon::xvipd, Daemon::keepalived}) {
        script << "$" << to_string(d) << " << EOD\n";
        bool any = false;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const auto recs = g.records(keys[i]);
            int j = 0;
            for (const auto* r : recs) {
                if (r->spec.daemon != d || !r->result.ok) continue;
                const double x = static_cast<double>(i) + (d == Daemon::xvipd ? -0.15 : 0.15) + 0.02 * (j++ % 5 - 2);
                script << x << " " << std::max(0.5, r->result.gap_ms) << "\n";
                any = true;
            }
        }
        if (!any) script << "-10 1\n";
        script << "EOD\n";
    }
    script << "plot $xvipd using 1:2 with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'xvipd', "
           << "$keepalived using 1:2 with points pt 9 ps 1.2 lc rgb '#d62728' title 'keepalived 2.2.7'\n";
    FILE* pipe = popen("gnuplot 2>&1", "w");
    if (!pipe) return "gnuplot could not run (tools/install-deps installs gnuplot-nox)";
    const auto text = script.str();
    std::fwrite(text.data(), 1, text.size(), pipe);
    const int status = pclose(pipe);
    if (status != 0)
        return "gnuplot failed for " + file + " (status " + std::to_string(status) +
               "; tools/install-deps installs gnuplot-nox)";
    return std::nullopt;
}

}  // namespace

std::vector<std::string> write_report(const fs::path& dir, const ReportInput& in) {
    std::vector<std::string> warnings;
    fs::create_directories(dir);
    const Groups g(in.records);
    utsname u{};
    uname(&u);
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    std::size_t failed = 0;
    for (const auto& r : in.records) failed += r.result.ok ? 0 : 1;

    std::ostringstream md;
    md << "# Failover benchmark: xvipd against keepalived\n\n"
       << "Produced by `xvip-bench-failover` (bench/failover) in one run: every figure below for xvipd and "
          "for keepalived comes from the same lab, the same machine, the same run, the two daemons "
          "alternating run by run.\n\n"
       << "| | |\n|---|---|\n"
       << "| date | " << date << " |\n"
       << "| CPU | " << cpu_model() << " |\n"
       << "| cores | " << std::thread::hardware_concurrency() << " |\n"
       << "| kernel | " << u.sysname << " " << u.release << " (" << u.machine << ") |\n"
       << "| keepalived | " << read_first_line("dpkg-query -W -f='${Package} ${Version}' keepalived 2>/dev/null")
       << " (Debian package; Keepalived v2.2.7) |\n"
       << "| xvipd | " << in.xvipd_version << " |\n"
       << "| settings | " << in.settings << " |\n"
       << "| runs | " << in.records.size() << " (" << failed
       << " failed and retried once; failures are left out of the figures) |\n"
       << "| wall time | " << num(in.total_seconds / 60, 1) << " min |\n"
       << "| load average before / after | " << in.load_before << " / " << in.load_after << " |\n\n"
       << "Figures are min / **median** / max over the repetitions; a ratio is xvipd's median over "
          "keepalived's (below 1: xvipd better). Both daemons read the same generated keepalived.conf "
          "(VRRPv3, VRID 51, node0 priority 150, node1 priority 100, `state BACKUP`, one IPv4 VIP).\n\n";

    // Outage.
    md << "## Client-observed outage\n\n"
       << "client0 sends an ICMP echo request to the VIP every millisecond; *gap* is the longest time without a "
          "reply (about 1 ms when nothing is lost), *lost* the requests never answered. Faults: **failover** "
          "SIGKILL the active daemon and take its link down (the host is gone); **switchover** planned stop "
          "(SIGTERM); **preemption** the priority-150 node starts while node1 is active.\n\n"
       << "| scenario | advert | mode | runs x/k | xvipd gap ms | keepalived gap ms | gap ratio | xvipd lost | "
          "keepalived lost | lost ratio |\n"
       << "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& k : g.keys({"failover", "switchover", "preemption"})) {
        const auto xg = g.stat(k, Daemon::xvipd, gap), kg = g.stat(k, Daemon::keepalived, gap);
        const auto xl = g.stat(k, Daemon::xvipd, lost), kl = g.stat(k, Daemon::keepalived, lost);
        md << "| " << k.scenario << " | " << interval_text(k.advert) << " | " << mode(k.unicast) << " | " << g.counts(k)
           << " | " << triple(xg, ms_text) << " | " << triple(kg, ms_text) << " | " << ratio(xg, kg) << " | "
           << triple(xl, int_text) << " | " << triple(kl, int_text) << " | " << ratio(xl, kl) << " |\n";
    }

    // Crash.
    const auto crash_keys = g.keys({"crash"});
    if (!crash_keys.empty()) {
        md << "\n## Daemon crash, link up (SIGKILL only)\n\n"
           << "client1 sends an ARP who-has for the VIP every millisecond from a raw socket and records which MACs "
              "answer in each millisecond. *two answer*: milliseconds after the kill in which both nodes answered; "
              "*dead node answers*: from the kill to the dead node's last answer (\"to the end\" when it still "
              "answered in the last 20 ms of the window); the window is the time sampled after the kill. "
              "The probe's outage is client0's, as above: with keepalived the dead node's kernel keeps the VIP "
              "and answers the echo itself, so ICMP sees no outage although no daemon runs there and two hosts "
              "claim the address.\n\n"
           << "| advert | mode | daemon | runs | two answer ms | dead node answers ms | to the end | window ms | gap "
              "ms | lost |\n"
           << "|---|---|---|---|---|---|---|---|---|---|\n";
        for (const auto& k : crash_keys) {
            for (const auto d : {Daemon::xvipd, Daemon::keepalived}) {
                std::size_t n = 0, at_end = 0;
                std::vector<double> window;
                for (const auto* r : g.records(k)) {
                    if (r->spec.daemon != d || !r->result.ok) continue;
                    ++n;
                    at_end += r->result.dead_answering_at_end ? 1 : 0;
                    window.push_back(r->result.arp_window_ms);
                }
                md << "| " << interval_text(k.advert) << " | " << mode(k.unicast) << " | " << to_string(d) << " | " << n
                   << " | " << triple(g.stat(k, d, [](const RunResult& r) { return r.both_answer_ms; }), int_text)
                   << " | " << triple(g.stat(k, d, [](const RunResult& r) { return r.dead_answers_ms; }), int_text)
                   << " | " << at_end << " of " << n << " | " << triple(stat_of(window), int_text) << " | "
                   << triple(g.stat(k, d, gap), ms_text) << " | " << triple(g.stat(k, d, lost), int_text) << " |\n";
            }
            const Getter both = [](const RunResult& r) { return r.both_answer_ms; };
            const Getter dead = [](const RunResult& r) { return r.dead_answers_ms; };
            md << "| | | ratio | | " << ratio(g.stat(k, Daemon::xvipd, both), g.stat(k, Daemon::keepalived, both))
               << " | " << ratio(g.stat(k, Daemon::xvipd, dead), g.stat(k, Daemon::keepalived, dead)) << " | | | "
               << ratio(g.stat(k, Daemon::xvipd, gap), g.stat(k, Daemon::keepalived, gap)) << " | "
               << ratio(g.stat(k, Daemon::xvipd, lost), g.stat(k, Daemon::keepalived, lost)) << " |\n";
        }
    }

    // Restart.
    const auto restart_keys = g.keys({"restart"});
    if (!restart_keys.empty()) {
        md << "\n## Restart\n\n"
           << "xvipd: its restart path (SIGUSR2: exit 0 leaving data plane, pins, VIP and lease in place), then "
              "started again at once. keepalived: stop and start (SIGTERM, then started again at once), which "
              "is what `systemctl restart keepalived` does. *peer took over*: node1 logged a transition to "
              "MASTER after the signal.\n\n"
           << "| advert | mode | runs x/k | xvipd gap ms | keepalived gap ms | gap ratio | xvipd lost | keepalived "
              "lost | "
              "peer took over: xvipd | keepalived |\n|---|---|---|---|---|---|---|---|---|---|\n";
        for (const auto& k : restart_keys) {
            std::size_t took[2] = {0, 0}, n[2] = {0, 0};
            for (const auto* r : g.records(k)) {
                if (!r->result.ok) continue;
                const auto i = r->spec.daemon == Daemon::xvipd ? 0 : 1;
                ++n[i];
                took[i] += r->result.peer_transition.value_or(false) ? 1 : 0;
            }
            const auto xg = g.stat(k, Daemon::xvipd, gap), kg = g.stat(k, Daemon::keepalived, gap);
            const auto xl = g.stat(k, Daemon::xvipd, lost), kl = g.stat(k, Daemon::keepalived, lost);
            md << "| " << interval_text(k.advert) << " | " << mode(k.unicast) << " | " << g.counts(k) << " | "
               << triple(xg, ms_text) << " | " << triple(kg, ms_text) << " | " << ratio(xg, kg) << " | "
               << triple(xl, int_text) << " | " << triple(kl, int_text) << " | " << took[0] << " of " << n[0] << " | "
               << took[1] << " of " << n[1] << " |\n";
        }
    }

    // Decision -> GARP.
    md << "\n## From the new active node's decision to the VIP being served (µs)\n\n"
       << "Method. All times are CLOCK_MONOTONIC on this machine (one clock for every namespace). *First GARP*: "
          "an AF_PACKET socket on client0's eth0 (the lab's ARP watcher) stamps each ARP frame whose sender IP "
          "is the VIP as it is received; the first gratuitous one from the new active node's MAC after the "
          "fault counts. *xvipd decision*: the time of the event that made it master (its event loop's "
          "CLOCK_MONOTONIC, from which it also dates the lease), as its status gives it after the run "
          "(`last_transition.monotonic_ns`). Resolution: exact on the daemon side, the receive wake-up (tens "
          "of µs) on the GARP side. "
          "*keepalived decision*: its \"(VI_1) Entering MASTER STATE\" line, which keepalived writes before it "
          "adds the VIP and sends the GARPs, stamped when it reaches the console log file (unbuffered "
          "stderr; an inotify watch wakes the reader); keepalived's own log time has 1 s resolution. "
          "Resolution: the inotify wake-up, tens of µs, late rather than early, so keepalived's figure is "
          "if anything flattered. For a same-method comparison the xvipd column *log line → GARP* stamps "
          "xvipd's \"VI_1: BACKUP -> MASTER\" line the same way (xvipd logs the transition after the state "
          "word and the first GARP round, so it can be negative). *decision → first reply*: the probe's first "
          "echo reply received after the decision (failover only: 1 request/ms, so up to 1 ms of it is the "
          "probe's own spacing). *state word seen → GARP*: from the moment the poller first saw the active word "
          "(the write is at most one poll period, ~50 µs, earlier) to the first GARP. The ratio column is xvipd "
          "decision → GARP over keepalived log line → GARP, \"—\" "
          "where a median is negative (below the method's resolution): read it as \"both well under a "
          "millisecond\", not as a ranking.\n\n"
       << "| scenario | advert | mode | xvipd decision → GARP | xvipd state word seen → GARP | xvipd log line → GARP | "
          "keepalived log line → GARP | ratio | "
          "xvipd decision → first reply | keepalived decision → first reply "
          "|\n|---|---|---|---|---|---|---|---|---|---|\n";
    const Getter dg = [](const RunResult& r) { return r.decision_to_garp_us; };
    const Getter lg = [](const RunResult& r) { return r.log_to_garp_us; };
    const Getter wg = [](const RunResult& r) { return r.word_to_garp_us; };
    const Getter dr = [](const RunResult& r) { return r.decision_to_reply_us; };
    for (const auto& k : g.keys({"failover", "switchover", "preemption", "crash"})) {
        const auto xd = g.stat(k, Daemon::xvipd, dg), kd = g.stat(k, Daemon::keepalived, dg);
        md << "| " << k.scenario << " | " << interval_text(k.advert) << " | " << mode(k.unicast) << " | "
           << triple(xd, int_text) << " | " << triple(g.stat(k, Daemon::xvipd, wg), int_text) << " | "
           << triple(g.stat(k, Daemon::xvipd, lg), int_text) << " | " << triple(kd, int_text) << " | " << ratio(xd, kd)
           << " | " << triple(g.stat(k, Daemon::xvipd, dr), int_text) << " | "
           << triple(g.stat(k, Daemon::keepalived, dr), int_text) << " |\n";
    }

    // Steady.
    if (in.steady) {
        const auto& s = *in.steady;
        md << "\n## CPU and memory, steady state, adverts every " << interval_text(in.steady_advert) << "\n\n";
        if (!s.ok) {
            md << "Not measured: " << s.failure << "\n";
        } else {
            md << "An xvipd pair and a keepalived pair ran at the same time, each in a topology of its own, for "
               << num(s.seconds, 0)
               << " s with no fault. CPU: utime + stime from /proc/PID/stat read before "
                  "and after (clock ticks of "
               << sysconf(_SC_CLK_TCK)
               << " Hz), in % of one core; keepalived "
                  "counts its parent and its VRRP child. Memory: VmRSS at the end (keepalived: both "
                  "processes summed).\n\n"
               << "| node | xvipd CPU % | keepalived CPU % | ratio | xvipd RSS MiB | keepalived RSS MiB | ratio |\n"
               << "|---|---|---|---|---|---|---|\n";
            for (std::size_t i = 0; i < 2; ++i) {
                const double xc = 100 * s.xvipd[i].cpu_s / s.seconds, kc = 100 * s.keepalived[i].cpu_s / s.seconds;
                const double xr = static_cast<double>(s.xvipd[i].rss_kb) / 1024;
                const double kr = static_cast<double>(s.keepalived[i].rss_kb) / 1024;
                md << "| node" << i << (i == 0 ? " (master)" : " (backup)") << " | " << num(xc, 2) << " | "
                   << num(kc, 2) << " | " << (kc > 0 ? num(xc / kc, 2) + "×" : "—") << " | " << num(xr, 1) << " | "
                   << num(kr, 1) << " (" << s.keepalived[i].processes << " processes) | "
                   << (kr > 0 ? num(xr / kr, 2) + "×" : "—") << " |\n";
            }
        }
    }

    // Method and plots.
    md << "\n## Method\n\n"
       << "Every run builds a fresh topology with the lab's helper (tools/lab/topology): a bridge, "
          "node0 and node1 (the daemons), client0 (echo probe, GARP watcher) and client1 (ARP sampler), each "
          "in a network namespace of its own; nothing runs in the root namespace. Both nodes start; the "
          "benchmark waits for the election (xvipd: the pinned state word; keepalived: its log), waits one "
          "more advert interval, starts the probe and injects the fault 200 ms into it. The probe lasts "
          "long enough for the detection (Master_Down_Interval) and the recovery. keepalived runs as the "
          "interop tests run it: `keepalived -n -l -D -G -P -R -f CONF -p/-r/-c/-b` with its pid files in the "
          "run directory; it adds and removes the VIP itself. xvipd runs from the same keepalived.conf with "
          "`--keepalived-conf`. A failed run is retried once and left out of the figures.\n\n";
    std::vector<milliseconds> adverts;
    for (const auto& r : in.records) {
        if (std::find(adverts.begin(), adverts.end(), r.spec.advert) == adverts.end()) adverts.push_back(r.spec.advert);
    }
    std::sort(adverts.begin(), adverts.end(), std::greater<>());
    md << "## Plots\n\n";
    for (const auto a : adverts) {
        const auto file = "outage-" + interval_text(a) + ".png";
        if (auto w = plot(dir, g, a, file)) {
            warnings.push_back(*w);
        } else {
            md << "![outage, adverts every " << interval_text(a) << "](" << file << ")\n\n";
        }
    }
    md << "Raw figures of every run: [failover-runs.csv](failover-runs.csv).\n";
    std::ofstream(dir / "failover.md") << md.str();

    std::ofstream csv(dir / "failover-runs.csv");
    csv << "daemon,scenario,advert_ms,mode,rep,ok,gap_ms,lost,sent,decision_to_garp_us,word_to_garp_us,log_to_garp_us,"
           "decision_to_reply_us,both_answer_ms,dead_answers_ms,dead_answering_at_end,arp_window_ms,peer_transition,"
           "elapsed_s,takeover_gap_ms\n";
    const auto opt = [](const std::optional<double>& v) { return v ? num(*v, 3) : std::string(); };
    for (const auto& r : in.records) {
        const auto& x = r.result;
        csv << to_string(r.spec.daemon) << "," << r.spec.scenario << "," << r.spec.advert.count() << ","
            << mode(r.spec.unicast) << "," << r.rep << "," << (x.ok ? 1 : 0) << "," << num(x.gap_ms, 3) << "," << x.lost
            << "," << x.sent << "," << opt(x.decision_to_garp_us) << "," << opt(x.word_to_garp_us) << ","
            << opt(x.log_to_garp_us) << "," << opt(x.decision_to_reply_us) << "," << opt(x.both_answer_ms) << ","
            << opt(x.dead_answers_ms) << "," << (x.dead_answering_at_end ? 1 : 0) << "," << num(x.arp_window_ms, 0)
            << "," << (x.peer_transition ? (*x.peer_transition ? "1" : "0") : "") << "," << num(x.elapsed_s, 2) << ","
            << opt(x.takeover_gap_ms) << "\n";
    }
    return warnings;
}

std::string fast_markdown(const std::vector<Record>& records) {
    std::ostringstream md;
    md << "# Fast failover against keepalived\n\n"
       << "Written by `xvip-bench-failover --fast-only` (`bench/failover/`), on " << cpu_model()
       << ", Linux 6.18 namespaces; xvipd and keepalived alternate run by run, each run a fresh lab (2 nodes, "
          "2 clients on a bridge). `failover`: the active node's daemon SIGKILLed and its link set down (host "
          "death); `crash`: the daemon SIGKILLed, link up. client0 pings the VIP every millisecond: the outage "
          "is the gap in its replies around the new active node's decision (its takeover), from the last reply "
          "before it to the first after, as the kernel received them; the longest gap anywhere in the run is "
          "beside it (it also holds the pauses of a loaded host). In a crash client1 asks who has the VIP every "
          "millisecond (1 ms slots). xvipd: "
          "`fast_failover = true` (1 ms x 3) at keepalived's default 1 s adverts, the backup armed before the "
          "fault; keepalived: VRRP alone, at 1 s and at 10 ms adverts.\n\n";
    const auto label = [](const RunSpec& s) {
        return std::string(to_string(s.daemon)) + (s.fast_failover ? ", fast failover" : "") + ", adverts " +
               interval_text(s.advert);
    };
    for (const std::string scenario : {"failover", "crash"}) {
        std::vector<std::string> order;
        std::map<std::string, std::vector<const Record*>> by;
        for (const auto& r : records) {
            if (r.spec.scenario != scenario) continue;
            const auto l = label(r.spec);
            if (!by.count(l)) order.push_back(l);
            by[l].push_back(&r);
        }
        if (order.empty()) continue;
        md << "## " << scenario
           << "\n\n| variant | runs | outage ms min / **median** / max | longest gap anywhere ms (max) | lost | "
           << (scenario == "crash" ? "two answer ARP ms (max) | the killed node answers ms (max) | " : "")
           << "outage vs this variant's median |\n|---|---|---|---|---|" << (scenario == "crash" ? "---|---|" : "")
           << "---|\n";
        std::optional<Stat> fast;
        std::vector<std::string> not_fast;  // xvipd runs the detector did not take over, and why
        for (const auto& l : order) {
            std::vector<double> gaps, longest, lost, both, dead;
            for (const auto* r : by[l]) {
                if (!r->result.ok || !r->result.takeover_gap_ms) continue;
                if (r->spec.fast_failover && !r->result.cause.starts_with("fast failover:")) {
                    not_fast.push_back("run " + std::to_string(r->rep) + ", outage " +
                                       ms_text(*r->result.takeover_gap_ms) + " ms: " + r->result.cause);
                }
                gaps.push_back(*r->result.takeover_gap_ms);
                longest.push_back(r->result.gap_ms);
                lost.push_back(r->result.lost);
                if (r->result.both_answer_ms) both.push_back(*r->result.both_answer_ms);
                if (r->result.dead_answers_ms) dead.push_back(*r->result.dead_answers_ms);
            }
            const auto g = stat_of(gaps);
            if (!fast && l.find("fast failover") != std::string::npos) fast = g;
            const auto b = stat_of(both), d = stat_of(dead);
            const auto anywhere = stat_of(longest);
            md << "| " << l << " | " << gaps.size() << " of " << by[l].size() << " | " << triple(g, ms_text) << " | "
               << (anywhere ? ms_text(anywhere->max) : "—") << " | "
               << triple(stat_of(lost), [](double v) { return num(v, 0); }) << " | ";
            if (scenario == "crash") md << (b ? ms_text(b->max) : "—") << " | " << (d ? ms_text(d->max) : "—") << " | ";
            md << (l.find("fast failover") != std::string::npos ? std::string("-") : ratio(fast, g)) << " |\n";
        }
        md << "\n";
        if (not_fast.empty()) {
            md << "Every xvipd run: taken over by the detector.\n\n";
        } else {
            md << "xvipd runs taken over by VRRP, not the detector (the new active node's transition cause):\n\n";
            for (const auto& line : not_fast) md << "- " << line << "\n";
            md << "\n";
        }
    }
    md << "The last column is the fast-failover row's median outage over this row's: below 1, fast failover's "
          "outage is that much shorter. In a crash, xvipd's old node keeps serving until its lease ends (3 "
          "adverts), by design; keepalived's killed node keeps its VIP on the interface and answers for it "
          "until the end of the run.\n";
    return md.str();
}

}  // namespace xvip::bench_failover
