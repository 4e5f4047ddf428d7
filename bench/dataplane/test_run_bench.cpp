#include "bench/dataplane/test_run_bench.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "common/ip_address.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/state_word.hpp"
#include "test_frames.hpp"
#include "xvip_bench_probes.skel.h"
#include "xvip_bpf.skel.h"
#include "xvip_pass_bpf.skel.h"

namespace xvip::bench {

namespace {

using namespace std::chrono_literals;
using test::Bytes;
using test::Mac;

// The setting of tests/bpf/xdp_scenario.hpp: one node, one client, VRID 51 in both families.
const Mac node_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const Mac client_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
const IpAddress node4 = test::ip("192.0.2.10");
const IpAddress client4 = test::ip("192.0.2.99");
const IpAddress vip4 = test::ip("192.0.2.50");
const IpAddress other_net4 = test::ip("198.51.100.50");  // no VIP, but ends like vip4
const IpAddress shared_vip4 = test::ip("192.0.2.60");    // two VIPs ending in the same byte
const IpAddress shared_other_vip4 = test::ip("198.51.100.60");
const IpAddress client6 = test::ip("2001:db8::99");
const IpAddress vip6 = test::ip("2001:db8::50");
const IpAddress routed4 = test::ip("203.0.113.9");  // beyond the node: a frame it forwards as a gateway
// The load-balancer mode: a virtual service on its own VIP (TCP port 80), one backend.
const IpAddress service_vip4 = test::ip("192.0.2.70");
const IpAddress backend4 = test::ip("192.0.2.21");
const Mac backend_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x21};
constexpr std::uint16_t service_port = 80;
constexpr std::uint32_t instance4 = XVIP_SLOT_IPV4 * 256 + 51;
constexpr std::uint32_t instance6 = XVIP_SLOT_IPV6 * 256 + 51;

struct XvipDeleter {
    void operator()(xvip_bpf* skel) const { xvip_bpf__destroy(skel); }
};
struct PassDeleter {
    void operator()(xvip_pass_bpf* skel) const { xvip_pass_bpf__destroy(skel); }
};
struct ProbesDeleter {
    void operator()(xvip_bench_probes* skel) const { xvip_bench_probes__destroy(skel); }
};

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// xvip loaded as xvipd loads it, with or without room for virtual services (the loader sets
// xvip_lb_enabled before the load; without it the forwarding code is not in the program).
std::unique_ptr<xvip_bpf, XvipDeleter> load_xvip(bool services) {
    std::unique_ptr<xvip_bpf, XvipDeleter> skel(xvip_bpf__open());
    if (!skel) throw std::runtime_error(errno_text("opening the XDP program"));
    skel->rodata->xvip_lb_enabled = services ? 1 : 0;
    if (const int error = xvip_bpf__load(skel.get()); error != 0) {
        errno = -error;
        throw std::runtime_error(errno_text("loading the XDP program (run as root, Linux >= 5.15)"));
    }
    return skel;
}

// The programs loaded, never attached: BPF_PROG_TEST_RUN needs no interface. xvip twice: as on a
// node that balances nothing, and as on a balancer (a virtual service on service_vip4:80).
class Programs {
public:
    Programs()
        : xvip_(load_xvip(false)),
          balancer_(load_xvip(true)),
          trivial_(xvip_pass_bpf__open_and_load()),
          probes_(xvip_bench_probes__open_and_load()) {
        if (!trivial_ || !probes_) {
            throw std::runtime_error(errno_text("loading the XDP programs (run as root, Linux >= 5.15)"));
        }
        for (xvip_bpf* skel : {xvip_.get(), balancer_.get()}) bind_vips(*skel);
        write_service(*balancer_);
    }

    void set_role(XdpRole role) {
        // A lease far beyond the run: the benchmark must not watch it expire.
        const StateWord word =
            role == XdpRole::active ? StateWord::active_until(monotonic_now() + 1h) : StateWord::standby();
        const std::uint64_t encoded = word.encode(lease_clock_);
        for (xvip_bpf* skel : {xvip_.get(), balancer_.get()}) {
            for (std::uint32_t instance : {instance4, instance6}) {
                update(bpf_map__fd(skel->maps.xvip_state), &instance, &encoded, "xvip_state");
            }
        }
    }

    // VRID 51 of both families as gateway instances (`gateway = true`), or none.
    void set_gateways(bool on) {
        const std::uint64_t word = on ? 51 : 0;
        for (xvip_bpf* skel : {xvip_.get(), balancer_.get()}) {
            for (std::uint32_t slot : {XVIP_SLOT_IPV4, XVIP_SLOT_IPV6}) {
                update(bpf_map__fd(skel->maps.xvip_gateways), &slot, &word, "xvip_gateways");
            }
        }
    }

    // xvip as the path's node runs it: the balancer's for the load-balancer paths.
    int xvip_fd(bool balancer) const {
        return bpf_program__fd(balancer ? balancer_->progs.xvip_xdp : xvip_->progs.xvip_xdp);
    }
    int trivial_fd() const { return bpf_program__fd(trivial_->progs.xdp_pass); }
    const xvip_bench_probes& probes() const { return *probes_; }

private:
    static constexpr std::uint32_t zero_key = 0;

    // The interface and the VIPs as the data-plane layer binds them: the hash maps first, then the
    // index ahead of them (the test runs do not race the program, so plain map updates do). Two
    // VIPs share the bucket of their last byte: the buckets' worst case.
    static void bind_vips(xvip_bpf& skel) {
        xvip_iface iface{};
        iface.abi_version = XVIP_ABI_VERSION;
        iface.ifindex = 1;
        std::memcpy(iface.mac, node_mac.data(), node_mac.size());
        update(bpf_map__fd(skel.maps.xvip_iface), &zero_key, &iface, "xvip_iface");
        const std::vector<VipBinding> bound{{vip4, {AddressFamily::ipv4, 51}},
                                            {shared_vip4, {AddressFamily::ipv4, 51}},
                                            {shared_other_vip4, {AddressFamily::ipv4, 51}},
                                            {service_vip4, {AddressFamily::ipv4, 51}},
                                            {vip6, {AddressFamily::ipv6, 51}}};
        for (const auto& binding : bound) {
            const xvip_vip value{binding.instance.index()};
            update(bpf_map__fd(binding.address.is_v4() ? skel.maps.xvip_vip4 : skel.maps.xvip_vip6),
                   binding.address.bytes().data(), &value, "a VIP map");
        }
        const VipIndex index = build_vip_index(bound);
        for (std::uint32_t bucket = 0; bucket < index.buckets4.size(); ++bucket) {
            update(bpf_map__fd(skel.maps.xvip_vip4_buckets), &bucket, &index.buckets4[bucket], "xvip_vip4_buckets");
        }
        update(bpf_map__fd(skel.maps.xvip_vip_filter), &zero_key, &index.filter6, "xvip_vip_filter");
    }

    // service_vip4:80/TCP as id 0, generation 0, every ring entry naming backend 0, its port's bit
    // set, as Dataplane::add_lb_service writes them.
    static void write_service(xvip_bpf& skel) {
        xvip_lb_backend backend{};
        std::memcpy(&backend.addr, backend4.bytes().data(), sizeof backend.addr);
        std::memcpy(backend.mac, backend_mac.data(), sizeof backend.mac);
        backend.flags = XVIP_LB_BACKEND_MAC | XVIP_LB_BACKEND_USABLE;
        update(bpf_map__fd(skel.maps.xvip_lb_backends), &zero_key, &backend, "xvip_lb_backends");
        xvip_lb_ring_chunk chunk{};  // backend 0 throughout
        for (std::uint32_t c = 0; c < XVIP_LB_RING_CHUNKS; ++c) {
            const std::uint32_t key = xvip_lb_ring_key(0, 0, c * XVIP_LB_RING_CHUNK);
            update(bpf_map__fd(skel.maps.xvip_lb_rings), &key, &chunk, "xvip_lb_rings");
        }
        xvip_lb_service service{};  // generation 0, hashed per flow
        service.flags = XVIP_LB_LIVE;
        service.incarnation = 1;
        update(bpf_map__fd(skel.maps.xvip_lb_gens), &zero_key, &service, "xvip_lb_gens");
        const std::uint32_t port_word = service_port / 64;
        const std::uint64_t port_bit = std::uint64_t{1} << (service_port % 64);
        update(bpf_map__fd(skel.maps.xvip_lb_ports), &port_word, &port_bit, "xvip_lb_ports");
        xvip_lb_service_key key{};
        std::memcpy(&key.vip, service_vip4.bytes().data(), sizeof key.vip);
        key.port = htons(service_port);
        key.protocol = IPPROTO_TCP;
        const xvip_lb_service_id id{0};
        update(bpf_map__fd(skel.maps.xvip_lb_services), &key, &id, "xvip_lb_services");
    }

    static void update(int fd, const void* key, const void* value, const char* map) {
        if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0) {
            throw std::runtime_error(errno_text((std::string("writing ") + map).c_str()));
        }
    }

    std::unique_ptr<xvip_bpf, XvipDeleter> xvip_;
    std::unique_ptr<xvip_bpf, XvipDeleter> balancer_;
    std::unique_ptr<xvip_pass_bpf, PassDeleter> trivial_;
    std::unique_ptr<xvip_bench_probes, ProbesDeleter> probes_;
    LeaseClock lease_clock_ = LeaseClock::system();
};

struct RunOutcome {
    std::uint32_t verdict = 0;
    std::uint32_t duration_ns = 0;  // the kernel's mean per run
    Bytes output;
};

RunOutcome test_run(int prog_fd, const Bytes& frame, std::uint32_t repeat, Bytes& out) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<std::uint32_t>(frame.size()),
                .data_size_out = static_cast<std::uint32_t>(out.size()), .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
        throw std::runtime_error(errno_text("BPF_PROG_TEST_RUN"));
    }
    return {opts.retval, opts.duration, Bytes(out.begin(), out.begin() + opts.data_size_out)};
}

const char* verdict_name(std::uint32_t verdict) {
    switch (verdict) {
        case XDP_ABORTED: return "XDP_ABORTED";
        case XDP_DROP: return "XDP_DROP";
        case XDP_PASS: return "XDP_PASS";
        case XDP_TX: return "XDP_TX";
        case XDP_REDIRECT: return "XDP_REDIRECT";
    }
    return "unknown";
}

struct Path {
    std::string name;
    XdpRole role;
    Bytes frame;
    std::uint32_t verdict;
    bool frame_unchanged;
    bool gateway = false;       // VRID 51 is a gateway instance
    bool balancer = false;      // timed on the balancer's program (a virtual service on the node)
    Mac reply_to = client_mac;  // where an XDP_TX frame goes
    // Changed, but the same way every run (a forwarded frame's MACs): repeat times it as well.
    bool same_change_every_run = false;
};

std::vector<Path> paths() {
    Bytes tcp_syn(20, 0);  // a TCP header's worth: the program reads no further than IP
    auto ipv4_to = [&](const IpAddress& dst) {
        return test::ethernet(node_mac, client_mac, test::ethertype_ipv4,
                              test::ipv4({.src = client4, .dst = dst, .protocol = 6}, tcp_syn));
    };
    auto arp_request_for = [&](const IpAddress& target) {
        return test::ethernet(test::broadcast_mac, client_mac, test::ethertype_arp,
                              test::arp({.op = 1, .sha = client_mac, .spa = client4, .tha = {}, .tpa = target}));
    };
    const IpAddress group = test::solicited_node(vip6);
    const Bytes neighbour_solicitation = test::ethernet(
        test::ipv6_multicast_mac(group), client_mac, test::ethertype_ipv6,
        test::ipv6(client6, group, 58, 255,
                   test::icmpv6(client6, group, 135, 0, test::nd_body(0, vip6, test::lladdr_option(1, client_mac)))));
    // A TCP segment from the client to the service: its flow is entered by the check run, so
    // every timed run finds it (a flow hit).
    Bytes segment(20, 0);
    segment[1] = 49152 & 0xff;  // source port 49152
    segment[0] = 49152 >> 8;
    segment[3] = service_port;
    segment[12] = 0x50;  // data offset: 5 words
    segment[13] = 0x10;  // ACK
    const Bytes to_service = test::ethernet(node_mac, client_mac, test::ethertype_ipv4,
                                            test::ipv4({.src = client4, .dst = service_vip4, .protocol = 6}, segment));
    return {
        {"non-VIP pass-through", XdpRole::active, ipv4_to(node4), XDP_PASS, true},
        // The address ends in a VIP's last byte: its bucket is read and the addresses compared.
        {"non-VIP pass-through, a VIP's last byte", XdpRole::active, ipv4_to(other_net4), XDP_PASS, true},
        {"VIP pass (active)", XdpRole::active, ipv4_to(vip4), XDP_PASS, true},
        {"VIP drop (standby)", XdpRole::standby, ipv4_to(vip4), XDP_DROP, true},
        // The forwarding path of the active node of a gateway instance: a frame to its MAC for an
        // address beyond it. The guard reads the gateway word, compares the MAC and reads the
        // role; the route lookup runs only on a node active for no gateway instance.
        {"forwarded (gateway, active)", XdpRole::active, ipv4_to(routed4), XDP_PASS, true, true},
        {"ARP reply", XdpRole::active, arp_request_for(vip4), XDP_TX, false},
        // Worst case for the buckets: two VIPs end in the same byte, so the hash map answers.
        {"ARP reply, a bucket shared by two VIPs", XdpRole::active, arp_request_for(shared_vip4), XDP_TX, false},
        {"NA reply", XdpRole::active, neighbour_solicitation, XDP_TX, false},
        // The load-balancer mode (issue 18): a known flow to a virtual service, out to its
        // backend; and the most a service costs other VIP traffic: traffic to a port it has, on
        // a VIP that has none (a flow lookup and a service lookup, both missing). Traffic to
        // any other port pays one bit test.
        {.name = "forwarded to a backend (load balancer, flow known)",
         .role = XdpRole::active,
         .frame = to_service,
         .verdict = XDP_TX,
         .frame_unchanged = false,
         .balancer = true,
         .reply_to = backend_mac,
         .same_change_every_run = true},
        {.name = "VIP pass (active), to a port a virtual service has on another VIP",
         .role = XdpRole::active,
         .frame = test::ethernet(node_mac, client_mac, test::ethertype_ipv4,
                                 test::ipv4({.src = client4, .dst = vip4, .protocol = 6}, segment)),
         .verdict = XDP_PASS,
         .frame_unchanged = true,
         .balancer = true},
    };
}

// The benchmark is only worth its numbers if xvip takes the path it claims to time.
void check_path(const Programs& programs, const Path& path, Bytes& out) {
    const RunOutcome run = test_run(programs.xvip_fd(path.balancer), path.frame, 1, out);
    if (run.verdict != path.verdict) {
        throw std::runtime_error("xvip returned " + std::string(verdict_name(run.verdict)) + " on '" + path.name +
                                 "', expected " + verdict_name(path.verdict));
    }
    if (path.verdict == XDP_TX &&
        (run.output.size() < 12 || !std::equal(path.reply_to.begin(), path.reply_to.end(), run.output.begin()))) {
        throw std::runtime_error("xvip's frame on '" + path.name + "' is not addressed as it should be");
    }
    if (path.same_change_every_run) {
        const RunOutcome again = test_run(programs.xvip_fd(path.balancer), run.output, 1, out);
        if (again.verdict != run.verdict || again.output != run.output) {
            throw std::runtime_error("xvip changes its own output on '" + path.name + "': repeat cannot time it");
        }
    }
    if (test_run(programs.trivial_fd(), path.frame, 1, out).verdict != XDP_PASS) {
        throw std::runtime_error("the trivial program did not pass '" + path.name + "'");
    }
}

// Rounds alternate the two programs, so that drift (frequency, a noisy neighbour) hits both.
void time_repeat(const Programs& programs, const Path& path, const TestRunSettings& settings, Bytes& out,
                 PathCost& cost) {
    std::vector<double> trivial, xvip;
    for (int round = 0; round < settings.repeat_rounds; ++round) {
        trivial.push_back(test_run(programs.trivial_fd(), path.frame, settings.repeat, out).duration_ns);
        const RunOutcome run = test_run(programs.xvip_fd(path.balancer), path.frame, settings.repeat, out);
        if (run.verdict != path.verdict) throw std::runtime_error("xvip changed its verdict on " + path.name);
        xvip.push_back(run.duration_ns);
    }
    cost.trivial.repeat_ns = summarize(std::move(trivial));
    cost.xvip.repeat_ns = summarize(std::move(xvip));
}

// Calls alternate the two programs one by one, so that the wall times, noisy at the scale of a
// syscall, meet the same noise.
void time_single(const Programs& programs, const Path& path, const TestRunSettings& settings, Bytes& out,
                 PathCost& cost) {
    std::vector<double> trivial, xvip, trivial_call, xvip_call;
    auto once = [&](int fd, std::vector<double>& samples, std::vector<double>& calls) {
        const auto start = std::chrono::steady_clock::now();
        const RunOutcome run = test_run(fd, path.frame, 1, out);
        const auto end = std::chrono::steady_clock::now();
        samples.push_back(run.duration_ns);
        calls.push_back(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()));
    };
    for (int round = 0; round < settings.single_rounds; ++round) {
        for (int i = 0; i < settings.single_runs; ++i) {
            once(programs.trivial_fd(), trivial, trivial_call);
            once(programs.xvip_fd(path.balancer), xvip, xvip_call);
        }
    }
    cost.trivial.single_ns = summarize(std::move(trivial));
    cost.xvip.single_ns = summarize(std::move(xvip));
    cost.trivial.call_ns = summarize(std::move(trivial_call));
    cost.xvip.call_ns = summarize(std::move(xvip_call));
}

void time_operations(const Programs& programs, const TestRunSettings& settings, Bytes& out, FrameCosts& costs) {
    const Bytes frame = paths().front().frame;
    const auto& p = programs.probes().progs;
    const std::vector<std::pair<std::string, int>> probes{
        {"bpf_ktime_get_ns()", bpf_program__fd(p.probe_ktime)},
        {"bpf_ktime_get_coarse_ns()", bpf_program__fd(p.probe_ktime_coarse)},
        {"bpf_jiffies64() (the lease check's clock)", bpf_program__fd(p.probe_jiffies)},
        {"hash map lookup, 4-byte key, miss", bpf_program__fd(p.probe_hash_lookup)},
    };
    std::vector<double> trivial, trivial_single;
    std::vector<std::vector<double>> samples(probes.size()), single(probes.size());
    for (int round = 0; round < settings.repeat_rounds; ++round) {
        trivial.push_back(test_run(programs.trivial_fd(), frame, settings.repeat, out).duration_ns);
        for (std::size_t i = 0; i < probes.size(); ++i) {
            samples[i].push_back(test_run(probes[i].second, frame, settings.repeat, out).duration_ns);
        }
    }
    // One trivial run beside each probe's, as the paths' single runs alternate.
    for (int round = 0; round < settings.single_rounds; ++round) {
        for (int run = 0; run < settings.single_runs; ++run) {
            for (std::size_t i = 0; i < probes.size(); ++i) {
                trivial_single.push_back(test_run(programs.trivial_fd(), frame, 1, out).duration_ns);
                single[i].push_back(test_run(probes[i].second, frame, 1, out).duration_ns);
            }
        }
    }
    costs.trivial_repeat_ns = summarize(std::move(trivial));
    costs.trivial_single_ns = summarize(std::move(trivial_single));
    for (std::size_t i = 0; i < probes.size(); ++i) {
        OperationCost op{.name = probes[i].first,
                         .ns = summarize(std::move(samples[i])),
                         .added_ns = 0,
                         .single_ns = summarize(std::move(single[i])),
                         .single_added_ns = 0};
        op.added_ns = op.ns.median - costs.trivial_repeat_ns.median;
        op.single_added_ns = op.single_ns.median - costs.trivial_single_ns.median;
        costs.operations.push_back(std::move(op));
    }
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

}  // namespace

FrameCosts measure_frame_costs(const TestRunSettings& settings, const Progress& progress) {
    Programs programs;
    Bytes out(2048);
    FrameCosts costs;
    costs.settings = "repeat = " + std::to_string(settings.repeat) + " x " + std::to_string(settings.repeat_rounds) +
                     " rounds per program (unchanged "
                     "frames); " +
                     std::to_string(settings.single_rounds) + " x " + std::to_string(settings.single_runs) +
                     " single runs (repeat = 1) per program, the two "
                     "programs' calls alternating";
    for (const Path& path : paths()) {
        programs.set_role(path.role);
        programs.set_gateways(path.gateway);
        check_path(programs, path, out);
        PathCost cost{.name = path.name,
                      .verdict = verdict_name(path.verdict),
                      .repeat_timed = path.frame_unchanged || path.same_change_every_run,
                      .frame_bytes = path.frame.size(),
                      .trivial = {},
                      .xvip = {}};
        if (cost.repeat_timed) time_repeat(programs, path, settings, out, cost);
        time_single(programs, path, settings, out, cost);
        progress.say("  " + path.name + " (" + cost.verdict + "): trivial " + fmt(cost.trivial_headline().median) +
                     " ns, xvip " + fmt(cost.xvip_headline().median) + " ns (median, " +
                     (cost.repeat_timed ? "repeat" : "single runs") + "); whole syscall " +
                     fmt(cost.trivial.call_ns.median) + " / " + fmt(cost.xvip.call_ns.median) + " ns");
        costs.paths.push_back(std::move(cost));
    }
    time_operations(programs, settings, out, costs);
    for (const auto& op : costs.operations) {
        progress.say("  probe " + op.name + ": " + fmt(op.added_ns) + " ns over the trivial program (repeat), " +
                     fmt(op.single_added_ns) + " ns (single runs)");
    }
    return costs;
}

}  // namespace xvip::bench
