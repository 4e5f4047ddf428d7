// xvip-udp-blast: UDP datagrams out of an interface as XDP frames (BPF_PROG_TEST_RUN of
// udp_generator.bpf.c in live-frames mode), from a number of source ports in turn, at a set rate,
// up to a set count. The VM lab's one-core rate comparison (tools/vmlab/guest-lb-rate) drives a
// balancer with it, so that the balancer's receive path starts from an XDP frame, as a NIC
// driver's starts from its DMA buffer, not from an skb a socket or pktgen built.
//
//   xvip-udp-blast --dev rg0 --to-mac 02:00:00:00:00:02 --from 10.99.0.1 --to 10.99.0.100
//       --port 9000 --flows 256 --rate 50000 --count 500000
//
// Run it where the interface is (ip netns exec), as root. Prints one line: what it sent and how
// long it took. Exit status: 0 sent, 1 failed (the message says why), 2 bad usage.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "codec/inet_checksum.hpp"
#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "system/netlink_socket.hpp"
#include "system/rtnetlink_messages.hpp"
#include "system/rtnetlink_queries.hpp"
#include "xvip_udp_generator.skel.h"

namespace {

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string dev;
    xvip::MacAddress to_mac{};
    xvip::IpAddress from, to;
    std::uint16_t port = 0;
    std::uint16_t first_port = 10000;
    std::uint16_t flows = 256;
    std::uint64_t rate = 0;
    std::uint64_t count = 0;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// The interface's index and MAC, as xvipd reads them (rtnetlink).
xvip::LinkMessage find_interface(const std::string& dev) {
    xvip::LinkMessage link;
    try {
        xvip::NetlinkSocket socket;
        link = xvip::query_link(socket, dev);
    } catch (const std::system_error& e) {
        if (e.code().value() == ENODEV) throw std::runtime_error("no interface " + dev + " here");
        throw;
    }
    if (!link.mac) throw std::runtime_error(dev + " has no Ethernet address");
    return link;
}

// Ethernet, IPv4 (no options, DF, its checksum) and UDP from first_port (no checksum, which IPv4
// allows: the generator changes the source port per frame) with a zero payload up to 60 bytes.
template <std::size_t N>
void write_datagram(std::uint8_t (&frame)[N], const Options& o, const xvip::MacAddress& from_mac) {
    static_assert(N == 60, "the generator writes minimum-size frames");
    std::memset(frame, 0, N);
    const auto put16 = [&](std::size_t at, std::uint16_t v) {
        frame[at] = static_cast<std::uint8_t>(v >> 8);
        frame[at + 1] = static_cast<std::uint8_t>(v);
    };
    std::copy(o.to_mac.begin(), o.to_mac.end(), frame);
    std::copy(from_mac.begin(), from_mac.end(), frame + 6);
    put16(12, 0x0800);
    constexpr std::size_t ip = 14;
    constexpr std::uint16_t ip_length = N - ip;
    frame[ip] = 0x45;
    put16(ip + 2, ip_length);
    put16(ip + 6, 0x4000);  // DF
    frame[ip + 8] = 64;     // TTL
    frame[ip + 9] = 17;     // UDP
    std::copy(o.from.bytes().begin(), o.from.bytes().end(), frame + ip + 12);
    std::copy(o.to.bytes().begin(), o.to.bytes().end(), frame + ip + 16);
    put16(ip + 10, xvip::inet_checksum(std::span<const std::uint8_t>(frame + ip, 20)));
    constexpr std::size_t udp = ip + 20;
    put16(udp, o.first_port);
    put16(udp + 2, o.port);
    put16(udp + 4, static_cast<std::uint16_t>(ip_length - 20));
}

Options parse(int argc, char** argv) {
    std::string to_mac, from, to;
    unsigned port = 0, first_port = 10000, flows = 256;
    Options o;
    po::options_description desc("options");
    desc.add_options()("help,h", "this text")("dev", po::value(&o.dev)->required(), "the interface to send out of")(
        "to-mac", po::value(&to_mac)->required(), "the destination MAC (the balancer's interface)")(
        "from", po::value(&from)->required(), "the source IPv4 address")("to", po::value(&to)->required(),
                                                                         "the destination IPv4 address (the VIP)")(
        "port", po::value(&port)->required(), "the destination UDP port")(
        "first-port", po::value(&first_port)->default_value(10000), "the first source port")(
        "flows", po::value(&flows)->default_value(256), "how many source ports, in turn (1-65535)")(
        "rate", po::value(&o.rate)->required(), "datagrams a second (at most; the generator's own limit is higher)")(
        "count", po::value(&o.count)->required(), "datagrams in all (at most 1e9)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << "usage: xvip-udp-blast --dev IF --to-mac MAC --from IP --to IP --port N --rate PPS --count N\n"
                      << desc;
            std::exit(0);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    const auto mac = xvip::parse_mac(to_mac);
    if (!mac) throw UsageError("--to-mac: not a MAC address: " + to_mac);
    o.to_mac = *mac;
    const auto a = xvip::IpAddress::parse(from), b = xvip::IpAddress::parse(to);
    if (!a || !a->is_v4()) throw UsageError("--from: not an IPv4 address: " + from);
    if (!b || !b->is_v4()) throw UsageError("--to: not an IPv4 address: " + to);
    o.from = *a;
    o.to = *b;
    if (port == 0 || port > 65535) throw UsageError("--port: 1-65535");
    if (flows == 0 || flows > 65535 || first_port + flows - 1 > 65535) {
        throw UsageError("--first-port and --flows: the source ports must lie within 1-65535");
    }
    if (o.rate == 0 || o.rate > 100'000'000) throw UsageError("--rate: 1 to 1e8 datagrams a second");
    if (o.count == 0 || o.count > 1'000'000'000) throw UsageError("--count: 1 to 1e9");
    o.port = static_cast<std::uint16_t>(port);
    o.first_port = static_cast<std::uint16_t>(first_port);
    o.flows = static_cast<std::uint16_t>(flows);
    return o;
}

int blast(const Options& o) {
    const xvip::LinkMessage link = find_interface(o.dev);
    std::unique_ptr<xvip_udp_generator, void (*)(xvip_udp_generator*)> skel(xvip_udp_generator__open(),
                                                                            xvip_udp_generator__destroy);
    if (!skel) throw std::runtime_error(errno_text("opening the generator"));
    write_datagram(skel->bss->frame, o, *link.mac);
    skel->rodata->flows = o.flows;
    skel->rodata->first_port = o.first_port;
    if (xvip_udp_generator__load(skel.get()) != 0) throw std::runtime_error(errno_text("loading the generator"));
    const int prog = bpf_program__fd(skel->progs.send_udp);

    std::uint8_t data[sizeof skel->bss->frame];
    std::memcpy(data, skel->bss->frame, sizeof data);
    xdp_md ctx{};
    ctx.ingress_ifindex = static_cast<std::uint32_t>(link.index);  // XDP_TX sends out of this interface
    ctx.data_end = sizeof data;
    // Chunks of about 10 ms of the rate, each sent when the schedule says, so the rate holds on
    // average without a timer per frame.
    const std::uint64_t chunk = std::clamp<std::uint64_t>(o.rate / 100, 64, 1 << 20);
    const auto start = Clock::now();
    std::uint64_t sent = 0;
    while (sent < o.count) {
        const auto due = start + std::chrono::nanoseconds(sent * 1'000'000'000 / o.rate);
        std::this_thread::sleep_until(due);
        const std::uint64_t frames = std::min(chunk, o.count - sent);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = sizeof data, .ctx_in = &ctx,
                    .ctx_size_in = sizeof ctx, .repeat = static_cast<int>(frames), .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
                    .batch_size = 64);
        if (bpf_prog_test_run_opts(prog, &opts) != 0) {
            throw std::runtime_error(errno_text("BPF_PROG_TEST_RUN with live frames"));
        }
        sent += frames;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("sent %llu datagrams from %u source ports in %.2f s (%.0f/s)\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned>(o.flows), seconds, static_cast<double>(sent) / seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return blast(parse(argc, argv));
    } catch (const UsageError& e) {
        std::fprintf(stderr, "xvip-udp-blast: %s (see --help)\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvip-udp-blast: %s\n", e.what());
        return 1;
    }
}
