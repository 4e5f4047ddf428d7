// The neighbour watch (loader/xvipd/neighbour_watch.hpp) against a real kernel: two namespaces of
// the test's own, a balancer and a backend joined by a veth pair (lb0 ↔ be0), the watch running in
// the balancer's on an event loop driven by the test thread. Checked: a backend that answers ARP
// has its MAC reported; a new MAC on the backend, which then says nothing, is learnt within the
// bound the header documents (computed from the kernel parameters the test sets); a deleted entry
// is re-resolved; an address nobody has is reported as none and retried on the back-off, no more
// often; a PERMANENT entry is left alone; unwatched addresses are never reported; destruction
// leaves no descriptors. Every wait is bounded; the namespaces go when the test ends, also on
// failure, and nothing is created in the root namespace.

#include "xvipd/neighbour_watch.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"
#include "topology/command.hpp"
#include "topology/namespace_thread.hpp"
#include "topology/network_namespace.hpp"
#include "topology/run_id.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

IpAddress ip(const std::string& text) {
    const auto address = IpAddress::parse(text);
    if (!address) throw std::invalid_argument("not an address: " + text);
    return *address;
}

MacAddress mac(const std::string& text) {
    const auto address = parse_mac(text);
    if (!address) throw std::invalid_argument("not a MAC: " + text);
    return *address;
}

std::size_t open_descriptors() {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator()));
}

const IpAddress balancer_address = ip("198.18.0.1");
const IpAddress backend_address = ip("198.18.0.10");
const IpAddress other_backend_address = ip("198.18.0.11");  // on the backend too, never watched
const IpAddress nobody = ip("198.18.0.99");
const MacAddress backend_mac = mac("02:78:76:00:00:0a");
const MacAddress replaced_mac = mac("02:78:76:00:00:0b");

struct Report {
    IpAddress address;
    std::optional<MacAddress> mac;
};

class NeighbourWatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "this suite makes network namespaces and veths: run it as root";
        topo::remove_stale_runs();
        const std::string run_id = topo::make_run_id();
        balancer_.emplace(run_id + "-balancer");
        backend_.emplace(run_id + "-backend");
        // Made inside the balancer's namespace with the peer moved straight to the backend's: the
        // root namespace never sees either end.
        in_balancer({"ip", "link", "add", "lb0", "type", "veth", "peer", "name", "be0", "netns", backend_->name()});
        in_backend({"ip", "link", "set", "be0", "address", format_mac(backend_mac)});
        // A backend whose MAC changes says nothing about it (no gratuitous ARP): the default, made sure.
        in_backend({"sysctl", "-qw", "net.ipv4.conf.be0.arp_notify=0"});
        in_balancer({"ip", "addr", "add", balancer_address.to_string() + "/24", "dev", "lb0"});
        in_backend({"ip", "addr", "add", backend_address.to_string() + "/24", "dev", "be0"});
        in_backend({"ip", "addr", "add", other_backend_address.to_string() + "/24", "dev", "be0"});
        in_balancer({"ip", "link", "set", "lb0", "up"});
        in_backend({"ip", "link", "set", "be0", "up"});
        ifindex_ = topo::run_in_netns(balancer_->name(), 5s, [] { return static_cast<int>(if_nametoindex("lb0")); });
        ASSERT_GT(ifindex_, 0);
    }

    void TearDown() override {
        watch_.reset();
        backend_.reset();
        balancer_.reset();
    }

    void in_balancer(const std::vector<std::string>& argv) {
        topo::run_checked(topo::in_netns(balancer_->name(), argv));
    }
    void in_backend(const std::vector<std::string>& argv) { topo::run_checked(topo::in_netns(backend_->name(), argv)); }
    void balancer_sysctl(const std::string& key, const std::string& value) {
        in_balancer({"sysctl", "-qw", "net.ipv4.neigh.lb0." + key + "=" + value});
    }

    // The watch, made in the balancer's namespace (its sockets stay there) on the test's loop.
    void start_watch() {
        watch_ = topo::run_in_netns(balancer_->name(), 5s, [this] {
            return std::make_unique<NeighbourWatch>(
                loop_, ifindex_,
                [this](const IpAddress& address, const std::optional<MacAddress>& mac) {
                    reports_.push_back(Report{address, mac});
                },
                [this](std::string_view line) { log_.emplace_back(line); });
        });
    }

    void watch(std::vector<IpAddress> addresses) { watch_->watch(addresses); }

    // Runs the loop until `done` holds or `timeout` passed; returns whether it holds.
    bool run_until(Duration timeout, const std::function<bool()>& done) {
        const TimePoint deadline = loop_.now() + timeout;
        EventLoop::TimerId check_timer = 0;
        std::function<void()> check = [&] {
            if (done() || loop_.now() >= deadline) {
                loop_.stop();
                return;
            }
            check_timer = loop_.schedule(loop_.now() + 20ms, check);
        };
        check_timer = loop_.schedule(loop_.now(), check);
        loop_.run();
        loop_.cancel(check_timer);
        return done();
    }
    void run_for(Duration duration) {
        (void)run_until(duration, [] { return false; });
    }

    // Whether a report of `address` with `mac` came at or after report number `from`.
    bool reported(const IpAddress& address, const std::optional<MacAddress>& mac, std::size_t from = 0) const {
        return std::any_of(reports_.begin() + static_cast<std::ptrdiff_t>(std::min(from, reports_.size())),
                           reports_.end(), [&](const Report& r) { return r.address == address && r.mac == mac; });
    }
    std::size_t reports_of(const IpAddress& address) const {
        return static_cast<std::size_t>(
            std::count_if(reports_.begin(), reports_.end(), [&](const Report& r) { return r.address == address; }));
    }
    nlohmann::json status_of(const IpAddress& address) const { return watch_->status().at(address.to_string()); }

    std::optional<topo::NetworkNamespace> balancer_;
    std::optional<topo::NetworkNamespace> backend_;
    int ifindex_ = 0;
    EventLoop loop_;
    std::unique_ptr<NeighbourWatch> watch_;
    std::vector<Report> reports_;
    std::vector<std::string> log_;
};

TEST_F(NeighbourWatchTest, LearnsTheMacOfABackendThatAnswers) {
    start_watch();
    watch({backend_address});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(backend_address) == backend_mac; }))
        << "the backend answers ARP: its MAC is learnt";
    ASSERT_EQ(reports_.size(), 1u) << "one report, the MAC";
    EXPECT_EQ(reports_[0].address, backend_address);
    EXPECT_EQ(reports_[0].mac, backend_mac);
    const auto status = status_of(backend_address);
    EXPECT_EQ(status.at("mac"), format_mac(backend_mac));
    EXPECT_EQ(status.at("state"), "REACHABLE");
    EXPECT_EQ(status.at("resolutions"), 1) << "asked once: the kernel had no entry";
    EXPECT_TRUE(log_.empty());
}

TEST_F(NeighbourWatchTest, LearnsAChangedMacOfASilentBackendWithinTheBound) {
    // Shorter than the defaults so that the test takes seconds, not a minute; the bound is the
    // header's formula over these values.
    balancer_sysctl("base_reachable_time_ms", "1000");
    balancer_sysctl("delay_first_probe_time", "1");
    balancer_sysctl("ucast_solicit", "3");
    balancer_sysctl("retrans_time_ms", "1000");
    const Duration bound = 1500ms + NeighbourWatch::refresh_interval + 1s + 3 * 1000ms + 1s;  // + one exchange
    start_watch();
    watch({backend_address});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(backend_address) == backend_mac; }));
    const std::size_t before = reports_.size();

    in_backend({"ip", "link", "set", "be0", "address", format_mac(replaced_mac)});
    const auto changed = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until(bound + 2s, [&] { return watch_->mac(backend_address) == replaced_mac; }))
        << "the new MAC is learnt; status: " << watch_->status().dump();
    const auto took = std::chrono::steady_clock::now() - changed;
    EXPECT_LE(took, bound) << "learnt in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms";
    EXPECT_TRUE(reported(backend_address, std::nullopt, before))
        << "the old MAC was reported gone when the unanswered probes failed the entry";
    EXPECT_EQ(reports_.back().mac, replaced_mac);
}

TEST_F(NeighbourWatchTest, ResolvesADeletedEntryAgain) {
    start_watch();
    watch({backend_address});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(backend_address) == backend_mac; }));
    const std::size_t before = reports_.size();

    in_balancer({"ip", "neigh", "del", backend_address.to_string(), "dev", "lb0"});
    ASSERT_TRUE(run_until(3s, [&] { return reported(backend_address, backend_mac, before); }))
        << "re-resolved after the deletion; status: " << watch_->status().dump();
    EXPECT_TRUE(reported(backend_address, std::nullopt, before)) << "the deletion was reported as none first";
    EXPECT_EQ(watch_->mac(backend_address), backend_mac);
    EXPECT_EQ(status_of(backend_address).at("resolutions"), 2);
}

TEST_F(NeighbourWatchTest, ReportsNoneForAnAddressNobodyHasAndRetriesOnlyOnTheBackOff) {
    // Each resolution fails after 3 × 200 ms, so that the back-off, not the kernel, sets the pace:
    // attempts at 0, 1, 3 and 7 s (1, 2, 4 s apart), the next one not before 15 s.
    balancer_sysctl("mcast_solicit", "3");
    balancer_sysctl("retrans_time_ms", "200");
    start_watch();
    watch({nobody});
    ASSERT_TRUE(run_until(2s, [&] { return reported(nobody, std::nullopt); }))
        << "the failed resolution is a verdict: none";
    EXPECT_EQ(watch_->mac(nobody), std::nullopt);
    run_for(10s);
    EXPECT_EQ(status_of(nobody).at("resolutions"), 4)
        << "attempts at 0, 1, 3 and 7 s; status: " << watch_->status().dump();
    EXPECT_EQ(reports_of(nobody), 1u) << "none is reported once while it lasts";
    EXPECT_EQ(status_of(nobody).at("mac"), nullptr);
}

TEST_F(NeighbourWatchTest, LeavesAPermanentEntryAlone) {
    const MacAddress static_mac = mac("02:78:76:00:00:20");
    const IpAddress static_address = ip("198.18.0.20");
    in_balancer({"ip", "neigh", "add", static_address.to_string(), "lladdr", format_mac(static_mac), "nud", "permanent",
                 "dev", "lb0"});
    start_watch();
    watch({static_address});
    EXPECT_EQ(watch_->mac(static_address), static_mac) << "known from the first dump";
    run_for(NeighbourWatch::refresh_interval + 1s);
    const auto status = status_of(static_address);
    EXPECT_EQ(status.at("state"), "PERMANENT");
    EXPECT_EQ(status.at("resolutions"), 0) << "never asked about: NTF_USE would drop the static MAC";
    EXPECT_EQ(watch_->mac(static_address), static_mac);
}

TEST_F(NeighbourWatchTest, NeverReportsUnwatchedAddresses) {
    start_watch();
    watch({backend_address});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(backend_address) == backend_mac; }));
    // Entries the watch does not ask about: another address of the backend's, one nobody has.
    in_balancer({"ip", "neigh", "replace", other_backend_address.to_string(), "dev", "lb0", "use", "nud", "none"});
    in_balancer({"ip", "neigh", "replace", nobody.to_string(), "dev", "lb0", "use", "nud", "none"});
    run_for(1s);
    EXPECT_EQ(reports_of(other_backend_address), 0u);
    EXPECT_EQ(reports_of(nobody), 0u);

    // No longer watched: forgotten, and its deletion not reported.
    watch({other_backend_address});
    const std::size_t before = reports_of(backend_address);
    in_balancer({"ip", "neigh", "del", backend_address.to_string(), "dev", "lb0"});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(other_backend_address) == backend_mac; }))
        << "the newly watched address is known from the table";
    EXPECT_EQ(reports_of(backend_address), before);
    EXPECT_EQ(watch_->mac(backend_address), std::nullopt);
    EXPECT_FALSE(watch_->status().contains(backend_address.to_string()));
}

TEST_F(NeighbourWatchTest, LeavesNoDescriptorsBehind) {
    const std::size_t before = open_descriptors();
    start_watch();
    watch({backend_address, nobody});
    ASSERT_TRUE(run_until(3s, [&] { return watch_->mac(backend_address).has_value(); }));
    EXPECT_GT(open_descriptors(), before);
    watch_.reset();
    EXPECT_EQ(open_descriptors(), before);
    run_for(1500ms);  // the back-off's timers went with it: nothing runs on a destroyed watch
}

TEST_F(NeighbourWatchTest, RefusesIpv6) {
    start_watch();
    EXPECT_THROW(watch({ip("2001:db8::10")}), std::invalid_argument);
}

}  // namespace
}  // namespace xvip
