// Self-test of the namespace topology helper that every network test builds on: what it promises
// while alive (interfaces, addresses, reachability, an XDP program on XDP peers, bpffs and pin directories),
// and that nothing of it is left afterwards, whether the test ends normally, throws, fails during
// setup, is ended by SIGTERM, or is killed outright (the next run clears the remains).

#include "topology/topology.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "topology/pidfd.hpp"
#include "topology/poll_until.hpp"

namespace xvip::topo {
namespace {

using Lines = std::set<std::string>;

Lines lines_of(const std::string& text) {
    Lines lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.insert(line);
    return lines;
}

Lines new_since(const Lines& before, const Lines& after) {
    Lines added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::inserter(added, added.begin()));
    return added;
}

std::string joined(const Lines& lines) {
    std::string text;
    for (const auto& line : lines) text += "\n  " + line;
    return text;
}

// What the root network namespace holds, reduced to what must never change because of us:
// interface names, addresses, routes.
Lines root_namespace_state() {
    Lines state;
    std::istringstream links(run_checked({"ip", "-o", "link", "show"}).out);
    for (std::string line; std::getline(links, line);) {
        std::istringstream fields(line);
        std::string index, name;
        fields >> index >> name;
        state.insert("link " + name.substr(0, name.find('@')));
    }
    std::istringstream addresses(run_checked({"ip", "-o", "addr", "show"}).out);
    for (std::string line; std::getline(addresses, line);) {
        std::istringstream fields(line);
        std::string index, name, family, address;
        fields >> index >> name >> family >> address;
        state.insert("addr " + name + " " + family + " " + address);
    }
    for (const auto& route : lines_of(run_checked({"ip", "-4", "route", "show", "table", "all"}).out)) {
        state.insert("route " + route);
    }
    for (const auto& route : lines_of(run_checked({"ip", "-6", "route", "show", "table", "all"}).out)) {
        state.insert("route " + route);
    }
    return state;
}

Lines namespaces_starting_with(const std::string& prefix) {
    Lines found;
    for (const auto& line : lines_of(run_checked({"ip", "netns", "list"}).out)) {
        const std::string name = line.substr(0, line.find(' '));
        if (name.rfind(prefix, 0) == 0) found.insert(name);
    }
    return found;
}

bool is_mount_point(const std::filesystem::path& path) {
    std::ifstream mountinfo("/proc/self/mountinfo");
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point;
        fields >> id >> parent >> device >> root >> mount_point;
        if (mount_point == path.string()) return true;
    }
    return false;
}

bool is_bpffs_mount(const std::filesystem::path& path) {
    struct statfs info {};
    return statfs(path.c_str(), &info) == 0 && info.f_type == BPF_FS_MAGIC;
}

// A process is gone when it no longer exists or is only an unreaped zombie of a dead parent.
bool process_gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto after_name = text.rfind(')');
    return after_name != std::string::npos && text.substr(after_name + 2, 1) == "Z";
}

// The parts of a run that must all be gone after it ends.
struct RunTraces {
    std::string netns_prefix;
    std::filesystem::path run_dir;
    std::filesystem::path bpffs_dir;
    std::vector<pid_t> pids;

    explicit RunTraces(const Topology& topo)
        : netns_prefix(topo.netns_prefix()), run_dir(topo.run_dir()), bpffs_dir(topo.bpffs_dir()) {}
    RunTraces() = default;
};

void expect_no_traces(const RunTraces& run) {
    EXPECT_EQ(namespaces_starting_with(run.netns_prefix), Lines{}) << "namespaces of the run outlived it";
    EXPECT_FALSE(is_mount_point(run.bpffs_dir)) << run.bpffs_dir << " is still mounted";
    EXPECT_FALSE(std::filesystem::exists(run.run_dir)) << run.run_dir << " was not removed";
    for (const pid_t pid : run.pids) {
        // Bounded: a process killed by a signal handler is reaped by whoever inherits it.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!process_gone(pid) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        EXPECT_TRUE(process_gone(pid)) << "pid " << pid << " outlived the run";
    }
}

struct InterfaceView {
    bool exists = false;
    bool up = false;
    bool running = false;
    std::string mac;
    Lines addresses;  // "192.0.2.11/24", "2001:db8:1::11/64", link-local too
};

int prefix_length(const sockaddr* netmask) {
    int bits = 0;
    const auto* bytes =
        netmask->sa_family == AF_INET
            ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr)
            : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr);
    const int size = netmask->sa_family == AF_INET ? 4 : 16;
    for (int i = 0; i < size; ++i) bits += __builtin_popcount(bytes[i]);
    return bits;
}

// Runs on a thread inside the namespace: the kernel's own view, not what `ip` prints.
InterfaceView inspect_interface(const std::string& ifname) {
    InterfaceView view;
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return view;
    ifreq request{};
    ifname.copy(request.ifr_name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &request) == 0) {
        view.exists = true;
        view.up = (request.ifr_flags & IFF_UP) != 0;
        view.running = (request.ifr_flags & IFF_RUNNING) != 0;
    }
    if (ioctl(fd, SIOCGIFHWADDR, &request) == 0) {
        char mac[18];
        const auto* b = reinterpret_cast<const unsigned char*>(request.ifr_hwaddr.sa_data);
        std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        view.mac = mac;
    }
    close(fd);
    ifaddrs* all = nullptr;
    if (getifaddrs(&all) != 0) return view;
    for (const ifaddrs* entry = all; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || ifname != entry->ifa_name) continue;
        const int family = entry->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) continue;
        char text[INET6_ADDRSTRLEN];
        const void* address =
            family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(entry->ifa_addr)->sin_addr)
                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(entry->ifa_addr)->sin6_addr);
        inet_ntop(family, address, text, sizeof text);
        view.addresses.insert(std::string(text) + "/" + std::to_string(prefix_length(entry->ifa_netmask)));
    }
    freeifaddrs(all);
    return view;
}

class TopologyTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) {
            GTEST_FAIL() << "the topology self-test needs root (network namespaces, veth, "
                            "bpffs mounts); run it as root, e.g. sudo ctest -L integration";
        }
        // No topology of this process may be alive between tests, so every check below can
        // look at this pid's whole namespace prefix.
        ASSERT_EQ(namespaces_starting_with("xvt" + std::to_string(getpid()) + "-"), Lines{});
        root_before_ = root_namespace_state();
    }

    void TearDown() override {
        if (geteuid() != 0) return;
        EXPECT_EQ(new_since(root_before_, root_namespace_state()), Lines{})
            << "the root network namespace gained something";
    }

    void expect_root_untouched() const {
        EXPECT_EQ(new_since(root_before_, root_namespace_state()), Lines{})
            << "the root network namespace gained something";
    }

    static std::string our_prefix() { return "xvt" + std::to_string(getpid()) + "-"; }

    Lines root_before_;
};

TEST_F(TopologyTest, TwoNodesAndAClientAreWiredAsPromisedAndRemovedAfterwards) {
    RunTraces traces;
    int sleeper_pidfd = -1;
    {
        Topology topo({.nodes = 2, .clients = 1});
        traces = RunTraces(topo);
        EXPECT_EQ(topo.nodes().size(), 2u);
        EXPECT_EQ(topo.clients().size(), 1u);
        EXPECT_EQ(topo.node(1).netns, topo.netns_prefix() + "node1");
        EXPECT_EQ(topo.node(1).ipv4, "192.0.2.11");
        EXPECT_EQ(topo.node(1).ipv6, "2001:db8:1::11");
        EXPECT_EQ(topo.client(0).ipv4, "192.0.2.50");
        EXPECT_EQ(namespaces_starting_with(topo.netns_prefix()),
                  (Lines{topo.bridge_netns(), topo.node(0).netns, topo.node(1).netns, topo.client(0).netns}));
        expect_root_untouched();

        std::vector<Endpoint> hosts = topo.nodes();
        hosts.insert(hosts.end(), topo.clients().begin(), topo.clients().end());
        for (const auto& host : hosts) {
            SCOPED_TRACE(host.netns);
            const auto view = topo.run_in(host.netns, [ifname = host.ifname] { return inspect_interface(ifname); });
            EXPECT_TRUE(view.exists);
            EXPECT_TRUE(view.up);
            EXPECT_TRUE(view.running) << "no carrier";
            EXPECT_EQ(view.mac, host.mac);
            EXPECT_TRUE(view.addresses.contains(host.ipv4 + "/24")) << joined(view.addresses);
            EXPECT_TRUE(view.addresses.contains(host.ipv6 + "/64")) << joined(view.addresses);
            EXPECT_EQ(topo.run_checked(host.netns, {"ip", "-4", "route", "show", "default"}).out, "");
            EXPECT_EQ(topo.run_checked(host.netns, {"ip", "-6", "route", "show", "default"}).out, "");
            EXPECT_EQ(topo.run_checked(host.netns, {"ip", "-6", "addr", "show", "tentative"}).out, "");
            const auto port =
                topo.run_checked(topo.bridge_netns(), {"ip", "-o", "link", "show", "dev", host.bridge_port});
            EXPECT_NE(port.out.find("master br0"), std::string::npos) << port.out;
            EXPECT_NE(port.out.find("state UP"), std::string::npos) << port.out;
        }

        for (const auto& node : topo.nodes()) {
            SCOPED_TRACE(node.netns);
            for (const auto& [from, to] : {std::pair{node, topo.client(0)}, std::pair{topo.client(0), node}}) {
                for (const auto& address : {to.ipv4, to.ipv6}) {
                    const auto ping = topo.run(from.netns, {"ping", "-c", "1", "-W", "1", address}, 5s);
                    EXPECT_TRUE(ping.success()) << from.name << " -> " << address << ": " << ping.out << ping.err;
                }
            }
            // Read back independently of the helper's own check.
            const auto port =
                topo.run_checked(topo.bridge_netns(), {"ip", "-d", "link", "show", "dev", node.bridge_port});
            EXPECT_NE(port.out.find("prog/xdp id"), std::string::npos)
                << "the XDP_PASS program on the node's bridge port:\n"
                << port.out;

            EXPECT_TRUE(std::filesystem::is_directory(node.pin_dir)) << node.pin_dir;
            EXPECT_EQ(node.pin_dir.parent_path(), topo.bpffs_dir());
            // The reason the bpffs lives in the root mount namespace: `ip netns exec` sees it.
            EXPECT_TRUE(topo.run(node.netns, {"test", "-d", node.pin_dir.string()}).success());
            EXPECT_TRUE(is_bpffs_mount(node.pin_dir));
        }
        EXPECT_TRUE(is_bpffs_mount(topo.bpffs_dir()));
        EXPECT_TRUE(is_mount_point(topo.bpffs_dir()));
        EXPECT_TRUE(topo.client(0).pin_dir.empty());

        Process& reporter =
            topo.spawn(topo.client(0).netns, {"sh", "-c", "ip -br addr show dev eth0; echo oops >&2; exit 3"});
        const ExitStatus reported = reporter.wait(5s);
        EXPECT_EQ(reported.code, 3);
        EXPECT_NE(reporter.read_stdout().find(topo.client(0).ipv4), std::string::npos) << reporter.read_stdout();
        EXPECT_EQ(reporter.read_stderr(), "oops\n");
        EXPECT_TRUE(reporter.stdout_path().string().starts_with(topo.run_dir().string()));

        Process& sleeper = topo.spawn(topo.node(0).netns, {"sleep", "30"});
        EXPECT_TRUE(sleeper.running());
        EXPECT_FALSE(sleeper.wait_for(50ms).has_value());
        sleeper_pidfd = pidfd_open_process(sleeper.pid());
        ASSERT_GE(sleeper_pidfd, 0);
        traces.pids.push_back(sleeper.pid());
        const auto netns_pids =
            topo.run_checked(topo.node(0).netns, {"ip", "netns", "identify", std::to_string(sleeper.pid())});
        EXPECT_EQ(netns_pids.out, topo.node(0).netns + "\n");

        Process& stopped = topo.spawn(topo.node(1).netns, {"sleep", "30"});
        EXPECT_EQ(stopped.stop(1s).signal, SIGTERM);
        EXPECT_FALSE(stopped.running());

        // What a started process starts in turn ends with it, even when it ignores SIGTERM.
        Process& shell = topo.spawn(topo.node(1).netns, {"sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"});
        std::string grandchild;
        poll_until("the shell to print its child's pid", 5s, [&] {
            grandchild = shell.read_stdout();
            return grandchild.ends_with("\n");
        });
        traces.pids.push_back(std::stoi(grandchild));
        traces.pids.push_back(shell.pid());
    }
    expect_no_traces(traces);
    expect_root_untouched();
    EXPECT_EQ(pidfd_signal(sleeper_pidfd, 0), -1);
    EXPECT_EQ(errno, ESRCH) << "the process started in the node is still alive";
    close(sleeper_pidfd);
}

TEST_F(TopologyTest, CommandsHaveBoundedTimeAndFailuresNameTheCommand) {
    Topology topo({.nodes = 1, .clients = 1});
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(topo.run(topo.node(0).netns, {"sleep", "10"}, 200ms), TimeoutError);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    try {
        topo.run_checked(topo.node(0).netns, {"ip", "link", "show", "dev", "nosuchdev"});
        ADD_FAILURE() << "expected CommandError";
    } catch (const CommandError& error) {
        EXPECT_NE(error.exit_code(), 0);
        EXPECT_NE(std::string(error.what()).find("ip link show dev nosuchdev"), std::string::npos) << error.what();
        EXPECT_FALSE(error.stderr_text().empty());
    }
    // The namespace thread's sockets live in the node's namespace, not ours.
    const auto index_inside = topo.run_in(topo.node(0).netns, [] { return if_nametoindex("eth0"); });
    EXPECT_NE(index_inside, 0u);
    EXPECT_THROW(topo.run_in(topo.node(0).netns, []() -> int { throw std::runtime_error("x"); }), std::runtime_error);
    EXPECT_THROW(topo.run_in(
                     topo.node(0).netns, [] { std::this_thread::sleep_for(100ms); }, 20ms),
                 TimeoutError);
    // Nothing runs outside the run's own namespaces, least of all in the root one.
    EXPECT_THROW(topo.run("", {"true"}), std::invalid_argument);
    EXPECT_THROW(topo.spawn("some-other-netns", {"true"}), std::invalid_argument);
    EXPECT_THROW(topo.run_in("some-other-netns", [] { return 0; }), std::invalid_argument);
}

TEST_F(TopologyTest, EverythingIsRemovedWhenTheTestBodyThrowsMidway) {
    RunTraces traces;
    EXPECT_THROW(
        {
            Topology topo({.nodes = 2, .clients = 1});
            traces = RunTraces(topo);
            traces.pids.push_back(topo.spawn(topo.node(1).netns, {"sleep", "30"}).pid());
            throw std::runtime_error("a test assertion threw half-way");
        },
        std::runtime_error);
    ASSERT_FALSE(traces.netns_prefix.empty());
    expect_no_traces(traces);
}

TEST_F(TopologyTest, AFailedSetupNamesTheCommandAndLeavesNothingBehind) {
    try {
        Topology topo({.nodes = 2, .clients = 1, .mtu = 1'000'000});
        ADD_FAILURE() << "a veth with MTU 1000000 should not be possible";
    } catch (const CommandError& error) {
        EXPECT_NE(error.exit_code(), 0);
        const auto& argv = error.argv();
        EXPECT_NE(std::find(argv.begin(), argv.end(), "veth"), argv.end()) << error.what();
        EXPECT_FALSE(error.stderr_text().empty());
    }
    EXPECT_EQ(namespaces_starting_with(our_prefix()), Lines{});
    for (const auto& entry : std::filesystem::directory_iterator("/run/xvip-test")) {
        EXPECT_NE(entry.path().filename().string().rfind(our_prefix(), 0), 0u) << entry.path();
    }
    EXPECT_THROW(Topology({.nodes = 11, .clients = 1}), std::invalid_argument);
    EXPECT_THROW(Topology({.nodes = 1, .clients = 0}), std::invalid_argument);
}

// The child records what it built in a file, since its run id carries its own pid.
RunTraces read_traces(const std::filesystem::path& file) {
    RunTraces traces;
    std::ifstream in(file);
    std::string run_dir, bpffs_dir;
    in >> traces.netns_prefix >> run_dir >> bpffs_dir;
    traces.run_dir = run_dir;
    traces.bpffs_dir = bpffs_dir;
    for (pid_t pid; in >> pid;) traces.pids.push_back(pid);
    return traces;
}

[[noreturn]] void build_record_and_die(const std::filesystem::path& file, int signal_number, bool with_process) {
    Topology topo({.nodes = 1, .clients = 1});
    std::ofstream out(file);
    out << topo.netns_prefix() << ' ' << topo.run_dir().string() << ' ' << topo.bpffs_dir().string();
    if (with_process) out << ' ' << topo.spawn(topo.node(0).netns, {"sleep", "30"}).pid();
    out.close();
    raise(signal_number);
    std::_Exit(0);
}

TEST_F(TopologyTest, SigtermRemovesEverythingAndStillEndsTheProcess) {
    const auto file = std::filesystem::temp_directory_path() / ("xvip-topology-sigterm-" + std::to_string(getpid()));
    EXPECT_EXIT(build_record_and_die(file, SIGTERM, true), ::testing::KilledBySignal(SIGTERM), "");
    const RunTraces traces = read_traces(file);
    std::filesystem::remove(file);
    ASSERT_FALSE(traces.netns_prefix.empty()) << "the child did not get as far as recording";
    ASSERT_EQ(traces.pids.size(), 1u);
    expect_no_traces(traces);
}

TEST_F(TopologyTest, TheNextRunRemovesWhatAKilledRunLeft) {
    const auto file = std::filesystem::temp_directory_path() / ("xvip-topology-sigkill-" + std::to_string(getpid()));
    EXPECT_EXIT(build_record_and_die(file, SIGKILL, false), ::testing::KilledBySignal(SIGKILL), "");
    const RunTraces traces = read_traces(file);
    std::filesystem::remove(file);
    ASSERT_FALSE(traces.netns_prefix.empty()) << "the child did not get as far as recording";
    // SIGKILL cannot be handled: the run stays until a new one notices its pid is gone. (Not
    // asserted here: under `ctest -j` another process's topology may have noticed first.)
    { Topology next({.nodes = 1, .clients = 1}); }
    expect_no_traces(traces);
}

}  // namespace
}  // namespace xvip::topo
