#include "bench/dataplane/arp_rate_bench.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench/dataplane/reply_counter.hpp"
#include "bench/dataplane/veth_pair.hpp"
#include "common/mac_address.hpp"
#include "common/unique_fd.hpp"
#include "test_frames.hpp"
#include "xvip_arp_generator.skel.h"

namespace xvip::bench {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct BlastResult {
    std::uint64_t sent = 0;
    std::uint64_t retries = 0;
    std::uint64_t calls = 0;
    std::chrono::nanoseconds sending{0};
    std::chrono::nanoseconds wall{0};
};

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

unsigned interface_index(const std::string& ifname) {
    const unsigned index = if_nametoindex(ifname.c_str());
    if (index == 0) throw std::runtime_error("no interface " + ifname + " for the generator");
    return index;
}

// arp_generator.bpf.c, loaded with the request it writes into every frame.
class LiveFrameGenerator {
public:
    explicit LiveFrameGenerator(const test::Bytes& request)
        : skel_(xvip_arp_generator__open(), xvip_arp_generator__destroy) {
        if (!skel_) throw std::runtime_error(errno_text("opening the ARP generator"));
        if (request.size() != sizeof skel_->bss->request) {
            throw std::logic_error("the ARP generator writes requests of " +
                                   std::to_string(sizeof skel_->bss->request) + " bytes");
        }
        std::memcpy(skel_->bss->request, request.data(), request.size());
        if (xvip_arp_generator__load(skel_.get()) != 0) {
            throw std::runtime_error(errno_text("loading the ARP generator"));
        }
    }
    int fd() const { return bpf_program__fd(skel_->progs.send_arp_request); }

private:
    std::unique_ptr<xvip_arp_generator, void (*)(xvip_arp_generator*)> skel_;
};

// Live frames out of `ifname` (in the calling thread's namespace) until max_frames are sent or
// max_time has passed. Each call also adds the program to the kernel's XDP dispatcher and takes
// it out again, two RCU grace periods (tens of ms here), which is not sending: the kernel's
// `duration` per frame, times the frames, is the sending time. Calls are sized to about 200 ms of
// sending each, within what is left of the round.
BlastResult blast_live_frames(int prog_fd, const std::string& ifname, const test::Bytes& frame,
                              std::uint64_t max_frames, std::chrono::nanoseconds max_time) {
    xdp_md ctx{};
    ctx.ingress_ifindex = interface_index(ifname);  // XDP_TX sends out of this interface
    ctx.data_end = static_cast<std::uint32_t>(frame.size());
    BlastResult result;
    double sending_ns = 0;
    std::uint64_t chunk = 1 << 16;
    const auto start = Clock::now();
    const auto deadline = start + max_time;
    while (result.sent < max_frames && Clock::now() < deadline) {
        const std::uint64_t frames = std::min(chunk, max_frames - result.sent);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                    .data_size_in = static_cast<std::uint32_t>(frame.size()), .ctx_in = &ctx, .ctx_size_in = sizeof ctx,
                    .repeat = static_cast<int>(frames), .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
        if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
            throw std::runtime_error(errno_text("BPF_PROG_TEST_RUN with live frames"));
        }
        result.sent += frames;
        ++result.calls;
        sending_ns += static_cast<double>(opts.duration) * static_cast<double>(frames);
        const auto left = std::chrono::duration<double, std::nano>(deadline - Clock::now());
        const double next =
            std::min(left, std::chrono::duration<double, std::nano>(200ms)).count() / std::max(opts.duration, 1u);
        chunk = static_cast<std::uint64_t>(std::clamp(next, 64.0, 16.0 * 1024 * 1024));
    }
    result.wall = Clock::now() - start;
    result.sending = std::chrono::nanoseconds(static_cast<std::int64_t>(sending_ns));
    return result;
}

// `frame` out of `ifname` through an AF_PACKET socket (protocol 0: it receives nothing), in
// batches of 64 with sendmmsg, until max_frames are sent or max_time has passed.
BlastResult blast_sendmmsg(const std::string& ifname, const test::Bytes& frame, std::uint64_t max_frames,
                           std::chrono::nanoseconds max_time) {
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(errno_text("AF_PACKET socket"));
    const int bypass = 1;  // straight to the driver, as a traffic generator does
    setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = static_cast<int>(interface_index(ifname));
    to.sll_halen = ETH_ALEN;
    std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);

    constexpr unsigned batch = 64;
    iovec iov{const_cast<std::uint8_t*>(frame.data()), frame.size()};
    std::vector<mmsghdr> messages(batch);
    for (auto& m : messages) {
        m.msg_hdr.msg_name = &to;
        m.msg_hdr.msg_namelen = sizeof to;
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
    }
    BlastResult result;
    const auto start = Clock::now();
    const auto deadline = start + max_time;
    while (result.sent < max_frames && Clock::now() < deadline) {
        const auto want = static_cast<unsigned>(std::min<std::uint64_t>(batch, max_frames - result.sent));
        const int n = sendmmsg(fd.get(), messages.data(), want, MSG_DONTWAIT);
        ++result.calls;
        if (n < 0) {
            if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
                ++result.retries;
                continue;
            }
            throw std::runtime_error(errno_text("sendmmsg"));
        }
        result.sent += static_cast<std::uint64_t>(n);
    }
    result.wall = Clock::now() - start;
    result.sending = result.wall;
    return result;
}

test::Bytes arp_request(const BenchNode& bench) {
    const auto client_mac = *parse_mac(bench.client().mac);
    return test::ethernet(test::broadcast_mac, client_mac, test::ethertype_arp,
                          test::arp({.op = 1,
                                     .sha = client_mac,
                                     .spa = *IpAddress::parse(bench.client().ipv4),
                                     .tha = {},
                                     .tpa = *IpAddress::parse(bench.vip())}));
}

struct RoundSetting {
    const VethPair& pair;
    BenchNode& bench;
    const ReplyCounter& counter;
    const LiveFrameGenerator& generator;
    const test::Bytes& frame;
    const ArpRateSettings& settings;
};

ArpRound one_round(const RoundSetting& s, const std::string& generator, const std::string& side, int round) {
    const bool xdp = side == "xdp";
    if (xdp) {
        s.bench.attach_xvip();
    } else {
        s.bench.add_vip_to_eth0();
    }
    ArpRound result{.generator = generator, .side = side, .round = round};
    const std::uint64_t xdp_before = xdp ? s.bench.xvip().counters().arp_reply : 0;
    const std::uint64_t before = s.counter.count();
    const bool live = generator == kLiveFrames;
    const auto blasted = s.pair.run_in(
        s.bench.client().netns,
        [live, prog_fd = s.generator.fd(), ifname = s.bench.client().ifname, frame = s.frame,
         max_frames = s.settings.max_frames, max_time = s.settings.max_time] {
            return live ? blast_live_frames(prog_fd, ifname, frame, max_frames, max_time)
                        : blast_sendmmsg(ifname, frame, max_frames, max_time);
        },
        s.settings.max_time + 10s);
    std::this_thread::sleep_for(200ms);  // the last replies still on their way
    const std::uint64_t after = s.counter.count();
    if (xdp) {
        result.xdp_replies = s.bench.xvip().counters().arp_reply - xdp_before;
        s.bench.detach_xvip();
    } else {
        s.bench.remove_vip_from_eth0();
    }
    result.sent = blasted.sent;
    result.send_retries = blasted.retries;
    result.calls = blasted.calls;
    result.seconds = std::chrono::duration<double>(blasted.sending).count();
    result.wall_seconds = std::chrono::duration<double>(blasted.wall).count();
    result.replies = after - before;
    return result;
}

}  // namespace

ArpRates measure_arp_rates(const VethPair& pair, BenchNode& bench, const ArpRateSettings& settings,
                           const Progress& progress) {
    ArpRates rates{.settings = settings, .rounds = {}, .live_frames = {}, .sendmmsg = {}};
    const test::Bytes frame = arp_request(bench);
    const LiveFrameGenerator generator(frame);
    // Frames sent with XDP_TX reach node0's eth0 only while its veth queue runs NAPI: xvip's
    // program turns that on, GRO does it for the kernel's side. On for both, so that both sides
    // receive the same way.
    pair.run_checked(bench.node().netns, {"ethtool", "-K", bench.node().ifname, "gro", "on"});
    const ReplyCounter counter(bench.client().netns, bench.client().ifname, bench.vip());
    const RoundSetting setting{pair, bench, counter, generator, frame, settings};

    std::vector<double> live_kernel, live_xdp, socket_kernel, socket_xdp;
    for (int round = 1; round <= settings.rounds; ++round) {
        for (const char* generator_name : {kLiveFrames, kSendmmsg}) {
            for (const char* side : {"kernel", "xdp"}) {
                const ArpRound r = one_round(setting, generator_name, side, round);
                char line[256];
                std::snprintf(line, sizeof line,
                              "  %-11s %-6s round %d: %llu requests in %.2f s, %llu replies at the "
                              "client: %.0f replies/s",
                              generator_name, side, round, static_cast<unsigned long long>(r.sent), r.seconds,
                              static_cast<unsigned long long>(r.replies), r.replies_per_second());
                progress.say(line);
                const bool live = r.generator == kLiveFrames;
                auto& samples = r.side == "xdp" ? (live ? live_xdp : socket_xdp) : (live ? live_kernel : socket_kernel);
                samples.push_back(r.replies_per_second());
                rates.rounds.push_back(r);
            }
        }
    }
    rates.live_frames = {summarize(std::move(live_kernel)), summarize(std::move(live_xdp))};
    rates.sendmmsg = {summarize(std::move(socket_kernel)), summarize(std::move(socket_xdp))};
    return rates;
}

}  // namespace xvip::bench
