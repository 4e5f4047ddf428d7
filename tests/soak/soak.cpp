#include "soak/soak.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "common/monotonic_clock.hpp"
#include "dataplane/dataplane.hpp"
#include "lab/keepalived_text.hpp"
#include "lab/log_text.hpp"
#include "lab/timeline.hpp"
#include "lab/watchers.hpp"
#include "probe/arp_sampler.hpp"
#include "probe/echo_probe.hpp"
#include "soak/segment_faults.hpp"
#include "topology/load_average.hpp"
#include "topology/topology.hpp"

namespace xvip::soak {

namespace plan = topo::address_plan;
using namespace std::chrono;

namespace {

constexpr std::uint8_t kVrid = 51;
constexpr std::array<int, 3> kPriority{150, 100, 50};
constexpr std::size_t kNodes = kPriority.size();
// --fast-failover: what every instance is configured with, and what the silence bound follows.
constexpr milliseconds kFastInterval{1};
constexpr int kFastMultiplier = 3;
constexpr milliseconds kSettleTimeout{10000};
// The probes run past the last fault by this much: the final fault-free window.
constexpr milliseconds kTail{8000};

// This process's scheduling niceness (getpriority returns it, -1 included; errno tells failure).
int own_niceness() {
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, 0);
    return errno == 0 ? nice : 0;
}

// The soak cannot go on (a daemon crashed or would not stop, no election): reported, exit 1.
class Abort : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The operations soak's metrics port, inside each node's namespace (127.0.0.1 there).
constexpr std::uint16_t kMetricsPort = 9650;
// Its connection flood: idle connections held open for a while.
constexpr int kFloodConnections = 500;
constexpr milliseconds kFloodHold{2000};
// The nftables table the nft-drop fault adds in a node's namespace (and removes).
constexpr const char* kNftTable = "xvip_soak";
// systemd's default RestartSec, between an exit 75 and the next start.
constexpr milliseconds kRestartSec{100};
// What xvipd logs when it adopts a data plane whose lease ran out before it came (served_interface.cpp).
constexpr const char* kLeaseLapsed = "the lease the previous xvipd left ran out";

// The IPv6 instance's link-local VIP (RFC 5798 §5.2.9: first in its adverts), on eth0 of every
// node: an address flush takes it, xvipd must put it back.
constexpr const char* kLinkLocalVip = "fe80::1:51";

std::vector<AddressFamily> families_of(SoakFamily family) {
    switch (family) {
        case SoakFamily::ipv4: return {AddressFamily::ipv4};
        case SoakFamily::ipv6: return {AddressFamily::ipv6};
        case SoakFamily::dual: return {AddressFamily::ipv4, AddressFamily::ipv6};
    }
    return {};
}

const char* family_text(SoakFamily family) {
    switch (family) {
        case SoakFamily::ipv4: return "IPv4";
        case SoakFamily::ipv6: return "IPv6";
        case SoakFamily::dual: return "dual-stack (IPv4 and IPv6)";
    }
    return "?";
}

const char* family_option(SoakFamily family) {
    switch (family) {
        case SoakFamily::ipv4: return "ipv4";
        case SoakFamily::ipv6: return "ipv6";
        case SoakFamily::dual: return "dual";
    }
    return "?";
}

// The instance of a family: its name and the VIP the client probes.
std::string instance_name(AddressFamily family) {
    return family == AddressFamily::ipv4 ? "VI_1" : "VI_6";
}
std::string probed_vip(AddressFamily family) {
    return family == AddressFamily::ipv4 ? plan::vip_ipv4(0) : plan::vip_ipv6(0);
}

// `operations`: two track scripts that always pass, one unweighted (keepalived's default: a failure
// would mean FAULT) and one weighted (-60): the restart and reload paths must keep both verdicts.
// One instance per family; `bad`: each with a VIP outside the interface's subnets instead (a
// configuration that validates and that the system refuses: a bad reload).
std::string node_config(std::size_t i, milliseconds advert, bool operations, SoakFamily family, bool bad,
                        bool fast_failover) {
    std::ostringstream c;
    c << "# xvip-soak: node" << i << "\n"
      << "[global]\nlog_level = \"info\"\n\n";
    if (operations) {
        c << "[[script]]\nname = \"unweighted\"\ncommand = \"/bin/true\"\ninterval = \"500ms\"\n\n"
          << "[[script]]\nname = \"weighted\"\ncommand = \"/bin/true\"\ninterval = \"500ms\"\nweight = -60\n\n";
    }
    for (const auto f : families_of(family)) {
        const bool v4 = f == AddressFamily::ipv4;
        std::string vips;
        if (v4) {
            vips = "\"" + (bad ? std::string("203.0.113.10") : plan::vip_ipv4(0)) + "/" +
                   std::to_string(plan::kIpv4PrefixLength) + "\"";
        } else {
            vips = "\"" + std::string(kLinkLocalVip) + "/64\", \"" +
                   (bad ? std::string("2001:db8:99::10") : plan::vip_ipv6(0)) + "/" +
                   std::to_string(plan::kIpv6PrefixLength) + "\"";
        }
        c << "[[instance]]\nname = \"" << instance_name(f) << "\"\ninterface = \"eth0\"\nvrid = " << int{kVrid} << "\n"
          << "priority = " << kPriority.at(i) << "\nadvert_interval = \"" << advert.count() << "ms\"\n"
          << "vips = [" << vips << "]\n";
        if (operations) c << "track_scripts = [{ name = \"unweighted\" }, { name = \"weighted\" }]\n";
        if (fast_failover) {
            c << "fast_failover = true\nfast_failover_interval = \"" << kFastInterval.count()
              << "ms\"\nfast_failover_multiplier = " << kFastMultiplier << "\n";
        }
        c << "\n";
    }
    return c.str();
}

// Opens `count` TCP connections to 127.0.0.1:`port` (non-blocking: those the server's backlog has
// no room for stay half-open), holds them all for `hold`, closes them. Runs in the caller's
// namespace; returns how many connected.
int connection_flood(std::uint16_t port, int count, milliseconds hold) {
    std::vector<int> fds;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int n = 0; n < count; ++n) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        fds.push_back(fd);
        connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);  // EINPROGRESS
    }
    std::this_thread::sleep_for(hold);
    int connected = 0;
    for (const int fd : fds) {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
            sockaddr_in peer{};
            socklen_t peer_length = sizeof peer;
            if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) ++connected;
        }
        close(fd);
    }
    return connected;
}

std::size_t count_fds(int pid) {
    std::size_t n = 0;
    if (DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
        while (const dirent* entry = readdir(dir)) {
            if (entry->d_name[0] != '.') ++n;
        }
        closedir(dir);
    }
    return n;
}

// What a process's descriptors are, by kind ("socket:[...]" counts as socket): "socket 12, pipe 2".
std::string fd_kinds(int pid) {
    std::map<std::string, int> kinds;
    const auto dir = "/proc/" + std::to_string(pid) + "/fd";
    if (DIR* d = opendir(dir.c_str())) {
        while (const dirent* entry = readdir(d)) {
            if (entry->d_name[0] == '.') continue;
            char target[256] = {};
            const auto n = readlink((dir + "/" + entry->d_name).c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            std::string kind(target, static_cast<std::size_t>(n));
            if (const auto colon = kind.find(":["); colon != std::string::npos) kind.resize(colon);
            ++kinds[kind];
        }
        closedir(d);
    }
    std::string text;
    for (const auto& [kind, count] : kinds) text += (text.empty() ? "" : ", ") + kind + " " + std::to_string(count);
    return text;
}

long rss_kib(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

std::string ms_text(nanoseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(d.count()) / 1e6);
    return text;
}

std::string seconds_text(nanoseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", duration<double>(d).count());
    return text;
}

// Runs a probe on a real-time thread, so that a busy machine (the daemons restarting, a build
// beside) delays its millisecond schedule as little as possible: a request not sent on time
// would read as a millisecond in which no node answered. Both probes sleep between requests.
template <typename Probe>
auto prioritised(Probe&& probe) {
    sched_param param{};
    param.sched_priority = 10;
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);  // best effort: root can
    return probe();
}

struct Daemon {
    topo::Process* process = nullptr;
    bool expected_exit = false;  // we stopped it (or are about to)
    bool stopped = false;        // SIGSTOPped
};

class Soak {
public:
    Soak(const SoakOptions& o, std::FILE* out)
        : o_(o),
          out_(out),
          rng_(o.seed),
          topo_(topo::TopologySpec{.nodes = kNodes, .clients = 1}),
          segment_(topo_),
          families_(families_of(o.family)) {
        for (const auto f : families_) vips_.push_back(*IpAddress::parse(probed_vip(f)));
        kinds_ = o_.faults.empty() ? std::vector<FaultKind>(kFaultKinds.begin(), kFaultKinds.end()) : o_.faults;
        operations_ = std::any_of(kinds_.begin(), kinds_.end(), operational);
        if (operations_) {
            // The flood holds hundreds of descriptors of this process for a while.
            rlimit limit{};
            if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
                limit.rlim_cur = limit.rlim_max;
                setrlimit(RLIMIT_NOFILE, &limit);
            }
        }
        std::vector<lab::WatchedNode> watched;
        for (std::size_t i = 0; i < kNodes; ++i) {
            write_config(i, false);
            watched.push_back({topo_.node(i).name, lab::state_pin_path(topo_.node(i).pin_dir, topo_.node(i).netns)});
        }
        // One watcher per instance (family), on the same timeline.
        for (const auto f : families_) {
            watchers_.push_back(
                std::make_unique<lab::NodeWatcher>(timeline_, watched, InstanceKey{f, kVrid}.index(), false));
        }
    }

    ~Soak() {
        // An nft-drop fault cut short: its table goes (the namespaces go with the topology as well).
        for (const auto i : nft_tables_) {
            topo_.run(topo_.node(i).netns, {"nft", "delete", "table", "inet", kNftTable});
        }
        for (auto& d : daemons_) {
            if (d.process && d.stopped) d.process->send_signal(SIGCONT);
        }
        for (auto& d : daemons_) {
            if (d.process && d.process->running()) d.process->send_signal(SIGTERM);
        }
        for (auto& d : daemons_) {
            if (d.process) d.process->wait_for(5s);
        }
        for (auto& w : watchers_) w->stop();
    }

    int run() {
        print_header();
        for (std::size_t i = 0; i < kNodes; ++i) start(i);
        wait_settled(kSettleTimeout + duration_cast<milliseconds>(3 * master_down(kNodes - 1)), "the initial election");

        const auto probe_time = duration_cast<milliseconds>(o_.duration) + kTail + o_.quiet;
        // Per family: who answers ARP (IPv4) or neighbour solicitations (IPv6) for the VIP, and
        // echo requests to it.
        std::vector<std::future<probe::ArpSamples>> samplers;
        std::vector<std::future<probe::EchoProbeResult>> echoes;
        for (std::size_t k = 0; k < families_.size(); ++k) {
            const bool v4 = families_[k] == AddressFamily::ipv4;
            samplers.push_back(std::async(std::launch::async, [this, probe_time, k, v4] {
                // Each node's own MAC, then the other one a mac-change gives it: folded onto the node.
                std::vector<MacAddress> macs;
                for (const auto& n : topo_.nodes()) macs.push_back(*parse_mac(n.mac));
                for (std::size_t i = 0; i < kNodes; ++i) macs.push_back(*parse_mac(other_mac(i)));
                const probe::ArpSamplerOptions so{
                    .vip = vips_[k],
                    .own_ip = *IpAddress::parse(v4 ? topo_.client(0).ipv4 : topo_.client(0).ipv6),
                    .nodes = macs,
                    .duration = probe_time,
                    .stop = &give_up_};
                return topo_.run_in(
                    topo_.client(0).netns,
                    [so, v4] {
                        return prioritised([&] { return v4 ? probe::run_arp_sampler(so) : probe::run_ns_sampler(so); });
                    },
                    probe_time + 10s);
            }));
            echoes.push_back(std::async(std::launch::async, [this, probe_time, k] {
                const probe::EchoProbeOptions eo{.target = vips_[k], .duration = probe_time, .stop = &give_up_};
                return topo_.run_in(
                    topo_.client(0).netns, [eo] { return prioritised([&] { return probe::run_echo_probe(eo); }); },
                    probe_time + 10s);
            }));
        }
        // Leaving early (an abort), the probes stop before their futures wait for them.
        struct StopProbes {
            std::atomic<bool>& flag;
            ~StopProbes() { flag = true; }
        } stop_probes{give_up_};
        const auto t0 = monotonic_now();
        load_before_ = topo::load_average();
        timeline_.set_start(t0);
        // The first fault-free window: the run as it starts.
        const auto initial = settle_counters_;
        std::this_thread::sleep_for(o_.quiet);
        const auto first_quiet_end = monotonic_now();
        read_usage();
        window_counters_ = vrrp_counters();
        quiet_windows_.push_back(
            {t0, first_quiet_end, "before the first fault", counted_since(initial, window_counters_)});

        const auto end = t0 + duration_cast<nanoseconds>(o_.duration);
        while (monotonic_now() < end) run_fault(t0);

        // The probes run on past the last fault: one more fault-free window.
        const auto last_quiet_begin = faults_.empty() ? monotonic_now() : faults_.back().quiet_end;
        progress(t0, "faults done; the probes run on for " +
                         format_duration(duration_cast<milliseconds>(t0 + probe_time - monotonic_now())));
        std::vector<probe::ArpSamples> samples;
        std::vector<probe::EchoProbeResult> echo_results;
        for (auto& f : samplers) samples.push_back(f.get());
        for (auto& f : echoes) echo_results.push_back(f.get());
        check_daemons();
        const auto probes_end = monotonic_now();
        read_usage();
        quiet_windows_.push_back(
            {last_quiet_begin, probes_end, "after the last fault", counted_since(window_counters_, vrrp_counters())});
        stop_daemons();
        for (auto& w : watchers_) w->stop();
        return conclude(t0, samples, echo_results);
    }

private:
    struct QuietWindow {
        TimePoint from, to;
        std::string what;
        std::size_t vrrp_transitions = 0;
    };

    std::filesystem::path config_path(std::size_t i) const { return topo_.run_dir() / (topo_.node(i).name + ".toml"); }
    void write_config(std::size_t i, bool bad) const {
        std::ofstream out(config_path(i));
        out << node_config(i, o_.advert, operations_, o_.family, bad, o_.fast_failover);
        if (!out.flush()) throw std::runtime_error("cannot write " + config_path(i).string());
    }
    std::filesystem::path state_dir(std::size_t i) const { return topo_.run_dir() / (topo_.node(i).name + "-state"); }

    nanoseconds master_down(std::size_t i) const { return lab::master_down(o_.advert, kPriority.at(i)); }

    // The MAC a mac-change gives node i (and takes back the next time).
    static std::string other_mac(std::size_t i) {
        auto mac = plan::node_mac(i);
        mac.replace(9, 2, "11");  // 02:78:76:01:00:0i -> 02:78:76:11:00:0i
        return mac;
    }

    // What systemd's Restart=on-failure does when xvipd leaves through its restart path because
    // its interface changed: node i's xvipd must exit 75 within 5 s; it is started again after
    // RestartSec (100 ms, systemd's default). Returns when it exited.
    TimePoint restarted_on_failure(std::size_t i, const std::string& after) {
        auto& d = daemons_[i];
        const auto status = d.process->wait_for(5s);
        if (!status || status->signal != 0 || status->code != 75) {
            throw Abort(topo_.node(i).name + "'s xvipd did not exit 75 " + after + " (" +
                        (status ? status->describe() : std::string("still running")) + "); its log ends:\n" +
                        lab::tail_lines(d.process->read_stderr(), 15));
        }
        const auto exited = monotonic_now();
        std::this_thread::sleep_for(kRestartSec);
        start(i);
        return exited;
    }

    // "address/prefix" is one of the configured VIPs.
    bool is_vip(const std::string& with_prefix) const {
        const auto address = IpAddress::parse(with_prefix.substr(0, with_prefix.find('/')));
        return address && (std::find(vips_.begin(), vips_.end(), *address) != vips_.end() ||
                           *address == *IpAddress::parse(kLinkLocalVip));
    }

    void add_own_ipv6(const topo::Endpoint& node) const {
        topo_.run_checked(node.netns,
                          {"ip", "-6", "addr", "replace", node.ipv6 + "/" + std::to_string(plan::kIpv6PrefixLength),
                           "dev", "eth0", "nodad"});
    }

    bool holds_link_local_vip(std::size_t i) const {
        const auto r = topo_.run(topo_.node(i).netns, {"ip", "-6", "-o", "addr", "show", "dev", "eth0"});
        return r.out.find(" " + std::string(kLinkLocalVip) + "/128 ") != std::string::npos;
    }

    // Node i's eth0 addresses of scope link (its link-local one): a flush takes them.
    std::vector<std::string> link_local_addresses(std::size_t i) const {
        const auto r =
            topo_.run_checked(topo_.node(i).netns, {"ip", "-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"});
        std::vector<std::string> found;
        const auto j = nlohmann::json::parse(r.out, nullptr, false);
        if (j.is_discarded() || !j.is_array()) return found;
        for (const auto& link : j) {
            for (const auto& a : link.value("addr_info", nlohmann::json::array())) {
                found.push_back(a.value("local", std::string()) + "/" + std::to_string(a.value("prefixlen", 64)));
            }
        }
        return found;
    }

    void print_header() {
        std::fprintf(out_,
                     "== %s soak: %zu xvipd nodes (priorities 150/100/50, preempt) + client, VRRPv3 %s, adverts "
                     "every %s, faults for %s, seed %llu\n",
                     operations_ ? "operations" : "chaos", kNodes, family_text(o_.family),
                     format_duration(o_.advert).c_str(), format_duration(o_.duration).c_str(),
                     static_cast<unsigned long long>(o_.seed));
        std::string kinds;
        for (const auto k : kinds_) kinds += std::string(kinds.empty() ? "" : ", ") + to_string(k);
        std::fprintf(out_, "   faults: %s; loss by %s\n", kinds.c_str(), segment_.loss_method().c_str());
        if (operations_) {
            std::fprintf(out_,
                         "   operations set-up: two track scripts that pass (weight 0 and -60), --metrics %u in each "
                         "node's namespace\n",
                         unsigned{kMetricsPort});
        }
        std::fflush(out_);
    }

    void progress(TimePoint t0, const std::string& text) {
        std::fprintf(out_, "[%7.1f s] %s\n", duration<double>(monotonic_now() - t0).count(), text.c_str());
        std::fflush(out_);
    }

    void start(std::size_t i) {
        // `nice -n` is relative to the soak's own niceness; it execs, so the pid is xvipd's.
        std::vector<std::string> argv{"nice",
                                      "-n",
                                      std::to_string(o_.nice - own_nice_),
                                      o_.xvipd,
                                      "--config",
                                      config_path(i).string(),
                                      "--pin-dir",
                                      topo_.node(i).pin_dir.string(),
                                      "--state-dir",
                                      state_dir(i).string()};
        if (operations_) {
            argv.push_back("--metrics");
            argv.push_back(std::to_string(kMetricsPort));
        }
        auto& p = topo_.spawn(topo_.node(i).netns, argv);
        if (daemons_.size() < kNodes) daemons_.resize(kNodes);
        daemons_[i] = Daemon{.process = &p};
        watchers_.front()->add_log(i, p.stderr_path(), true);
    }

    // The target's new xvipd adopted a data plane whose lease had run out (it logs it): the restart
    // was not within the lease, and the fault is judged as a crash (guarantees.md).
    void note_lease_lapse(Fault& f, const std::string& which) {
        const auto log = daemons_[f.target].process->read_stderr();
        const auto at = log.find(kLeaseLapsed);
        if (at == std::string::npos) return;
        f.lease_lapsed = true;
        const auto end = log.find('\n', at);
        f.detail += "; at " + which + ": " + log.substr(at, end == std::string::npos ? std::string::npos : end - at);
    }

    // A daemon that ended without being told to is a crash: the soak stops there.
    void check_daemons() {
        for (std::size_t i = 0; i < daemons_.size(); ++i) {
            auto& d = daemons_[i];
            if (!d.process || d.expected_exit || d.process->running()) continue;
            const auto status = d.process->wait_for(0ms);
            throw Abort(topo_.node(i).name + "'s xvipd ended unexpectedly (" +
                        (status ? status->describe() : std::string("?")) + "); its log ends:\n" +
                        lab::tail_lines(d.process->read_stderr(), 15));
        }
    }

    // The daemon's whole status, or nullopt when it does not answer.
    std::optional<nlohmann::json> daemon_status(std::size_t i) const {
        const auto r = topo_.run(topo_.node(i).netns,
                                 {o_.xvipctl, "status", "--json", "--socket", (state_dir(i) / "xvipd.sock").string()});
        if (!r.success()) return std::nullopt;
        auto j = nlohmann::json::parse(r.out, nullptr, false);
        if (j.is_discarded() || !j.contains("instances") || j["instances"].empty()) return std::nullopt;
        return j;
    }

    // Every instance's status (one per family), or nullopt when the daemon does not answer.
    std::optional<nlohmann::json> instances_of(std::size_t i) const {
        auto j = daemon_status(i);
        if (!j || j->at("instances").size() != families_.size()) return std::nullopt;
        return (*j)["instances"];
    }

    // Waits until node i's daemon answers with its instance out of INIT: its signal handlers are
    // in place, so that the next signal of a storm takes the path it names.
    void await_running(std::size_t i, const std::string& after) {
        const auto deadline = steady_clock::now() + 5s;
        for (;;) {
            check_daemons();
            if (const auto s = instances_of(i); s && std::all_of(s->begin(), s->end(), [](const nlohmann::json& x) {
                                                    const auto state = x.value("state", std::string());
                                                    return state != "INIT" && !state.empty();
                                                })) {
                return;
            }
            if (steady_clock::now() >= deadline) {
                throw Abort(topo_.node(i).name + "'s xvipd did not answer within 5 s " + after);
            }
            std::this_thread::sleep_for(5ms);
        }
    }

    // Sends SIGHUP to node i and waits for the reload's outcome in its status: `refused` or not.
    // Returns the error of a refused reload.
    std::string reload_and_wait(std::size_t i, bool expect_refused) {
        // The outcome is told apart from the previous one by its age (ms_ago, as xvipctl's answer
        // arrives a few ms later): keep reloads this far apart.
        std::this_thread::sleep_for(20ms);
        const auto sent = steady_clock::now();
        daemons_[i].process->send_signal(SIGHUP);
        const auto deadline = sent + 5s;
        for (;;) {
            check_daemons();
            if (const auto s = daemon_status(i); s && s->contains("reload")) {
                const auto& r = (*s)["reload"];
                const auto ago = milliseconds(r.value("ms_ago", std::int64_t{1} << 40));
                if (steady_clock::now() - ago >= sent - 1ms) {
                    const bool refused = r.value("result", std::string()) == "refused";
                    if (refused != expect_refused) {
                        throw Abort(topo_.node(i).name + "'s reload was " + (refused ? "refused" : "done") +
                                    ", expected " + (expect_refused ? "refused" : "done") + ": " + r.dump());
                    }
                    return r.value("error", std::string());
                }
            }
            if (steady_clock::now() >= deadline) {
                throw Abort(topo_.node(i).name + "'s xvipd showed no reload within 5 s of SIGHUP");
            }
            std::this_thread::sleep_for(5ms);
        }
    }

    // node0 (the highest priority) alone active in the data plane and MASTER, every other node
    // standby in the data plane and a BACKUP following node0 that has received an advert since
    // the heal (since its first answer after it): until then a backup's Master_Down_Interval may
    // still be running down from the adverts the fault cost it. Keeps the daemons' transition
    // counters read then in settle_counters_.
    bool settled() {
        for (std::size_t i = 0; i < kNodes; ++i) {
            const auto want = i == 0 ? XdpRole::active : XdpRole::standby;
            for (const auto& w : watchers_) {
                if (w->role(i) != want) return false;
            }
        }
        // A field that is absent or null reads as "".
        const auto text = [](const nlohmann::json& j, const char* key) {
            return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
        };
        std::vector<std::uint64_t> counters;
        bool heard = true;
        std::map<std::string, std::string> node0_source;  // by instance: where node0's adverts come from
        for (std::size_t i = 0; i < kNodes; ++i) {
            const auto all = instances_of(i);
            if (!all) return false;
            std::uint64_t received = 0, transitions = 0;
            for (const auto& s : *all) {
                received += s.contains("counters") ? s["counters"].value("adverts_received", std::uint64_t{0})
                                                   : std::uint64_t{0};
                transitions += s.value("transitions", std::uint64_t{0});
                if (i == 0) {
                    if (text(s, "state") != "MASTER") return false;
                    node0_source[text(s, "name")] = text(s, "source");
                } else if (text(s, "state") != "BACKUP" || text(s, "active_router") != node0_source[text(s, "name")]) {
                    return false;
                }
            }
            if (!received_at_heal_[i]) received_at_heal_[i] = received;
            if (i != 0 && received <= *received_at_heal_[i]) heard = false;
            counters.push_back(transitions);
        }
        if (!heard) return false;
        settle_counters_ = std::move(counters);
        return true;
    }

    // Every daemon's count of its VRRP transitions (no fault is on: each must answer).
    std::vector<std::uint64_t> vrrp_counters() const {
        std::vector<std::uint64_t> counters;
        for (std::size_t i = 0; i < kNodes; ++i) {
            const auto all = instances_of(i);
            if (!all) throw Abort("xvipctl status on " + topo_.node(i).name + " failed in a fault-free window");
            std::uint64_t transitions = 0;
            for (const auto& s : *all) transitions += s.value("transitions", std::uint64_t{0});
            counters.push_back(transitions);
        }
        return counters;
    }

    static std::size_t counted_since(const std::vector<std::uint64_t>& before,
                                     const std::vector<std::uint64_t>& after) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) n += after[i] - before[i];
        return n;
    }

    std::string roles_text() const {
        std::string text;
        for (std::size_t i = 0; i < kNodes; ++i) {
            const auto r = watchers_.front()->role(i);
            text += (i ? ", " : "") + topo_.node(i).name + " " + (r ? std::string(to_string(*r)) : "not attached");
        }
        return text;
    }

    bool wait_settled(milliseconds timeout, const std::string& after) {
        const auto deadline = steady_clock::now() + timeout;
        received_at_heal_.assign(kNodes, std::nullopt);
        while (!settled()) {
            check_daemons();
            if (steady_clock::now() >= deadline) {
                if (faults_.empty()) throw Abort("no settled election after " + after + " (" + roles_text() + ")");
                return false;
            }
            std::this_thread::sleep_for(5ms);
        }
        return true;
    }

    template <typename Int>
    Int pick(Int low, Int high) {
        return std::uniform_int_distribution<Int>(low, high)(rng_);
    }
    milliseconds pick_ms(int low, int high) { return milliseconds(pick(low, high)); }

    std::size_t active_node() const {
        for (std::size_t i = 0; i < kNodes; ++i) {
            if (watchers_.front()->role(i) == XdpRole::active) return i;
        }
        return 0;
    }

    void signal_and_wait(std::size_t i, int signal, milliseconds timeout, bool must_succeed) {
        auto& d = daemons_[i];
        d.expected_exit = true;
        d.process->send_signal(signal);
        const auto status = d.process->wait(timeout);
        if (must_succeed && !status.success()) {
            throw Abort(topo_.node(i).name + "'s xvipd did not exit 0 on signal " + std::to_string(signal) + ": " +
                        status.describe() + "; its log ends:\n" + lab::tail_lines(d.process->read_stderr(), 15));
        }
    }

    void run_fault(TimePoint t0) {
        Fault f;
        f.number = faults_.size() + 1;
        f.kind = kinds_[pick<std::size_t>(0, kinds_.size() - 1)];
        // Two faults in three hit the active node; the rest a backup.
        const std::size_t active = active_node();
        f.target = pick(0, 2) < 2 ? active : (active + pick<std::size_t>(1, kNodes - 1)) % kNodes;
        f.target_active = f.target == active;
        const auto& node = topo_.node(f.target);
        auto& daemon = daemons_[f.target];

        // Every fault is undone after a while; the heal is stamped just before the undoing.
        const auto hold_then = [&](milliseconds hold, auto&& undo) {
            std::this_thread::sleep_for(hold);
            f.healed = monotonic_now();
            undo();
        };
        const auto start_again = [&] { start(f.target); };

        f.injected = monotonic_now();
        switch (f.kind) {
            case FaultKind::kill:
            case FaultKind::planned_stop: {
                const bool kill = f.kind == FaultKind::kill;
                const auto hold = pick_ms(200, 1500);
                signal_and_wait(f.target, kill ? SIGKILL : SIGTERM, kill ? 5s : 10s, !kill);
                f.detail = std::string(kill ? "SIGKILL" : "SIGTERM (planned stop)") + ", started again after " +
                           format_duration(hold);
                hold_then(hold, start_again);
                break;
            }
            case FaultKind::restart:
                signal_and_wait(f.target, SIGUSR2, 5s, true);
                f.detail = "SIGUSR2 (the restart path), started again at once";
                hold_then(0ms, start_again);
                break;
            case FaultKind::stall: {
                const auto hold = pick_ms(150, 1500);
                daemon.stopped = true;
                daemon.process->send_signal(SIGSTOP);
                f.detail = "SIGSTOP, SIGCONT after " + format_duration(hold);
                hold_then(hold, [&] {
                    daemon.process->send_signal(SIGCONT);
                    daemon.stopped = false;
                });
                break;
            }
            case FaultKind::link_down: {
                const auto hold = pick_ms(200, 1500);
                segment_.set_link(node, false);
                f.detail = "eth0 down, up after " + format_duration(hold);
                hold_then(hold, [&] {
                    segment_.set_link(node, true);
                    // A down takes the node's own IPv6 addresses; its network configuration puts
                    // them back as it comes up (the kernel makes the link-local one itself).
                    if (o_.family != SoakFamily::ipv4) add_own_ipv6(node);
                });
                break;
            }
            case FaultKind::loss: {
                const auto hold = pick_ms(1000, 3000);
                const int percent = pick(10, 30);
                const auto delay = pick_ms(1, 20);
                segment_.add_loss(node, percent, delay, rng_());
                f.detail = std::to_string(percent) + " % loss and " + format_duration(delay) + " delay for " +
                           format_duration(hold);
                hold_then(hold, [&] {
                    if (const auto what = segment_.clear_loss(node); !what.empty()) f.detail += " (" + what + ")";
                });
                break;
            }
            case FaultKind::restart_storm: {
                const int n = pick(3, 5);
                for (int k = 0; k < n; ++k) {
                    signal_and_wait(f.target, SIGUSR2, 5s, true);
                    if (k == n - 1) f.healed = monotonic_now();
                    start(f.target);
                    await_running(f.target, "after restart " + std::to_string(k + 1) + " of a storm");
                    note_lease_lapse(f, "restart " + std::to_string(k + 1));
                }
                f.detail = std::to_string(n) + " x (SIGUSR2, started again at once, answering)" + f.detail;
                break;
            }
            case FaultKind::reload_storm: {
                const int n = pick(3, 6);
                for (int k = 0; k < n; ++k) {
                    if (k == n - 1) f.healed = monotonic_now();
                    reload_and_wait(f.target, false);
                    std::this_thread::sleep_for(pick_ms(0, 100));
                }
                f.detail = std::to_string(n) + " x SIGHUP, the same configuration";
                break;
            }
            case FaultKind::bad_reload: {
                // A VIP no subnet of eth0 holds: a valid configuration the system refuses.
                write_config(f.target, true);
                const auto error = reload_and_wait(f.target, true);
                write_config(f.target, false);
                f.healed = monotonic_now();
                reload_and_wait(f.target, false);
                f.detail = "SIGHUP with a VIP outside eth0's subnets (refused: " + error.substr(0, 60) +
                           "), then the good configuration and SIGHUP";
                break;
            }
            case FaultKind::nft_drop: {
                const auto hold = pick_ms(1000, 2000);
                const auto& ns = node.netns;
                nft_tables_.push_back(f.target);
                topo_.run_checked(ns, {"nft", "add", "table", "inet", kNftTable});
                topo_.run_checked(
                    ns, {"nft", "add chain inet", kNftTable, "output { type filter hook output priority 0 ; }"});
                topo_.run_checked(ns, {"nft", "add rule inet", kNftTable, "output meta l4proto 112 drop"});
                f.detail = "nftables dropping VRRP on output, removed after " + format_duration(hold);
                hold_then(hold, [&] {
                    topo_.run_checked(ns, {"nft", "delete", "table", "inet", kNftTable});
                    nft_tables_.pop_back();
                });
                break;
            }
            case FaultKind::metrics_flood: {
                const int pid = daemon.process->pid();
                const auto fds_before = steady_fds(pid);
                const int connected = topo_.run_in(
                    node.netns, [] { return connection_flood(kMetricsPort, kFloodConnections, kFloodHold); },
                    kFloodHold + 10s);
                f.healed = monotonic_now();
                f.detail = std::to_string(kFloodConnections) + " idle connections to the metrics port for " +
                           format_duration(kFloodHold) + " (" + std::to_string(connected) + " accepted or queued)";
                // The server holds up to 8 of them and serves them two at a time, each closed after
                // 1 s without a request: its descriptors are back within about 4 s, not at once.
                const auto deadline = steady_clock::now() + 8s;
                while (count_fds(pid) > fds_before && steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(10ms);
                }
                f.detail += "; its descriptors back to " + std::to_string(fds_before) + " " +
                            ms_text(monotonic_now() - f.healed) + " ms later";
                break;
            }
            case FaultKind::iface_recreate: {
                // A VLAN, bond or VF reset: gone for a while, back with another ifindex and no XDP.
                const auto hold = pick_ms(0, 1000);
                daemon.expected_exit = true;
                topo_.delete_link(f.target);
                f.detail = "eth0 deleted, re-created after " + format_duration(hold);
                hold_then(hold, [&] { topo_.restore_link(f.target); });
                mac_changed_[f.target] = false;  // made again with its own MAC
                const auto exited = restarted_on_failure(f.target, "after eth0 was re-created");
                f.detail += "; xvipd exited 75 " + ms_text(exited - f.healed) + " ms later, started again after " +
                            format_duration(kRestartSec);
                break;
            }
            case FaultKind::mac_change: {
                mac_changed_[f.target] = !mac_changed_[f.target];
                const auto mac = mac_changed_[f.target] ? other_mac(f.target) : node.mac;
                daemon.expected_exit = true;
                f.healed = monotonic_now();
                topo_.run_checked(node.netns, {"ip", "link", "set", "dev", "eth0", "address", mac});
                const auto exited = restarted_on_failure(f.target, "after eth0's MAC changed");
                f.detail = "eth0 given MAC " + mac + "; xvipd exited 75 " + ms_text(exited - f.healed) +
                           " ms later, started again after " + format_duration(kRestartSec) + f.detail;
                break;
            }
            case FaultKind::addr_flush: {
                // Every address of eth0 (both families); the node's own ones come back after a while,
                // as an operator (or DHCP, or networkd) would put them back; the VIPs are xvipd's.
                const auto hold = pick_ms(200, 1500);
                const auto link_local = link_local_addresses(f.target);
                // xvipd may add a link-local VIP back between iproute2's flush rounds, after ten of
                // which `ip` gives up ("Flush remains incomplete"): the flush happened all the same.
                const auto flushed = topo_.run(node.netns, {"ip", "addr", "flush", "dev", "eth0"});
                if (!flushed.success() && flushed.err.find("Flush remains incomplete") == std::string::npos) {
                    throw Abort("ip addr flush dev eth0 on " + node.name + " failed: " + flushed.err);
                }
                f.detail = "ip addr flush dev eth0, its own addresses added back after " + format_duration(hold);
                hold_then(hold, [&] {
                    topo_.run_checked(node.netns,
                                      {"ip", "addr", "add", node.ipv4 + "/" + std::to_string(plan::kIpv4PrefixLength),
                                       "dev", "eth0"});
                    add_own_ipv6(node);
                    for (const auto& a : link_local) {
                        if (is_vip(a)) continue;
                        topo_.run(node.netns, {"ip", "addr", "add", a, "dev", "eth0", "nodad"});
                    }
                });
                break;
            }
            case FaultKind::partition: {
                const auto hold = pick_ms(400, 2000);
                f.client_with_target = pick(0, 1) == 1;
                std::vector<const topo::Endpoint*> cut{&node};
                if (f.client_with_target) cut.push_back(&topo_.client(0));
                segment_.partition(cut);
                f.detail = std::string(f.client_with_target ? "with the client" : "alone") + ", healed after " +
                           format_duration(hold);
                hold_then(hold, [&] { segment_.heal(); });
                break;
            }
        }
        f.settled_in_time = wait_settled(kSettleTimeout, "fault " + std::to_string(f.number));
        f.settled = monotonic_now();
        // The new xvipd of a MAC change has started its instances by now (a storm's restarts were
        // each awaited as they came).
        if (f.kind == FaultKind::mac_change) note_lease_lapse(f, "the new start");
        // The flush took the link-local VIP off eth0: xvipd must have put it back by now.
        if (f.kind == FaultKind::addr_flush && o_.family != SoakFamily::ipv4 && !holds_link_local_vip(f.target)) {
            final_violations_.push_back("fault " + std::to_string(f.number) + " (addr-flush): the link-local VIP " +
                                        kLinkLocalVip + " was not back on " + node.name + "'s eth0 once it settled");
        }
        // A hitless fault: the other daemons made no transition. The target's count starts afresh
        // on a restart (a new process, a mac-change's too): then it may count its resume alone. A
        // reload carries it.
        if (expected_hitless(f) && f.settled_in_time) {
            for (std::size_t i = 0; i < kNodes; ++i) {
                if (i == f.target && (f.kind == FaultKind::restart_storm || f.kind == FaultKind::mac_change)) {
                    // One resume per instance.
                    const auto resumes = families_.size();
                    f.fault_vrrp_transitions += settle_counters_.at(i) > resumes ? settle_counters_.at(i) - resumes : 0;
                    continue;
                }
                f.fault_vrrp_transitions += settle_counters_.at(i) - window_counters_.at(i);
            }
        }
        std::this_thread::sleep_for(o_.quiet);
        f.quiet_end = monotonic_now();
        check_daemons();
        read_usage();
        window_counters_ = vrrp_counters();
        if (f.settled_in_time) f.quiet_vrrp_transitions = counted_since(settle_counters_, window_counters_);
        progress(t0, "fault " + std::to_string(f.number) + ": " + to_string(f.kind) + " " + node.name +
                         (f.target_active ? " (active)" : " (backup)") + ", " + f.detail + "; " +
                         (f.settled_in_time ? "settled " + ms_text(f.settled - f.healed) + " ms after"
                                            : "NOT settled within " + format_duration(kSettleTimeout) + " of") +
                         " the heal (" + roles_text() + ")");
        faults_.push_back(f);
    }

    // A daemon's descriptors. Its track scripts (the operations soak's, every 500 ms) hold a few
    // for the millisecond or two each run takes (a pipe, /dev/null, the child's pidfd): the least
    // of a few readings 7 ms apart is the steady count.
    std::size_t steady_fds(int pid) const {
        auto fewest = count_fds(pid);
        for (int k = 1; operations_ && k < 6; ++k) {
            std::this_thread::sleep_for(7ms);
            fewest = std::min(fewest, count_fds(pid));
        }
        return fewest;
    }

    // Descriptors and memory of every daemon, at the end of a fault-free window (no xvipctl
    // connection is open then).
    void read_usage() {
        const auto now = monotonic_now();
        for (std::size_t i = 0; i < daemons_.size(); ++i) {
            const auto& d = daemons_[i];
            if (!d.process || d.expected_exit || !d.process->running()) continue;
            auto& kinds = fd_kinds_[d.process->pid()];
            const auto listing = fd_kinds(d.process->pid());
            if (kinds.first.empty()) kinds.first = listing;
            kinds.second = listing;
            usage_.push_back({.at = now,
                              .pid = d.process->pid(),
                              .node = i,
                              .fds = steady_fds(d.process->pid()),
                              .rss_kib = rss_kib(d.process->pid())});
        }
    }

    // The planned stop at the end: every daemon exits 0.
    void stop_daemons() {
        for (std::size_t i = 0; i < daemons_.size(); ++i) {
            auto& d = daemons_[i];
            if (!d.process || !d.process->running()) continue;
            d.expected_exit = true;
            d.process->send_signal(SIGTERM);
        }
        for (std::size_t i = 0; i < daemons_.size(); ++i) {
            auto& d = daemons_[i];
            if (!d.process) continue;
            const auto status = d.process->wait_for(10s);
            if (!status || !status->success()) {
                final_violations_.push_back(topo_.node(i).name + "'s xvipd did not exit 0 on SIGTERM at the end (" +
                                            (status ? status->describe() : std::string("still running")) + ")");
            }
        }
    }

    // When a data-plane role changed, as the watcher saw it (within a quarter millisecond).
    std::vector<TimePoint> role_changes() const {
        std::vector<TimePoint> times;
        for (const auto& e : timeline_.events()) {
            if (e.text.rfind("data plane: ", 0) == 0 && e.text.find(" -> ") != std::string::npos) times.push_back(e.at);
        }
        std::sort(times.begin(), times.end());
        return times;
    }

    // Who takes over for the client when the active node (node0, the highest priority) fails:
    // the highest-priority backup on the client's side.
    static std::size_t successor(const Fault& f) {
        if (f.kind == FaultKind::partition && f.client_with_target && !f.target_active) return f.target;
        return f.target == 0 ? 1 : 0;
    }

    // With fast failover on, the detection time of the node that takes over for the client when it
    // is the designated successor: the highest-priority backup of the active node (node0, or node1
    // when node0 is the active node that failed). Otherwise nullopt: that node waits for VRRP.
    std::optional<nanoseconds> fast_detection(const Fault& f) const {
        if (!o_.fast_failover) return std::nullopt;
        const std::size_t active = f.target_active ? f.target : 0;
        const std::size_t designated = active == 0 ? 1 : 0;
        if (successor(f) != designated) return std::nullopt;
        // As the detector reaches it: the detection time from the latest answer (before the fault),
        // plus a request up to an interval late (xvipd logs only later ones) and the detector's
        // recheck (an eighth of an interval), within two intervals.
        return kFastMultiplier * kFastInterval + 2 * kFastInterval;
    }

    // How late node `node`'s fast-failover requests left, at most, from a second before `f` until
    // the node took over (or the fault settled): xvipd logs a request that leaves an interval or
    // more late, a line a second at most unless a later one says more, so the second before covers
    // the lines it held back. What its requests do once it is master delays nothing.
    nanoseconds requests_late(const Fault& f, std::size_t node, const std::vector<lab::Event>& events) const {
        static constexpr std::string_view kLine = "fast failover: a request left ";
        const auto& name = topo_.node(node).name;
        TimePoint until = f.settled;
        for (const auto& e : events) {
            if (e.at >= f.injected && e.at < until && e.source == name &&
                (e.text.find("taking over") != std::string::npos || e.text.find("-> MASTER") != std::string::npos)) {
                until = e.at + 1ns;
            }
        }
        nanoseconds most{0};
        for (const auto& e : events) {
            if (e.at < f.injected - 1s || e.at >= until || e.source != name) continue;
            const auto at = e.text.find(kLine);
            if (at == std::string::npos) continue;
            const double late_ms = std::strtod(e.text.c_str() + at + kLine.size(), nullptr);
            most = std::max(most, duration_cast<nanoseconds>(duration<double, std::milli>(late_ms)));
        }
        return most;
    }

    // The --faults of this run, to replay it ("" for the chaos soak's default).
    std::string faults_option() const {
        if (o_.faults.empty()) return {};
        std::string text = " --faults ";
        for (std::size_t k = 0; k < o_.faults.size(); ++k) text += std::string(k ? "," : "") + to_string(o_.faults[k]);
        return text;
    }

    // Where the longest time between two echo replies was: "+12.3 s, 970.0 ms, in the fault-free
    // window after fault 8" (or during a fault, or outside both).
    std::string where_longest_gap(const std::vector<TimePoint>& replies, TimePoint t0) const {
        nanoseconds longest{0};
        TimePoint at{};
        for (std::size_t i = 1; i < replies.size(); ++i) {
            if (replies[i] - replies[i - 1] > longest) {
                longest = replies[i] - replies[i - 1];
                at = replies[i - 1];
            }
        }
        if (longest == 0ns) return "none";
        std::string where = "outside the faults and their fault-free windows";
        for (const auto& f : faults_) {
            if (at >= f.injected && at < f.settled) where = "during fault " + std::to_string(f.number);
            if (at >= f.settled && at < f.quiet_end)
                where = "in the fault-free window after fault " + std::to_string(f.number);
        }
        return "between two replies began at +" + seconds_text(at - t0) + " s, " + ms_text(longest) + ", " + where;
    }

    int conclude(TimePoint t0, const std::vector<probe::ArpSamples>& arp,
                 const std::vector<probe::EchoProbeResult>& echo);
    void write_report(const std::string& body) const;

    SoakOptions o_;
    int own_nice_ = own_niceness();
    std::FILE* out_;
    std::mt19937_64 rng_;
    lab::Timeline timeline_;
    topo::Topology topo_;
    SegmentFaults segment_;
    std::vector<AddressFamily> families_;  // one instance each
    std::vector<IpAddress> vips_;          // the VIP the client probes, per family
    std::vector<FaultKind> kinds_;
    bool operations_ = false;                 // track scripts and a metrics port (the operations soak)
    std::vector<std::size_t> nft_tables_;     // nodes with the nft-drop table in place
    std::array<bool, kNodes> mac_changed_{};  // the node's eth0 has other_mac(i)
    std::vector<std::unique_ptr<lab::NodeWatcher>> watchers_;
    // Set when the run ends early (an abort): the probes stop instead of running their course.
    std::atomic<bool> give_up_{false};  // per family; the first tails the logs
    std::vector<Daemon> daemons_;
    std::vector<Fault> faults_;
    std::vector<QuietWindow> quiet_windows_;
    std::vector<Usage> usage_;
    std::map<int, std::pair<std::string, std::string>> fd_kinds_;  // by pid: at its first and last reading
    std::vector<std::string> final_violations_;
    std::string load_before_;                     // when the faults began (the report reads it again at its end)
    std::vector<std::uint64_t> settle_counters_;  // at the latest settling
    std::vector<std::optional<std::uint64_t>> received_at_heal_;  // adverts each node had received then
    std::vector<std::uint64_t> window_counters_;                  // at the end of the latest fault-free window
};

}  // namespace

namespace {

int Soak::conclude(TimePoint t0, const std::vector<probe::ArpSamples>& arps,
                   const std::vector<probe::EchoProbeResult>& echoes) {
    // The round trip of the bounds is the fault-free one: requests sent in fault-free windows.
    std::vector<std::pair<TimePoint, TimePoint>> calm;
    for (const auto& f : faults_) calm.emplace_back(f.settled, f.quiet_end);
    for (const auto& w : quiet_windows_) calm.emplace_back(w.from, w.to);
    const auto in_calm = [&](TimePoint t) {
        return std::any_of(calm.begin(), calm.end(), [t](const auto& w) { return t >= w.first && t < w.second; });
    };
    // The client's view of each family's VIP.
    std::vector<ClientView> views;
    std::vector<nanoseconds> round_trips;
    for (std::size_t k = 0; k < families_.size(); ++k) {
        const auto& arp = arps[k];
        const auto& echo = echoes[k];
        ClientView view{.arp_start = arp.started_at,
                        .slot = 1ms,
                        .arp_slots = arp.slots,
                        .arp_requests = arp.requests,
                        .echo_replies = {}};
        // Bits 3-5: a node answering from the other MAC a mac-change gave it.
        for (auto& slot : view.arp_slots) {
            slot = static_cast<std::uint8_t>((slot & 0x87) | ((slot >> kNodes) & 0x07));
        }
        for (const auto& r : echo.replies) {
            view.echo_replies.push_back(echo.started_at + r.received);
            if (in_calm(echo.started_at + r.sent)) round_trips.push_back(r.received - r.sent);
        }
        views.push_back(std::move(view));
    }
    const auto family_name = [&](std::size_t k) {
        return std::string(families_[k] == AddressFamily::ipv4 ? "IPv4" : "IPv6");
    };
    std::sort(round_trips.begin(), round_trips.end());
    const nanoseconds rtt_p99 = round_trips.empty() ? 0ns : round_trips[round_trips.size() * 99 / 100];
    const auto changes = role_changes();

    std::vector<std::string> violations = final_violations_;
    std::ostringstream md;
    md << "## Run\n\n"
       << "- " << kNodes << " xvipd nodes (priorities 150, 100, 50; preemption on) and one client on a bridge, "
       << "VRRPv3 multicast, " << family_text(o_.family) << " (" << families_.size()
       << (families_.size() == 1 ? " instance" : " instances, one per family, VRID 51 each")
       << (o_.family == SoakFamily::ipv4 ? "" : "; the IPv6 one with the link-local VIP fe80::1:51 first")
       << "), adverts every " << format_duration(o_.advert) << "; seed " << o_.seed << "\n"
       << "- faults injected for " << format_duration(o_.duration) << ", one at a time, each followed by a "
       << format_duration(o_.quiet) << " fault-free window once one node was active again; loss by "
       << segment_.loss_method() << "\n"
       << "- load average (1 / 5 / 15 min) when the faults began " << load_before_ << ", at the report "
       << topo::load_average() << " (on " << std::thread::hardware_concurrency()
       << " CPUs: beyond that, other work makes the daemons late, and what it costs is counted); the daemons "
          "ran at nice "
       << o_.nice << (o_.nice == -10 ? ", as the packaged unit runs xvipd" : "") << ", the soak itself at nice "
       << own_nice_ << "\n"
       << (o_.fast_failover
               ? "- fast failover on in every instance (1 ms x 3): where the node that takes over for "
                 "the client is the designated successor, the silence bound is its 3 ms detection "
                 "time + two intervals (a request less than an interval late, unlogged; the detector's recheck) + 5 "
                 "ms, not its MDI; plus how late its requests left (xvipd logs one that leaves an "
                 "interval or more late) from a second before the fault until it took over\n"
               : "");
    for (std::size_t k = 0; k < families_.size(); ++k) {
        const bool v4 = families_[k] == AddressFamily::ipv4;
        md << "- client, " << family_name(k) << " VIP " << vips_[k].to_string() << ": " << arps[k].sent
           << (v4 ? " ARP requests" : " neighbour solicitations") << " for the VIP and " << echoes[k].sent << " ICMP"
           << (v4 ? "" : "v6") << " echo requests to it, one of each per millisecond; echo " << echoes[k].summary()
           << "; " << unprobed_slots(views[k], views[k].arp_start, views[k].arp_start + views[k].arp_slots.size() * 1ms)
           << " ms without a request of the client's (it was not scheduled), left out of the runs; the longest gap "
           << where_longest_gap(views[k].echo_replies, t0) << "\n";
    }
    md << "- round trip in the fault-free windows, p99: " << duration_cast<microseconds>(rtt_p99).count() << " us\n\n";

    md << "## Faults\n\n"
       << "Times in ms. *two answer*: the longest run of milliseconds in which two nodes answered ARP for the VIP "
          "(IPv6: a neighbour advertisement for it; after a partition: from the heal); *none answers*: the longest run "
          "in which no node did; both from "
          "the fault until one node was active again, against their bounds where the issue sets one. *echo gap*: "
          "the client's longest time without an echo reply over the same span; *once settled*: in the fault-free "
          "window after it (bound: one advert interval). *changes*: data-plane role changes "
          "during the fault / role changes and VRRP transitions in the fault-free window after it.\n\n"
       << "| # | at s | fault | node | detail | family | two answer (bound) | none answers (bound) | echo gap | "
          "settled after heal | echo gap once settled (bound) | changes |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    struct KindSummary {
        int count = 0;
        int on_active = 0;
        nanoseconds both{0}, silence{0}, echo_gap{0};
        std::size_t changes = 0;
        int violations = 0;
    };
    std::map<std::pair<FaultKind, AddressFamily>, KindSummary> by_kind;
    const auto events = timeline_.events();
    std::size_t quiet_total = 0;  // over every fault-free window
    nanoseconds quiet_time{0};
    // The transitions the nodes logged and the data-plane changes seen in [from, to), briefly.
    const auto transitions_text = [&](TimePoint from, TimePoint to) {
        std::string text;
        for (const auto& e : events) {
            if (e.at < from || e.at >= to || e.text.find(" -> ") == std::string::npos) continue;
            text += (text.empty() ? "" : "; ") + std::string("+") + seconds_text(e.at - t0) + " s " + e.source + ": " +
                    e.text;
        }
        return text.empty() ? std::string("none logged: see the report") : text;
    };
    for (const auto& f : faults_) {
        for (std::size_t k = 0; k < views.size(); ++k) {
            const Timing timing{
                .advert = o_.advert,
                .round_trip = rtt_p99,
                .successor_master_down = master_down(successor(f)),
                .successor_fast_detection = fast_detection(f),
                .successor_late = fast_detection(f) ? requests_late(f, successor(f), events) : nanoseconds(0)};
            const auto found = assess(f, timing, views[k], changes);
            const auto bound = [](const std::optional<nanoseconds>& b) {
                return b ? " (" + ms_text(*b) + ")" : std::string();
            };
            md << "| " << f.number << " | " << seconds_text(f.injected - t0) << " | " << to_string(f.kind) << " | "
               << topo_.node(f.target).name << (f.target_active ? " (active)" : "") << " | " << f.detail << " | "
               << family_name(k) << " | " << ms_text(found.both_answer.length) << bound(found.limits.both_answer)
               << " | " << ms_text(found.silence.length) << bound(found.limits.silence)
               << (found.limits.silence && timing.successor_late > 0ns
                       ? " incl. " + ms_text(timing.successor_late) + " requests late"
                       : "")
               << " | " << ms_text(found.echo_gap) << " | "
               << (f.settled_in_time ? ms_text(f.settled - f.healed) : std::string("not settled")) << " | "
               << ms_text(found.settled_echo_gap) << " (" << ms_text(found.limits.settled_echo_gap) << ") | "
               << found.fault_transitions << " / " << found.quiet_transitions << " |\n";
            auto& s = by_kind[{f.kind, families_[k]}];
            ++s.count;
            s.on_active += f.target_active ? 1 : 0;
            s.both = std::max(s.both, found.both_answer.length);
            s.silence = std::max(s.silence, found.silence.length);
            s.echo_gap = std::max(s.echo_gap, found.echo_gap);
            s.changes += found.fault_transitions;
            s.violations += static_cast<int>(found.violations.size());
            for (const auto& v : found.violations) {
                // Which transitions, in the verdict itself: CI shows a long report's end only.
                const bool quiet = v.find("in the fault-free window after it settled") != std::string::npos;
                violations.push_back(family_name(k) + ": " + v +
                                     (quiet ? " (" + transitions_text(f.settled, f.quiet_end) + ")" : ""));
            }
            // The role changes and transitions are the nodes', not a family's: counted once.
            if (k == 0) {
                quiet_total += found.quiet_transitions;
                quiet_time += f.quiet_end - f.settled;
            }
        }
    }
    md << "\n## By kind of fault\n\n"
       << "| fault | family | count (on the active node) | longest two answer ms | longest none answers ms | "
          "longest echo gap ms | changes | bounds broken |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& [key, k] : by_kind) {
        md << "| " << to_string(key.first) << " | " << (key.second == AddressFamily::ipv4 ? "IPv4" : "IPv6") << " | "
           << k.count << " (" << k.on_active << ") | " << ms_text(k.both) << " | " << ms_text(k.silence) << " | "
           << ms_text(k.echo_gap) << " | " << k.changes << " | " << k.violations << " |\n";
    }

    md << "\n## Fault-free windows\n\n";
    for (const auto& w : quiet_windows_) {
        const auto n = count_within(changes, w.from, w.to) + w.vrrp_transitions;
        quiet_total += n;
        quiet_time += w.to - w.from;
        if (n != 0) violations.push_back(std::to_string(n) + " state transition(s) in the fault-free window " + w.what);
    }
    md << faults_.size() + quiet_windows_.size() << " windows, " << ms_text(quiet_time) << " ms in all: " << quiet_total
       << " data-plane role changes and VRRP transitions (bound: none; the transitions are the "
       << "daemons' own counters, read at both ends of each window).\n";
    // What changed where nothing should have, for the operator to read.
    const auto list_changes = [&](TimePoint from, TimePoint to, const std::string& what) {
        for (const auto& e : events) {
            if (e.at >= from && e.at < to && e.text.find(" -> ") != std::string::npos) {
                md << "- " << what << ", +" << seconds_text(e.at - t0) << " s, " << e.source << ": " << e.text << "\n";
            }
        }
    };
    for (const auto& f : faults_) {
        list_changes(f.settled, f.quiet_end, "after fault " + std::to_string(f.number));
        // Transitions the daemons counted there: everything their logs said from the fault on.
        if (f.quiet_vrrp_transitions == 0) continue;
        for (const auto& e : events) {
            if (e.at >= f.injected && e.at < f.quiet_end + 500ms && e.source.rfind("node", 0) == 0) {
                md << "  - fault " << f.number << ", +" << seconds_text(e.at - t0) << " s, " << e.source << ": "
                   << e.text << "\n";
            }
        }
    }
    for (const auto& w : quiet_windows_) list_changes(w.from, w.to, w.what);

    const auto usage = assess_usage(usage_, o_.rss_slack_kib);
    violations.insert(violations.end(), usage.violations.begin(), usage.violations.end());
    md << "\n## Descriptors and memory\n\nEach daemon read at the end of every fault-free window it lived through, "
          "its first reading against its last (bound: the same descriptors, at most "
       << o_.rss_slack_kib << " KiB more resident memory):\n\n";
    for (const auto& line : usage.lines) md << "- " << line << "\n";
    // For a daemon whose descriptors changed: which kinds, first and last.
    for (const auto& v : usage.violations) {
        const auto pid_at = v.find(" pid ");
        if (pid_at == std::string::npos || v.find("descriptors changed") == std::string::npos) continue;
        const int pid = std::atoi(v.c_str() + pid_at + 5);
        if (const auto k = fd_kinds_.find(pid); k != fd_kinds_.end()) {
            md << "  - pid " << pid << " descriptors first: " << k->second.first << "; last: " << k->second.second
               << "\n";
        }
    }
    if (usage.daemons_compared == 0) {
        violations.push_back("no daemon lived through two fault-free windows: descriptors and memory unchecked");
    }

    md << "\n## Verdict\n\n";
    if (violations.empty()) {
        md << "Every bound held: " << faults_.size() << " faults, no crash, every daemon exited 0 at the end.\n";
    } else {
        md << violations.size() << " bound(s) broken:\n\n";
        for (const auto& v : violations) md << "- " << v << "\n";
    }
    const auto text = md.str();
    std::fprintf(out_, "\n%s", text.c_str());
    std::fflush(out_);
    write_report(text);
    return violations.empty() ? kSoakHeld : kSoakViolated;
}

void Soak::write_report(const std::string& body) const {
    if (o_.report.empty()) return;
    utsname host{};
    uname(&host);
    const auto now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    std::ofstream out(o_.report);
    out << "# xvip " << (operations_ ? "operations" : "chaos") << " soak\n\nWritten by `xvip-soak` (`tests/soak/`) on "
        << date << ", Linux " << host.release << " (" << host.machine << "), " << std::thread::hardware_concurrency()
        << " CPUs; replay with `xvip-soak --seed " << o_.seed << " --duration " << format_duration(o_.duration)
        << faults_option()
        << (o_.family == SoakFamily::ipv4 ? "" : std::string(" --family ") + family_option(o_.family))
        << (o_.fast_failover ? " --fast-failover" : "") << "`.\n\n"
        << body;
    if (!out) throw std::runtime_error("cannot write " + o_.report.string());
}

}  // namespace

int run_soak(const SoakOptions& options, std::FILE* out) {
    try {
        Soak soak(options, out);
        return soak.run();
    } catch (const Abort& e) {
        std::fprintf(out, "SOAK FAILED: %s\n", e.what());
        return kSoakViolated;
    } catch (const std::exception& e) {
        std::fprintf(out, "soak error: %s\n", e.what());
        return kSoakError;
    }
}

}  // namespace xvip::soak
