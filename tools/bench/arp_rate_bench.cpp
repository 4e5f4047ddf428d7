#include "bench/arp_rate_bench.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/mac_address.hpp"
#include "bench/reply_counter.hpp"
#include "common/unique_fd.hpp"
#include "test_frames.hpp"

namespace xvip::bench {

namespace {

using namespace std::chrono_literals;

struct BlastResult {
    std::uint64_t sent = 0;
    std::uint64_t retries = 0;
    std::chrono::nanoseconds elapsed{0};
};

// Sends `frame` out of `ifname` (in the calling thread's namespace) until max_frames are sent or
// max_time has passed, whichever comes first. The socket has protocol 0: it receives nothing.
BlastResult blast(const std::string& ifname, const test::Bytes& frame, std::uint64_t max_frames,
                  std::chrono::nanoseconds max_time) {
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(std::string("AF_PACKET socket: ") + std::strerror(errno));
    const int bypass = 1;  // straight to the driver, as a traffic generator does
    setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    to.sll_halen = ETH_ALEN;
    std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
    if (to.sll_ifindex == 0) throw std::runtime_error("no interface " + ifname + " for the blaster");

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
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + max_time;
    while (result.sent < max_frames && std::chrono::steady_clock::now() < deadline) {
        const auto want = static_cast<unsigned>(std::min<std::uint64_t>(batch, max_frames - result.sent));
        const int n = sendmmsg(fd.get(), messages.data(), want, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
                ++result.retries;
                continue;
            }
            throw std::runtime_error(std::string("sendmmsg: ") + std::strerror(errno));
        }
        result.sent += static_cast<std::uint64_t>(n);
    }
    result.elapsed = std::chrono::steady_clock::now() - start;
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

ArpRound one_round(BenchNode& bench, const ReplyCounter& counter, const std::string& side,
                   int round, const ArpRateSettings& settings, const test::Bytes& frame) {
    const bool xdp = side == "xdp";
    if (xdp) {
        bench.attach_xvip();
    } else {
        bench.add_vip_to_eth0();
    }
    ArpRound result{.side = side, .round = round};
    const std::uint64_t xdp_before = xdp ? bench.xvip().counters().arp_reply : 0;
    const std::uint64_t before = counter.count();
    const auto blasted = bench.topology().run_in(
        bench.client().netns,
        [frame, settings, ifname = bench.client().ifname] {
            return blast(ifname, frame, settings.max_frames, settings.max_time);
        },
        settings.max_time + 10s);
    std::this_thread::sleep_for(200ms);  // replies still on their way through the bridge
    const std::uint64_t after = counter.count();
    if (xdp) {
        result.xdp_replies = bench.xvip().counters().arp_reply - xdp_before;
        bench.detach_xvip();
    } else {
        bench.remove_vip_from_eth0();
    }
    result.sent = blasted.sent;
    result.send_retries = blasted.retries;
    result.seconds = std::chrono::duration<double>(blasted.elapsed).count();
    result.replies = after - before;
    return result;
}

}  // namespace

ArpRates measure_arp_rates(BenchNode& bench, const ArpRateSettings& settings, const Progress& progress) {
    ArpRates rates{.settings = settings, .rounds = {}, .kernel = {}, .xdp = {}};
    const test::Bytes frame = arp_request(bench);
    std::vector<double> kernel, xdp;
    const ReplyCounter counter(bench.topology(), bench.client().netns, bench.client().ifname, bench.vip());
    for (int round = 1; round <= settings.rounds; ++round) {
        for (const char* side : {"kernel", "xdp"}) {
            const ArpRound r = one_round(bench, counter, side, round, settings, frame);
            char line[256];
            std::snprintf(line, sizeof line,
                          "  %-6s round %d: %llu requests in %.2f s, %llu replies at the client: "
                          "%.0f replies/s",
                          side, round, static_cast<unsigned long long>(r.sent), r.seconds,
                          static_cast<unsigned long long>(r.replies), r.replies_per_second());
            progress.say(line);
            (r.side == "xdp" ? xdp : kernel).push_back(r.replies_per_second());
            rates.rounds.push_back(r);
        }
    }
    rates.kernel = summarize(std::move(kernel));
    rates.xdp = summarize(std::move(xdp));
    return rates;
}

}  // namespace xvip::bench
