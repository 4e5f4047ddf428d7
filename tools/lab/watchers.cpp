#include "lab/watchers.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <ctime>
#include <fstream>
#include <system_error>

#include "common/mac_address.hpp"
#include "common/unique_fd.hpp"

namespace xvip::lab {

namespace fs = std::filesystem;
using namespace std::chrono;

fs::path state_pin_path(const fs::path& pin_root, const std::string& netns) {
    struct stat st {};
    const std::string ns_path = "/run/netns/" + netns;
    if (stat(ns_path.c_str(), &st) != 0) {
        throw std::system_error(errno, std::generic_category(), "stat " + ns_path);
    }
    return pin_root / ("netns-" + std::to_string(st.st_ino)) / "eth0" / "xvip_state";
}

namespace {

// "2025-06-01 12:34:56.789 info VI_1: BACKUP -> MASTER (...)": the time (CLOCK_REALTIME, local
// time as spdlog writes it), the level and the message; nullopt for anything else.
struct LogLine {
    system_clock::time_point wall;
    std::string level;
    std::string message;
};

std::optional<LogLine> parse_log_line(const std::string& line) {
    std::tm tm{};
    const char* rest = strptime(line.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!rest || rest[0] != '.') return std::nullopt;
    char* end = nullptr;
    const long millis = std::strtol(rest + 1, &end, 10);
    if (end != rest + 4 || *end != ' ') return std::nullopt;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == -1) return std::nullopt;
    const std::string tail(end + 1);
    const auto space = tail.find(' ');
    if (space == std::string::npos) return std::nullopt;
    return LogLine{system_clock::from_time_t(t) + milliseconds(millis), tail.substr(0, space), tail.substr(space + 1)};
}

}  // namespace

NodeWatcher::NodeWatcher(Timeline& timeline, std::vector<WatchedNode> nodes, std::uint32_t state_index, bool verbose)
    : timeline_(timeline),
      nodes_(std::move(nodes)),
      state_index_(state_index),
      lease_clock_(LeaseClock::system()),
      verbose_(verbose),
      wall_at_start_(system_clock::now()),
      monotonic_at_start_(monotonic_now()),
      roles_(nodes_.size()),
      seen_(nodes_.size(), false),
      thread_([this](std::stop_token token) { run(token); }) {}

NodeWatcher::~NodeWatcher() {
    stop();
}

void NodeWatcher::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

void NodeWatcher::add_log(std::size_t index, const fs::path& path, bool from_start) {
    std::error_code ec;
    const auto size = from_start ? 0 : fs::file_size(path, ec);
    std::lock_guard lock(mutex_);
    logs_.push_back({index, path, ec ? 0 : size, {}});
}

std::optional<XdpRole> NodeWatcher::role(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return roles_.at(index);
}

void NodeWatcher::mark_roles(TimePoint at) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        timeline_.add(at, nodes_[i].name,
                      "data plane: " + (roles_[i] ? std::string(to_string(*roles_[i])) : std::string("not attached")));
    }
}

void NodeWatcher::run(std::stop_token token) {
    std::vector<int> fds(nodes_.size(), -1);
    std::vector<ino_t> inodes(nodes_.size(), 0);
    unsigned tick = 0;
    while (!token.stop_requested()) {
        poll_roles(fds, inodes);
        if (tick++ % 20 == 0) poll_logs();
        std::this_thread::sleep_for(250us);
    }
    poll_logs();
    for (int fd : fds) {
        if (fd >= 0) close(fd);
    }
}

void NodeWatcher::poll_roles(std::vector<int>& fds, std::vector<ino_t>& inodes) {
    const auto now = monotonic_now();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        std::optional<XdpRole> role;
        // The pin's inode tells a map pinned again (an interface re-created: the next xvipd removes
        // the orphaned pins and attaches afresh) from the one already open.
        struct stat pin {};
        const bool pinned = stat(nodes_[i].state_pin.c_str(), &pin) == 0;
        if ((!pinned || pin.st_ino != inodes[i]) && fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
        if (pinned && fds[i] < 0) {
            fds[i] = bpf_obj_get(nodes_[i].state_pin.c_str());
            inodes[i] = pin.st_ino;
        }
        std::uint64_t word = 0;
        if (fds[i] >= 0 && bpf_map_lookup_elem(fds[i], &state_index_, &word) == 0) {
            role = StateWord::decode(word, lease_clock_).effective_role(now);
        }
        std::optional<XdpRole> before;
        bool first = false;
        {
            std::lock_guard lock(mutex_);
            before = roles_[i];
            first = !seen_[i];
            seen_[i] = true;
            roles_[i] = role;
        }
        if (!first && before == role) continue;
        const auto name = [](const std::optional<XdpRole>& r) {
            return r ? std::string(to_string(*r)) : std::string("not attached");
        };
        timeline_.add(now, nodes_[i].name,
                      first ? "data plane: " + name(role) : "data plane: " + name(before) + " -> " + name(role));
    }
}

void NodeWatcher::poll_logs() {
    std::lock_guard lock(mutex_);
    for (auto& log : logs_) {
        std::ifstream in(log.path, std::ios::binary);
        if (!in) continue;
        in.seekg(static_cast<std::streamoff>(log.offset));
        std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        log.offset += chunk.size();
        log.partial += chunk;
        std::size_t newline;
        while ((newline = log.partial.find('\n')) != std::string::npos) {
            const std::string line = log.partial.substr(0, newline);
            log.partial.erase(0, newline + 1);
            const auto parsed = parse_log_line(line);
            if (!parsed) {
                if (verbose_ && !line.empty()) timeline_.add(monotonic_now(), nodes_[log.node].name, "xvipd: " + line);
                continue;
            }
            const bool transition = parsed->message.find(" -> ") != std::string::npos;
            const bool notable = parsed->level == "warning" || parsed->level == "error" || parsed->level == "critical";
            if (!(transition || notable || verbose_)) continue;
            const std::string prefix = parsed->level == "info" ? "xvipd: " : "xvipd " + parsed->level + ": ";
            const TimePoint at = monotonic_at_start_ + duration_cast<Duration>(parsed->wall - wall_at_start_);
            timeline_.add(at, nodes_[log.node].name, prefix + parsed->message);
        }
    }
}

namespace {

std::vector<ArpSeen> capture_arp(const std::shared_ptr<std::atomic<bool>>& stop, IpAddress vip,
                                 std::chrono::milliseconds duration, std::promise<void>& ready) {
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    if (!fd) throw std::system_error(errno, std::generic_category(), "AF_PACKET socket in the client's namespace");
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ARP);
    address.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
    if (address.sll_ifindex == 0 || bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "binding the ARP watcher to the client's eth0");
    }
    ready.set_value();
    std::vector<ArpSeen> seen;
    const auto deadline = monotonic_now() + duration;
    constexpr std::size_t max_frames = 10000;  // bounded in memory too
    while (!stop->load() && monotonic_now() < deadline && seen.size() < max_frames) {
        pollfd p{fd.get(), POLLIN, 0};
        if (poll(&p, 1, 20) <= 0) continue;
        std::array<std::uint8_t, 256> frame{};
        const auto n = recv(fd.get(), frame.data(), frame.size(), MSG_DONTWAIT);
        const auto at = monotonic_now();
        // Ethernet (14) + ARP for IPv4 over Ethernet (28).
        if (n < 42 || frame[12] != 0x08 || frame[13] != 0x06) continue;
        const std::uint8_t* arp = frame.data() + 14;
        if (arp[4] != 6 || arp[5] != 4) continue;
        const auto sender_ip = IpAddress::v4({arp[14], arp[15], arp[16], arp[17]});
        const auto target_ip = IpAddress::v4({arp[24], arp[25], arp[26], arp[27]});
        if (sender_ip != vip) continue;
        MacAddress sender_mac{};
        std::memcpy(sender_mac.data(), arp + 8, 6);
        const int op = arp[6] << 8 | arp[7];
        seen.push_back({at, format_mac(sender_mac), sender_ip.to_string(), target_ip.to_string(), op == 1,
                        sender_ip == target_ip});
    }
    return seen;
}

}  // namespace

ArpWatcher::ArpWatcher(const topo::Topology& topo, const std::string& client_netns, IpAddress vip,
                       std::chrono::milliseconds duration)
    : stop_(std::make_shared<std::atomic<bool>>(false)) {
    // The socket is open before the constructor returns, so that the first GARP is not missed.
    auto ready = std::make_shared<std::promise<void>>();
    auto opened = ready->get_future();
    result_ = std::async(std::launch::async, [&topo, client_netns, vip, duration, stop = stop_, ready] {
        return topo.run_in(
            client_netns,
            [stop, vip, duration, ready] {
                try {
                    return capture_arp(stop, vip, duration, *ready);
                } catch (...) {
                    try {
                        ready->set_exception(std::current_exception());
                    } catch (const std::future_error&) {
                        // already opened: the exception reaches finish() instead
                    }
                    throw;
                }
            },
            duration + 2s);
    });
    if (opened.wait_for(5s) != std::future_status::ready) {
        stop_->store(true);
        throw topo::TimeoutError("the ARP watcher's socket in " + client_netns, 5s);
    }
    opened.get();
}

ArpWatcher::~ArpWatcher() {
    stop_->store(true);
    if (result_.valid()) result_.wait();  // bounded: run_in's timeout
}

std::vector<ArpSeen> ArpWatcher::finish() {
    stop_->store(true);
    return result_.get();
}

}  // namespace xvip::lab
