// VrrpInstance, the part of xvipd that decides what the data plane does and when, driven in
// simulated time: its state words, adverts and GARPs are recorded with the instant they left, and
// a peer is an advert handed to receive() at a chosen instant.
#include "xvipd/vrrp_instance.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "codec/advert_codec.hpp"
#include "common/duration.hpp"
#include "sim_timers.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;

const IpAddress self = *IpAddress::parse("10.0.0.1");
const IpAddress peer = *IpAddress::parse("10.0.0.2");
const IpAddress vip = *IpAddress::parse("10.0.0.100");
const IpAddress group = *IpAddress::parse("224.0.0.18");

Instance instance_config(int priority) {
    Instance c;
    c.name = "vi_51";
    c.interface = "eth0";
    c.vrid = 51;
    c.priority = priority;
    c.advert_interval = 1000ms;
    c.vips.push_back(VirtualAddress{.address = vip});
    c.garp.repeat = 1;
    c.garp.second_burst_delay = 0ms;
    return c;
}

struct WrittenWord {
    TimePoint at;
    StateWord word;
};

struct SentAdvert {
    TimePoint at;
    std::uint8_t priority;
};

// One xvipd instance with everything it touches recorded: the state word (one, as in the mmapped
// array), every advert and every GARP frame.
class Node {
public:
    Node(sim::SimTimers& timers, StateWord& word, IpAddress source = self)
        : timers_(timers), word_(word), source_(source) {}

    VrrpInstance& make(const Instance& config) {
        stored_ = word_;  // as a Dataplane made now finds the word (adopted or not)
        instance_ = std::make_unique<VrrpInstance>(
            config, VrrpInstance::Wiring{
                        .timers = timers_,
                        .write_state =
                            [this](StateWord w) {
                                word_ = w;
                                stored_ = w;
                                writes.push_back({timers_.now(), w});
                            },
                        // The data plane's compare-and-swap: only over the word last stored.
                        .replace_state =
                            [this](StateWord w) {
                                if (!(word_ == stored_)) {
                                    refused_words.push_back({timers_.now(), w});
                                    return false;
                                }
                                word_ = w;
                                stored_ = w;
                                writes.push_back({timers_.now(), w});
                                return true;
                            },
                        .accept_state = [this] { stored_ = word_; },
                        .read_state = [this] { return word_; },
                        .write_guard =
                            [this](std::uint8_t p) {
                                guards.push_back({timers_.now(), p});
                            },
                        .mac = MacAddress{0x02, 0, 0, 0, 0, 1},
                        .source = source_,
                        .send_advert = [this](std::span<const std::uint8_t> m, const IpAddress& s,
                                              const IpAddress& d) -> SendResult {
                            if (!sends_succeed || (refuse_sends_to && refuse_sends_to(d))) {
                                refused.push_back(timers_.now());
                                return {refuse_errno};
                            }
                            const auto decoded = decode_advert(m, IpEnvelope{AddressFamily::ipv4, s, d});
                            EXPECT_TRUE(decoded.has_value()) << "the instance sent an advert it cannot read back";
                            if (decoded.has_value()) {
                                adverts.push_back({timers_.now(), decoded->advert.priority});
                                if (link) link(decoded->advert, s);
                            }
                            return {};
                        },
                        .send_frame =
                            [this](std::span<const std::uint8_t>) {
                                frames.push_back(timers_.now());
                                return sends_succeed;
                            },
                        .drain_socket =
                            [this] {
                                ++drains;
                                if (waiting) std::exchange(waiting, nullptr)();
                            },
                        .on_transition = [this](const VrrpInstance&, const Transition& t) { transitions.push_back(t); },
                        .route_local_traffic = nullptr,
                    });
        return *instance_;
    }

    VrrpInstance& instance() { return *instance_; }
    void destroy() { instance_.reset(); }

    // An advert from the peer, heard now.
    void hear(std::uint8_t priority) {
        hear(
            Advert{
                .version = VrrpVersion::v3, .vrid = 51, .priority = priority, .interval_cs = 100, .addresses = {vip}},
            peer);
    }
    void hear(const Advert& advert, const IpAddress& from) {
        if (instance_) instance_->receive(advert, ReceiveMetadata{.ttl = 255, .source = from, .destination = group});
    }

    // Where this node's adverts go besides the record (another Node, through a delay).
    std::function<void(const Advert&, const IpAddress& source)> link;

    // The kernel refusing adverts to these destinations (an nftables rule, a route gone), with
    // this errno; unset: every advert leaves.
    std::function<bool(const IpAddress& destination)> refuse_sends_to;
    int refuse_errno = EPERM;

    // The XDP program's advert guard demoting the instance: the word goes standby under the
    // daemon's feet, as the kernel's compare-and-swap does.
    void kernel_demotes() { word_ = StateWord::standby(); }

    std::vector<WrittenWord> writes;
    std::vector<WrittenWord> refused_words;                  // swaps refused: the word was not the one last stored
    std::vector<std::pair<TimePoint, std::uint8_t>> guards;  // the guard's priority, as written
    std::vector<SentAdvert> adverts;
    std::vector<TimePoint> refused;  // when a send was refused
    std::vector<TimePoint> frames;
    std::vector<Transition> transitions;
    int drains = 0;
    bool sends_succeed = true;      // false: the kernel refuses every advert and frame (still recorded)
    std::function<void()> waiting;  // what the socket holds the next time it is drained

private:
    sim::SimTimers& timers_;
    StateWord& word_;
    StateWord stored_;  // what the daemon last stored (the data plane's expected word)
    IpAddress source_;
    std::unique_ptr<VrrpInstance> instance_;
};

class VrrpInstanceTest : public ::testing::Test {
protected:
    // Starts alone and runs until it has been master for a while.
    VrrpInstance& start_master(Instance config = instance_config(200)) {
        auto& instance = node.make(config);
        instance.start(false);
        timers.run_for(5s);
        EXPECT_EQ(instance.state(), State::master);
        return instance;
    }

    std::size_t frames_between(TimePoint from, TimePoint to) const {
        return static_cast<std::size_t>(
            std::count_if(node.frames.begin(), node.frames.end(), [&](TimePoint t) { return t >= from && t < to; }));
    }

    sim::SimTimers timers;
    StateWord word;
    Node node{timers, word};
};

TEST_F(VrrpInstanceTest, HandoverStaysActiveUntilTheSuccessorSpeaksThenDrainsThenStandby) {
    auto config = instance_config(200);
    config.drain_deadline = 2000ms;
    auto& instance = start_master(config);
    bool done = false;
    const auto stopped = timers.now();
    instance.hand_over([&] { done = true; });

    ASSERT_FALSE(node.adverts.empty());
    EXPECT_EQ(node.adverts.back().priority, 0) << "the planned stop tells the backups at once";
    EXPECT_EQ(node.adverts.back().at, stopped);
    EXPECT_EQ(word.role, XdpRole::active) << "make before break: still answering for the VIP";
    EXPECT_GT(word.deadline, stopped + 3s) << "bounded by Master_Down_Interval";

    // The backups take over after Skew_Time; until one speaks, this node keeps the VIP working.
    timers.run_for(800ms);
    EXPECT_FALSE(done);
    EXPECT_EQ(word.role, XdpRole::active);

    node.hear(100);
    const auto successor_spoke = timers.now();
    EXPECT_EQ(word, StateWord::draining_until(successor_spoke + 2000ms));
    EXPECT_FALSE(done);

    timers.run_until(successor_spoke + 2000ms - 1ns);
    EXPECT_FALSE(done) << "drains for the whole drain deadline";
    EXPECT_EQ(word.role, XdpRole::draining);
    timers.run_until(successor_spoke + 2000ms);
    EXPECT_TRUE(done);
    EXPECT_EQ(word, StateWord::standby());
    EXPECT_EQ(node.writes.back().at, successor_spoke + 2000ms);
    for (const auto& a : node.adverts) {
        if (a.at > stopped) ADD_FAILURE() << "an advert after the priority-0 one";
    }
}

// Two xvipd instances on one simulated link (1 ms each way), each with its own data plane: the
// leaving one serves until the other has taken over and said so, so a client always has one node
// answering, and for the drain deadline both do.
TEST_F(VrrpInstanceTest, PlannedStopBetweenTwoNodesIsMakeBeforeBreak) {
    StateWord word_b;
    Node b{timers, word_b, peer};
    auto connect = [this](Node& to) {
        return [this, &to](const Advert& advert, const IpAddress& source) {
            timers.schedule(timers.now() + 1ms, [&to, advert, source] { to.hear(advert, source); });
        };
    };
    node.link = connect(b);
    b.link = connect(node);
    auto& a = node.make(instance_config(200));
    auto& standby = b.make(instance_config(100));
    a.start(false);
    standby.start(false);
    timers.run_for(10s);
    ASSERT_EQ(a.state(), State::master);
    ASSERT_EQ(standby.state(), State::backup);
    EXPECT_EQ(word_b, StateWord::standby());

    bool done = false;
    const auto stopped = timers.now();
    a.hand_over([&] { done = true; });
    // Every millisecond, at least one node answers for the VIP.
    TimePoint b_active{}, a_draining{};
    for (auto t = stopped; t < stopped + 5s; t += 1ms) {
        timers.run_until(t);
        const bool a_answers = word.effective_role(t) != XdpRole::standby;
        const bool b_answers = word_b.effective_role(t) == XdpRole::active;
        ASSERT_TRUE(a_answers || b_answers) << "nobody answered at +" << (t - stopped).count() << " ns";
        if (b_answers && b_active == TimePoint{}) b_active = t;
        if (word.role == XdpRole::draining && a_draining == TimePoint{}) a_draining = t;
    }
    EXPECT_EQ(standby.state(), State::master);
    ASSERT_NE(b_active, TimePoint{});
    ASSERT_NE(a_draining, TimePoint{});
    EXPECT_LE(b_active, a_draining) << "the old node drained before the new one served";
    EXPECT_LT(b_active - stopped, 1s) << "priority 0: the backup takes over after Skew_Time";
    EXPECT_TRUE(done) << "drain_deadline (2 s) after the successor spoke";
    EXPECT_EQ(word, StateWord::standby());
}

TEST_F(VrrpInstanceTest, HandoverWithNoSuccessorEndsAfterMasterDownInterval) {
    auto& instance = start_master();
    bool done = false;
    const auto stopped = timers.now();
    instance.hand_over([&] { done = true; });
    timers.run_until(stopped + 3s);
    EXPECT_FALSE(done);
    timers.run_for(1s);  // 3 × 1 s + Skew_Time of priority 200 (< 1 s)
    EXPECT_TRUE(done);
    EXPECT_EQ(word, StateWord::standby());
}

TEST_F(VrrpInstanceTest, MaintenanceOnLeavesLikeAPlannedStopAndOffRejoins) {
    auto& instance = start_master();
    ASSERT_TRUE(instance.enter_maintenance("disk swap"));
    EXPECT_EQ(instance.maintenance(), std::optional<std::string>("disk swap"));
    EXPECT_FALSE(instance.enter_maintenance("again")) << "already out of the election";
    EXPECT_EQ(node.adverts.back().priority, 0);
    EXPECT_EQ(word.role, XdpRole::active) << "make before break, as a planned stop";

    node.hear(100);
    EXPECT_EQ(word.role, XdpRole::draining);
    timers.run_for(30s);
    EXPECT_EQ(word, StateWord::standby());
    EXPECT_NE(instance.state(), State::master) << "stays out while the peer is silent";
    const auto adverts_out = node.adverts.size();

    ASSERT_TRUE(instance.leave_maintenance());
    EXPECT_FALSE(instance.maintenance());
    EXPECT_FALSE(instance.leave_maintenance()) << "not in maintenance any more";
    timers.run_for(5s);  // nobody else speaks: it takes over again
    EXPECT_EQ(instance.state(), State::master);
    EXPECT_EQ(word.role, XdpRole::active);
    EXPECT_GT(node.adverts.size(), adverts_out);
}

TEST_F(VrrpInstanceTest, MaintenanceOffDuringTheDrainCutsItShort) {
    auto& instance = start_master();
    ASSERT_TRUE(instance.enter_maintenance(""));
    EXPECT_EQ(instance.maintenance(), std::optional<std::string>("no reason given"));
    node.hear(100);
    ASSERT_EQ(word.role, XdpRole::draining);
    timers.run_for(500ms);
    ASSERT_TRUE(instance.leave_maintenance());
    EXPECT_EQ(node.writes.back().word, StateWord::standby());
    EXPECT_EQ(node.writes.back().at, timers.now()) << "standby at once, not at the drain deadline";
    timers.run_for(5s);
    EXPECT_EQ(instance.state(), State::master) << "priority 200 preempts the peer's 100 again";
}

TEST_F(VrrpInstanceTest, EveryAdvertSentRenewsTheLeaseFromItsSendTime) {
    start_master();
    const auto from = timers.now();
    timers.run_for(10s);
    std::vector<TimePoint> sent, renewed;
    for (const auto& a : node.adverts) {
        if (a.at > from) sent.push_back(a.at);
    }
    for (const auto& w : node.writes) {
        if (w.at <= from) continue;
        renewed.push_back(w.at);
        EXPECT_EQ(w.word, StateWord::active_until(w.at + 3s)) << "lease = 3 × advert interval from the send";
    }
    EXPECT_EQ(sent.size(), 10u);
    EXPECT_EQ(renewed, sent);
}

TEST_F(VrrpInstanceTest, AStallPastTheLeaseReadsMissedAdvertsAndDoesNotRenewWhenOutvoted) {
    start_master();
    const auto lease_end = word.deadline;
    const auto writes_before = node.writes.size();
    // While this node was stopped, a peer with a higher priority took over.
    node.waiting = [this] { node.hear(250); };
    timers.stall(4s);
    ASSERT_GE(timers.now(), lease_end);
    timers.run_for(0s);

    EXPECT_EQ(node.drains, 1) << "the socket is read before anything is renewed";
    EXPECT_EQ(node.instance().state(), State::backup);
    for (auto i = writes_before; i < node.writes.size(); ++i) {
        EXPECT_NE(node.writes[i].word.role, XdpRole::active) << "renewed a lease after the stall";
    }
    EXPECT_EQ(word, StateWord::standby());
    EXPECT_EQ(node.instance().status(timers.now())["counters"]["stalls"], 1);
}

TEST_F(VrrpInstanceTest, AStallPastTheLeaseWithNothingMissedRenewsAfterReading) {
    start_master();
    timers.stall(4s);
    const auto woke = timers.now();
    timers.run_for(0s);
    EXPECT_EQ(node.drains, 1);
    EXPECT_EQ(node.instance().state(), State::master);
    EXPECT_EQ(word, StateWord::active_until(woke + 3s));
}

TEST_F(VrrpInstanceTest, AStallShorterThanTheLeaseNeedsNoReading) {
    start_master();
    timers.stall(1500ms);  // late, but within the 3 s lease
    timers.run_for(0s);
    EXPECT_EQ(node.drains, 0);
    EXPECT_EQ(word.role, XdpRole::active);
}

// --- the data plane's advert guard -----------------------------------------------------------
// The XDP program puts the word standby the moment an outranking advert arrives (a kernel
// compare-and-swap). The daemon's renewals are compare-and-swaps against the word it last stored,
// so it never writes "active" over that demotion before it has read the advert.

// SIGSTOP, a higher-priority node starts, the kernel demotes; SIGCONT: the advert timer is overdue
// and fires before the socket is read. Its renewal must fail, and the advert be read first.
TEST_F(VrrpInstanceTest, AKernelDemotionWhileStoppedIsNeverOverwrittenByTheNextRenewal) {
    start_master();
    timers.stall(1500ms);  // stopped, within the 3 s lease
    node.kernel_demotes();
    const auto demoted_at = timers.now();
    node.waiting = [this] { node.hear(250); };  // the advert that demoted it, waiting on the socket
    timers.run_for(0s);                         // SIGCONT: the overdue advert timer runs first

    for (const auto& w : node.writes) {
        if (w.at >= demoted_at) {
            EXPECT_NE(w.word.role, XdpRole::active) << "rewrote active over the demotion";
        }
    }
    EXPECT_FALSE(node.refused_words.empty()) << "the renewal was a compare-and-swap, and it failed";
    EXPECT_EQ(node.drains, 1) << "the advert is read at once, not an interval later";
    EXPECT_EQ(node.instance().state(), State::backup);
    EXPECT_EQ(word, StateWord::standby());
    EXPECT_EQ(node.instance().status(timers.now())["counters"]["data_plane_demotions"], 1);
}

// Between two renewals of a running daemon: the ring buffer's event reads the advert at once.
TEST_F(VrrpInstanceTest, ADemotionEventReadsTheAdvertAtOnce) {
    start_master();
    node.kernel_demotes();
    const auto demoted_at = timers.now();
    node.waiting = [this] { node.hear(250); };
    node.instance().data_plane_demoted();
    timers.run_for(0s);
    EXPECT_EQ(node.drains, 1);
    EXPECT_EQ(node.instance().state(), State::backup);
    ASSERT_FALSE(node.transitions.empty());
    EXPECT_EQ(node.transitions.back().decided, demoted_at);
    EXPECT_EQ(word, StateWord::standby());
}

// The ring buffer's event can come a moment before the advert reaches the socket. An advert timer
// that fires in between (within the 10 ms grace) must not take the word back.
TEST_F(VrrpInstanceTest, ADemotionEventAheadOfItsAdvertIsNotTakenBackByATimerInTheGrace) {
    start_master();
    ASSERT_FALSE(node.adverts.empty());
    const auto next_advert = node.adverts.back().at + 1s;
    timers.run_until(next_advert - 2ms);
    node.kernel_demotes();
    const auto demoted_at = timers.now();
    node.instance().data_plane_demoted();  // the socket is still empty
    timers.run_until(next_advert + 1ms);   // the advert timer fires, 2 ms after the demotion
    EXPECT_EQ(word.role, XdpRole::standby) << "taken back before the advert could arrive";
    node.hear(250);  // here it is
    EXPECT_EQ(node.instance().state(), State::backup);
    for (const auto& w : node.writes) {
        if (w.at >= demoted_at) {
            EXPECT_NE(w.word.role, XdpRole::active);
        }
    }
}

// An event about a word the daemon has written again since (a stale one) changes nothing.
TEST_F(VrrpInstanceTest, AStaleDemotionEventChangesNothing) {
    start_master();
    const auto writes = node.writes.size();
    node.instance().data_plane_demoted();
    timers.run_for(0s);
    EXPECT_EQ(node.drains, 0);
    EXPECT_EQ(node.instance().state(), State::master);
    timers.run_for(1s);
    EXPECT_GT(node.writes.size(), writes) << "renewals go on";
    EXPECT_EQ(word.role, XdpRole::active);
}

// The daemon refuses the advert the kernel acted on (a VIP list the program does not compare):
// at its first advert timer past the grace (10 ms) it takes the word back and turns the guard off
// until next master.
TEST_F(VrrpInstanceTest, AnAdvertTheDaemonRefusesSilencesTheNodeOneIntervalAtMost) {
    start_master();
    node.kernel_demotes();
    const auto demoted_at = timers.now();
    node.instance().data_plane_demoted();  // nothing on the socket that explains it
    timers.run_for(0s);
    EXPECT_EQ(node.instance().state(), State::master);
    EXPECT_EQ(word.role, XdpRole::standby) << "not before the advert could be read";
    timers.run_for(1010ms);
    EXPECT_EQ(word.role, XdpRole::active) << "answering again one advert interval later";
    ASSERT_FALSE(node.writes.empty());
    EXPECT_LE(node.writes.back().at, demoted_at + 1010ms);
    EXPECT_GE(node.writes.back().at, demoted_at + 10ms) << "not within the grace";
    ASSERT_FALSE(node.guards.empty());
    EXPECT_EQ(node.guards.back().second, 0) << "the guard is off";
}

TEST_F(VrrpInstanceTest, TheGuardCarriesThePriorityWhileMasterAndIsOffDuringAHandover) {
    auto& instance = start_master();
    ASSERT_FALSE(node.guards.empty());
    EXPECT_EQ(node.guards.back().second, 200);
    instance.set_priority(180, "tracked interface down");
    EXPECT_EQ(node.guards.back().second, 180);
    const auto written = node.guards.size();
    timers.run_for(5s);
    EXPECT_EQ(node.guards.size(), written) << "written when it changes, not at every renewal";
    instance.hand_over([] {});
    EXPECT_EQ(node.guards.back().second, 0) << "the successor's advert makes this node drain, not go standby";
}

// --- conflicts: another MAC claims a VIP -------------------------------------------------------

// A master outranked by another (a partition healed) may have answered clients last, and the
// winner heard nothing from it to announce on: it sends one advert with its own priority as it
// leaves, after its data plane stood by, so the winner's GARP comes after its last answer.
TEST_F(VrrpInstanceTest, AMasterOutrankedByAnotherSendsOnePartingAdvertAfterStandingBy) {
    start_master();
    const auto adverts = node.adverts.size();
    const auto writes = node.writes.size();
    node.hear(250);
    ASSERT_EQ(node.instance().state(), State::backup);
    ASSERT_EQ(node.adverts.size(), adverts + 1) << "one advert as it leaves";
    EXPECT_EQ(node.adverts.back().priority, 200) << "its own priority";
    EXPECT_EQ(node.adverts.back().at, timers.now());
    ASSERT_GT(node.writes.size(), writes);
    EXPECT_EQ(node.writes.back().word, StateWord::standby()) << "its data plane stood by";
    timers.run_for(2s);  // within its Master_Down_Interval
    EXPECT_EQ(node.adverts.size(), adverts + 1) << "a backup says nothing more";
}

TEST_F(VrrpInstanceTest, NoPartingAdvertFromABackup) {
    auto& backup = node.make(instance_config(100));
    backup.start(false);
    node.hear(200);
    timers.run_for(1s);
    node.hear(250);
    EXPECT_TRUE(node.adverts.empty()) << "a backup that hears a higher master stays silent";
}

TEST_F(VrrpInstanceTest, AConflictSendsOneAnnouncementRoundAtOnce) {
    auto config = instance_config(200);
    config.garp.repeat = 3;
    config.garp.interval = 10ms;
    auto& instance = start_master(config);
    const auto frames = node.frames.size();
    const auto pending = timers.pending();
    const auto at = timers.now();
    instance.data_plane_conflict();
    ASSERT_EQ(node.frames.size(), frames + 1) << "one GARP per VIP, at once";
    EXPECT_EQ(node.frames.back(), at);
    EXPECT_EQ(timers.pending(), pending + 2)
        << "two more rounds pending (2 ms and an advert interval on), no burst rounds or refresh chain";
    EXPECT_EQ(instance.status(timers.now())["counters"]["conflicts_heard"], 1);
}

// The kernel reports one claim a millisecond: a claim within that millisecond (the last GARP of a
// node the election demoted meanwhile) gets its answer from one more round once it has passed,
// 2 ms after the latest report; reports in between move that round, they do not add rounds.
TEST_F(VrrpInstanceTest, AClaimTheKernelHeldBackIsAnsweredOnceItsMillisecondHasPassed) {
    auto& instance = start_master(instance_config(200));
    const auto frames = node.frames.size();
    const auto at = timers.now();
    instance.data_plane_conflict();
    timers.run_for(1500us);
    instance.data_plane_conflict();  // a claim reported 1.5 ms later
    timers.run_for(1900us);
    EXPECT_EQ(node.frames.size(), frames + 2) << "no trailing round before 2 ms after the latest report";
    timers.run_for(200us);
    ASSERT_EQ(node.frames.size(), frames + 3);
    EXPECT_EQ(node.frames.back(), at + 1500us + 2ms);
    timers.run_for(10ms);
    EXPECT_EQ(node.frames.size(), frames + 3) << "one trailing round, not a chain";
}

TEST_F(VrrpInstanceTest, NoTrailingConflictRoundAfterTheInstanceLeftMaster) {
    auto& instance = start_master(instance_config(200));
    instance.data_plane_conflict();
    const auto frames = node.frames.size();
    node.hear(250);  // an outranking advert: backup
    ASSERT_EQ(instance.state(), State::backup);
    timers.run_for(1500ms);  // past both the 2 ms round and the settle round (1 s adverts)
    EXPECT_EQ(node.frames.size(), frames) << "a node that left master announces nothing more";
}

// A successor that takes over and is reverted again and again (fast failover under loss) claims
// the VIP each time; under loss a client may hear its last claim and neither of our answers, and
// would then stay on its MAC for the entry's locktime or longer. One more round, an advert
// interval after the latest claim, is the last word once the claims stop.
TEST_F(VrrpInstanceTest, AStretchOfClaimsEndsWithOneRoundAnAdvertIntervalAfterTheLatest) {
    auto& instance = start_master(instance_config(200));  // adverts every second
    const auto frames = node.frames.size();
    const auto at = timers.now();
    for (int i = 0; i < 3; ++i) {
        instance.data_plane_conflict();
        timers.run_for(20ms);
    }
    EXPECT_EQ(node.frames.size(), frames + 6) << "each claim: a round at once and one 2 ms later";
    timers.run_for(1000ms - 20ms - 1ms);  // to 1 ms before the latest claim (at +40 ms) + 1 s
    ASSERT_EQ(node.frames.size(), frames + 6) << "earlier claims moved the settle round, they added none";
    timers.run_for(1ms);
    ASSERT_EQ(node.frames.size(), frames + 7);
    EXPECT_EQ(node.frames.back(), at + 40ms + 1000ms);
    timers.run_for(900ms);
    EXPECT_EQ(node.frames.size(), frames + 7) << "one settle round, not a chain";
}

// A lower-priority advert (the claimant as master) brings a full announcement, which must not
// cancel the settle round: the claimant's GARPs may come after its advert.
TEST_F(VrrpInstanceTest, TheSettleRoundOutlivesAnAnnouncementForALowerPriorityAdvert) {
    auto& instance = start_master(instance_config(200));
    const auto at = timers.now();
    instance.data_plane_conflict();
    timers.run_for(10ms);
    const auto frames = node.frames.size();
    node.hear(100);  // the claimant's advert: an announcement at once
    ASSERT_EQ(instance.state(), State::master);
    ASSERT_GT(node.frames.size(), frames);
    const auto after_announcement = node.frames.size();
    timers.run_for(1000ms - 10ms);
    ASSERT_EQ(node.frames.size(), after_announcement + 1) << "the settle round, still due";
    EXPECT_EQ(node.frames.back(), at + 1000ms);
}

TEST_F(VrrpInstanceTest, AConflictHeardWhileBackupSendsNothing) {
    auto& instance = node.make(instance_config(100));
    instance.start(false);
    node.hear(200);
    timers.run_for(1s);
    ASSERT_EQ(instance.state(), State::backup);
    instance.data_plane_conflict();
    EXPECT_TRUE(node.frames.empty());
}

// A suspend (or a VM paused by its host) stops CLOCK_MONOTONIC and jiffies: afterwards the lease
// looks as live as before, but the peers went on and a backup may have taken over.
TEST_F(VrrpInstanceTest, AfterASuspendTheDataPlaneStandsByAndMissedAdvertsAreReadFirst) {
    start_master();
    const auto writes_before = node.writes.size();
    node.waiting = [this] { node.hear(250); };  // the peer that took over while we slept
    timers.suspend(10s);
    timers.run_for(1s);  // the next advert timer, well inside the lease by CLOCK_MONOTONIC

    EXPECT_EQ(node.drains, 1) << "the socket is read before anything is renewed";
    ASSERT_GT(node.writes.size(), writes_before);
    EXPECT_EQ(node.writes[writes_before].word, StateWord::standby()) << "the data plane goes quiet first";
    for (auto i = writes_before; i < node.writes.size(); ++i) {
        EXPECT_NE(node.writes[i].word.role, XdpRole::active) << "renewed a lease after the suspend";
    }
    EXPECT_EQ(node.instance().state(), State::backup);
    EXPECT_EQ(node.instance().status(timers.now())["counters"]["stalls"], 1);
}

TEST_F(VrrpInstanceTest, AfterASuspendWithNothingMissedTheLeaseIsRenewedAfterReading) {
    start_master();
    timers.suspend(10s);
    timers.run_for(1s);
    EXPECT_EQ(node.drains, 1);
    EXPECT_EQ(node.instance().state(), State::master);
    EXPECT_EQ(word.role, XdpRole::active) << "renewed by the advert that followed";
    timers.run_for(5s);
    EXPECT_EQ(node.drains, 1) << "one suspend, one reading";
}

TEST_F(VrrpInstanceTest, ASleepBeforeTheStartIsNotASuspendOfOurs) {
    timers.suspend(1h);  // a laptop that slept before xvipd started
    start_master();
    timers.run_for(5s);
    EXPECT_EQ(node.drains, 0);
    EXPECT_EQ(node.instance().status(timers.now())["counters"]["stalls"], 0);
}

// An advert the kernel refuses (an nftables rule dropping VRRP on output: EPERM) tells no backup
// that this node is alive, so it must not renew the lease: the backups take over at their
// Master_Down_Interval, and this node's data plane must have gone standby by then.
TEST_F(VrrpInstanceTest, AnAdvertThatDidNotLeaveRenewsNoLeaseAndTheRoleEndsWithTheLease) {
    auto& instance = start_master();
    const auto last_sent = node.adverts.back().at;
    ASSERT_EQ(word, StateWord::active_until(last_sent + 3s));
    const auto writes_before = node.writes.size();
    node.refuse_sends_to = [](const IpAddress&) { return true; };

    timers.run_for(10s);
    EXPECT_EQ(node.refused.size(), 10u) << "the advert timer keeps trying";
    for (std::size_t i = writes_before; i < node.writes.size(); ++i) {
        EXPECT_NE(node.writes[i].word.role, XdpRole::active)
            << "renewed the lease at +" << format_duration(node.writes[i].at - last_sent)
            << " though no advert had left since";
    }
    EXPECT_EQ(word.deadline, last_sent + 3s) << "the lease of the last advert that left";
    EXPECT_EQ(word.effective_role(last_sent + 3s - 1ms), XdpRole::active);
    EXPECT_EQ(word.effective_role(last_sent + 3s), XdpRole::standby)
        << "standby at the end of the lease, before any backup's Master_Down_Interval";
    const auto status = instance.status(timers.now());
    EXPECT_EQ(status["role"], "standby");
    EXPECT_EQ(status["counters"]["send_failures"], 10);
    EXPECT_EQ(status["counters"]["stalls"], 0) << "a lease that ran out for want of adverts is no stall";

    // The rule goes: the next advert that leaves renews the lease from its send time, and the
    // VIP is announced again (a backup took over meanwhile and pointed clients at itself).
    EXPECT_EQ(frames_between(last_sent, timers.now() + 1ns), 0u);
    node.refuse_sends_to = nullptr;
    timers.run_for(1s);
    ASSERT_FALSE(node.adverts.empty());
    const auto renewed = node.adverts.back().at;
    EXPECT_GT(renewed, last_sent);
    EXPECT_EQ(word, StateWord::active_until(renewed + 3s));
    EXPECT_EQ(frames_between(renewed, renewed + 1ns), 1u) << "one GARP for the one VIP, when the lease resumed";
}

// A planned stop keeps the data plane answering until a successor speaks, but only on a live
// lease: one that ran out for want of adverts is not revived, since a backup may be active.
TEST_F(VrrpInstanceTest, APlannedStopDoesNotReviveALeaseThatRanOut) {
    auto& instance = start_master();
    node.refuse_sends_to = [](const IpAddress&) { return true; };
    timers.run_for(4s);
    ASSERT_EQ(word.effective_role(timers.now()), XdpRole::standby);
    instance.hand_over([] {});
    EXPECT_EQ(word.effective_role(timers.now()), XdpRole::standby);
}

// Unicast: each peer that does not get the advert takes over at its own Master_Down_Interval, so
// the lease is renewed only when the advert left for every peer.
TEST_F(VrrpInstanceTest, AUnicastAdvertRenewsTheLeaseOnlyWhenItLeftForEveryPeer) {
    const IpAddress second_peer = *IpAddress::parse("10.0.0.3");
    auto config = instance_config(200);
    config.unicast_peers = {UnicastPeer{.address = peer}, UnicastPeer{.address = second_peer}};
    auto& instance = start_master(config);
    const auto last_sent = node.adverts.back().at;
    const auto writes_before = node.writes.size();
    node.refuse_errno = ENETUNREACH;  // the route to one peer is gone
    node.refuse_sends_to = [second_peer](const IpAddress& d) { return d == second_peer; };

    timers.run_for(10s);
    EXPECT_EQ(node.refused.size(), 10u);
    EXPECT_GE(node.adverts.size(), 10u) << "the other peer still gets every advert";
    for (std::size_t i = writes_before; i < node.writes.size(); ++i) {
        EXPECT_NE(node.writes[i].word.role, XdpRole::active)
            << "renewed the lease at +" << format_duration(node.writes[i].at - last_sent)
            << " though one peer got no advert";
    }
    EXPECT_EQ(word.effective_role(timers.now()), XdpRole::standby);
    EXPECT_EQ(instance.status(timers.now())["counters"]["send_failures"], 10);
}

// A node whose lease ran out does not answer for the VIP, so it must not tell clients to come to
// it: the lower-priority adverts of the backup that took over ask for an announcement each time.
TEST_F(VrrpInstanceTest, ANodeWhoseLeaseRanOutAnnouncesNothing) {
    start_master();
    node.refuse_sends_to = [](const IpAddress&) { return true; };
    timers.run_for(4s);
    ASSERT_EQ(word.effective_role(timers.now()), XdpRole::standby);
    const auto from = timers.now();
    for (int i = 0; i < 5; ++i) {
        node.hear(100);  // the backup took over; it cannot hear us
        timers.run_for(1s);
    }
    EXPECT_EQ(frames_between(from, timers.now() + 1ns), 0u) << "GARPs for a VIP this node does not answer for";
}

TEST_F(VrrpInstanceTest, GarpBurstsHaveTheirCountAndSpacing) {
    auto config = instance_config(200);
    config.garp.repeat = 3;
    config.garp.interval = 100ms;
    config.garp.second_burst_delay = 5000ms;
    auto& instance = node.make(config);
    instance.start(false);
    timers.run_for(10s);
    ASSERT_FALSE(node.transitions.empty());
    const auto active = node.transitions.back().decided;
    EXPECT_EQ(node.transitions.back().to, State::master);
    const std::vector<TimePoint> expected{active,          active + 100ms,  active + 200ms,
                                          active + 5000ms, active + 5100ms, active + 5200ms};
    EXPECT_EQ(node.frames, expected);
}

TEST_F(VrrpInstanceTest, GarpRefreshRepeatsWhileActiveOnly) {
    auto config = instance_config(200);
    config.garp.refresh_period = 2000ms;
    config.garp.refresh_repeat = 2;
    auto& instance = node.make(config);
    instance.start(false);
    timers.run_for(10s);
    const auto active = node.transitions.back().decided;
    ASSERT_EQ(node.transitions.back().to, State::master);
    std::vector<TimePoint> expected{active};
    for (auto t = active + 2000ms; t <= timers.now(); t += 2000ms) {
        expected.push_back(t);
        expected.push_back(t);  // refresh_repeat frames, no gap configured
    }
    EXPECT_EQ(node.frames, expected);

    node.hear(250);  // outvoted: no more refreshes
    ASSERT_EQ(instance.state(), State::backup);
    const auto frames = node.frames.size();
    timers.run_for(2500ms);
    EXPECT_EQ(node.frames.size(), frames);
}

// issue 14 point 4: every lower-priority advert heard while master announces again; each
// announcement used to start one more self-rescheduling refresh chain.
TEST_F(VrrpInstanceTest, GarpRefreshChainsDoNotMultiplyOnLowerPriorityAdverts) {
    auto config = instance_config(200);
    config.garp.refresh_period = 3000ms;
    auto& instance = start_master(config);
    const auto pending_before = timers.pending();
    const auto announcements_before = instance.status(timers.now())["counters"]["announcements"].get<int>();
    // A peer that cannot hear us sends priority 50 every 1 s, for 20 s.
    const auto from = timers.now();
    for (int i = 0; i < 20; ++i) {
        node.hear(50);
        timers.run_for(1s);
    }
    const auto announcements =
        instance.status(timers.now())["counters"]["announcements"].get<int>() - announcements_before;
    EXPECT_EQ(announcements, 20) << "each lower-priority advert re-announces";
    EXPECT_EQ(frames_between(from, timers.now()), 20u)
        << "one burst per announcement; a refresh only when nothing announced for a period";
    EXPECT_LE(timers.pending(), pending_before) << "timers pile up";

    // Quiet again: one refresh per period, not one per chain.
    const auto quiet = timers.now();
    timers.run_for(9s);
    EXPECT_EQ(frames_between(quiet, timers.now()), 3u);
}

// A reload (or restart) hands an unchanged instance to a new VrrpInstance on the same data plane:
// it must stay active without a gap and without a transition through backup.
TEST_F(VrrpInstanceTest, ReloadAdoptionKeepsTheRoleOfAnUnchangedInstance) {
    start_master();
    const auto last_advert = node.adverts.back().at;
    const auto writes = node.writes.size();
    node.instance().abandon();
    node.destroy();
    EXPECT_EQ(node.writes.size(), writes) << "the state word is left exactly as it was";
    EXPECT_EQ(word.role, XdpRole::active);

    timers.run_for(200ms);
    ASSERT_TRUE(VrrpInstance::resumes_as_active(word, timers.now()));
    Node successor{timers, word};
    auto& adopted = successor.make(instance_config(200));
    adopted.start(true);
    EXPECT_EQ(adopted.state(), State::master);
    ASSERT_FALSE(successor.adverts.empty());
    EXPECT_EQ(successor.adverts.front().at, timers.now()) << "speaks at once";
    EXPECT_LT(successor.adverts.front().at - last_advert, 3s) << "within the lease the old one wrote";
    for (const auto& t : successor.transitions) {
        EXPECT_NE(t.to, State::backup) << "an adopted active instance went through backup";
    }
    for (const auto& w : successor.writes) EXPECT_EQ(w.word.role, XdpRole::active);
    timers.run_for(10s);
    EXPECT_EQ(adopted.state(), State::master);
    EXPECT_TRUE(successor.frames.empty()) << "nothing moved, so nothing to announce";
}

// issue 14, the operations soak: after a MAC change xvipd leaves for a new start, which systemd
// makes 100 ms later; the lease it left could run out before (2 of 19 MAC changes on the active
// node in a 10-minute run failed over). One last advert before leaving renews it.
TEST_F(VrrpInstanceTest, SpeakingBeforeLeavingRenewsTheLeaseForTheNextStart) {
    start_master();
    const auto last = node.adverts.back().at;
    timers.run_until(last + 900ms);  // an advert interval is 1 s here: most of the lease is gone
    const auto adverts = node.adverts.size();
    node.instance().speak_before_leaving();
    ASSERT_EQ(node.adverts.size(), adverts + 1) << "one advert, at once";
    EXPECT_EQ(node.adverts.back().at, timers.now());
    EXPECT_EQ(node.adverts.back().priority, 200);
    node.instance().abandon();
    node.destroy();
    timers.run_for(2500ms);  // past the old lease (3 s from `last`), within the renewed one
    EXPECT_TRUE(VrrpInstance::resumes_as_active(word, timers.now())) << "the next start resumes";

    // A backup, or a master whose adverts are refused, says nothing and renews nothing.
    Node backup{timers, word};
    auto& b = backup.make(instance_config(100));
    b.start(false);
    ASSERT_EQ(b.state(), State::backup);
    const auto before = backup.adverts.size();
    b.speak_before_leaving();
    EXPECT_EQ(backup.adverts.size(), before);
}

// issue 14: a reload hands each instance's record to the new VrrpInstance; its `transitions` count
// (the metric xvip_transitions_total) used to restart at 1, the resume counted as a transition.
TEST_F(VrrpInstanceTest, AReloadCarriesTheTransitionsCountAndCountsNoResume) {
    auto& old = start_master();
    const auto before = old.status(timers.now());
    ASSERT_EQ(before["transitions"], 2) << "INIT -> BACKUP -> MASTER";
    auto history = old.history();
    old.abandon();
    node.destroy();

    timers.run_for(200ms);
    Node successor{timers, word};
    auto& adopted = successor.make(instance_config(200));
    adopted.continue_history(history);
    adopted.start(true);
    ASSERT_EQ(adopted.state(), State::master);
    auto after = adopted.status(timers.now());
    EXPECT_EQ(after["transitions"], 2) << "resuming MASTER after a reload is no transition";
    EXPECT_EQ(adopted.metrics(timers.now()).transitions, 2u);
    EXPECT_EQ(after["last_transition"], before["last_transition"]);

    // The next reload finds the lease run out (a stall in between): the instance starts as backup,
    // a transition from MASTER, counted once.
    history = adopted.history();
    adopted.abandon();
    successor.destroy();
    timers.stall(3500ms);
    ASSERT_FALSE(VrrpInstance::resumes_as_active(word, timers.now()));
    Node third{timers, word};
    auto& restarted = third.make(instance_config(200));
    restarted.continue_history(history);
    restarted.start(false);
    ASSERT_EQ(restarted.state(), State::backup);
    after = restarted.status(timers.now());
    EXPECT_EQ(after["transitions"], 3);
    EXPECT_EQ(after["last_transition"]["from"], "MASTER");
    EXPECT_EQ(after["last_transition"]["to"], "BACKUP");
}

// A restart that adopts a live lease while adverts are refused (a restart storm under an nftables
// rule) must not extend it: each restart would otherwise add a lease that no advert backs.
TEST_F(VrrpInstanceTest, ARestartWhoseAdvertIsRefusedDoesNotExtendTheLease) {
    start_master();
    node.instance().abandon();
    node.destroy();
    const auto left = word;
    timers.run_for(200ms);
    ASSERT_TRUE(VrrpInstance::resumes_as_active(word, timers.now()));
    Node successor{timers, word};
    successor.refuse_sends_to = [](const IpAddress&) { return true; };
    auto& adopted = successor.make(instance_config(200));
    adopted.start(true);
    EXPECT_EQ(successor.refused.size(), 1u) << "speaks at once, and is refused";
    EXPECT_EQ(word, left) << "the lease the previous xvipd left, not extended";
    timers.run_until(TimePoint(left.deadline));
    EXPECT_EQ(word.effective_role(timers.now()), XdpRole::standby);
    EXPECT_EQ(adopted.status(timers.now())["counters"]["stalls"], 0);
}

TEST_F(VrrpInstanceTest, AnExpiredLeaseIsNotAdopted) {
    start_master();
    node.instance().abandon();
    node.destroy();
    timers.stall(3s);  // the lease the old one wrote has run out
    EXPECT_FALSE(VrrpInstance::resumes_as_active(word, timers.now()));
    EXPECT_FALSE(VrrpInstance::resumes_as_active(StateWord::standby(), timers.now()));
}

const char* keepalived_name(State s) {
    switch (s) {
        case State::master: return "MASTER";
        case State::backup: return "BACKUP";
        case State::fault: return "FAULT";
        case State::initialize: return "INIT";
    }
    return "UNKNOWN";
}

std::uint64_t discarded(const InstanceMetrics& m, DiscardReason reason) {
    return m.discards[static_cast<std::size_t>(reason)];
}

// issue 13 point 7: the metrics come from the instance's own members, typed, at each step of its
// life: start, taking over, refused sends, a discarded and an accepted advert, maintenance, a stall.
TEST_F(VrrpInstanceTest, MetricsFollowTheInstanceThroughItsEvents) {
    auto& instance = node.make(instance_config(200));
    instance.start(false);
    auto m = instance.metrics(timers.now());
    EXPECT_EQ(m.name, "vi_51");
    EXPECT_EQ(m.interface, "eth0");
    EXPECT_EQ(m.family, AddressFamily::ipv4);
    EXPECT_EQ(m.vrid, 51);
    EXPECT_EQ(m.configured_priority, 200);
    EXPECT_EQ(m.priority, 200);
    EXPECT_EQ(m.state, State::backup);
    EXPECT_EQ(m.role, XdpRole::standby);
    EXPECT_EQ(m.lease_remaining, 0ns);
    EXPECT_FALSE(m.maintenance);
    EXPECT_EQ(m.transitions, 1u);
    ASSERT_EQ(node.transitions.size(), 1u);
    EXPECT_EQ(m.last_transition, node.transitions.back().when);
    EXPECT_EQ(m.adverts_sent, 0u);

    // Alone: master after Master_Down_Interval, renewing its lease with every advert.
    timers.run_for(5s);
    timers.run_for(300ms);  // between two adverts
    m = instance.metrics(timers.now());
    ASSERT_EQ(m.state, State::master);
    EXPECT_EQ(m.role, XdpRole::active);
    EXPECT_EQ(m.transitions, 2u);
    EXPECT_EQ(m.last_transition, node.transitions.back().when);
    EXPECT_EQ(m.lease_remaining, word.deadline - timers.now());
    EXPECT_GT(m.lease_remaining, 0ns);
    EXPECT_LT(m.lease_remaining, 3s);
    EXPECT_EQ(m.adverts_sent, node.adverts.size());
    EXPECT_GE(m.adverts_sent, 2u);
    EXPECT_EQ(m.lease_renewals, static_cast<std::uint64_t>(std::count_if(
                                    node.writes.begin(), node.writes.end(),
                                    [](const WrittenWord& w) { return w.word.role == XdpRole::active; })));
    EXPECT_EQ(m.announcements, 1u);
    EXPECT_EQ(m.frames_sent, 1u) << "one VIP, one frame a burst";
    EXPECT_EQ(m.advert_send_failures, 0u);
    EXPECT_EQ(m.frame_failures, 0u);

    // The kernel refuses the next two adverts (sent, not counted as sent).
    const auto sent = m.adverts_sent;
    node.sends_succeed = false;
    timers.run_for(2s);
    node.sends_succeed = true;
    m = instance.metrics(timers.now());
    EXPECT_EQ(m.advert_send_failures, 2u);
    EXPECT_EQ(m.adverts_sent, sent);

    // A peer with other addresses is discarded; then one with a higher priority is heard and wins.
    node.hear(Advert{.version = VrrpVersion::v3,
                     .vrid = 51,
                     .priority = 250,
                     .interval_cs = 100,
                     .addresses = {*IpAddress::parse("10.0.0.200")}},
              peer);
    m = instance.metrics(timers.now());
    EXPECT_EQ(discarded(m, DiscardReason::address_mismatch), 1u);
    EXPECT_EQ(m.adverts_received, 0u);
    EXPECT_EQ(m.state, State::master);
    node.hear(250);
    m = instance.metrics(timers.now());
    EXPECT_EQ(m.adverts_received, 1u);
    EXPECT_EQ(m.state, State::backup);
    EXPECT_EQ(m.role, XdpRole::standby);
    EXPECT_EQ(m.lease_remaining, 0ns);
    EXPECT_EQ(m.transitions, 3u);
    EXPECT_EQ(m.last_transition, node.transitions.back().when);

    // Maintenance: out of the election, and shown as such.
    ASSERT_TRUE(instance.enter_maintenance("disk swap"));
    m = instance.metrics(timers.now());
    EXPECT_TRUE(m.maintenance);
    EXPECT_EQ(m.priority, instance.priority());
    EXPECT_EQ(m.configured_priority, 200);
    ASSERT_TRUE(instance.leave_maintenance());
    EXPECT_FALSE(instance.metrics(timers.now()).maintenance);

    // Master again, then stalled past its lease: a stall, and a lease shown as ended.
    timers.run_for(5s);
    ASSERT_EQ(instance.state(), State::master);
    timers.stall(4s);
    m = instance.metrics(timers.now());
    EXPECT_EQ(m.role, XdpRole::standby) << "an expired lease is standby";
    EXPECT_EQ(m.lease_remaining, 0ns) << "never negative";
    EXPECT_EQ(m.stalls, 0u);
    timers.run_for(0s);
    EXPECT_EQ(instance.metrics(timers.now()).stalls, 1u);
}

// The status JSON (xvipctl status) and the metrics are two views of the same members: wherever they
// show the same thing, they agree.
TEST_F(VrrpInstanceTest, StatusAndMetricsAgree) {
    auto check = [&](const char* when) {
        SCOPED_TRACE(when);
        const auto now = timers.now();
        const auto m = node.instance().metrics(now);
        const auto j = node.instance().status(now);
        EXPECT_EQ(j["name"], m.name);
        EXPECT_EQ(j["interface"], m.interface);
        EXPECT_EQ(j["vrid"], m.vrid);
        EXPECT_EQ(j["state"], keepalived_name(m.state));
        EXPECT_EQ(j["role"], to_string(m.role));
        EXPECT_EQ(j["priority"], m.priority);
        EXPECT_EQ(j["configured_priority"], m.configured_priority);
        EXPECT_EQ(j["maintenance"].is_string(), m.maintenance);
        EXPECT_EQ(j.value("deadline_left_ms", std::int64_t{0}),
                  std::chrono::duration_cast<std::chrono::milliseconds>(m.lease_remaining).count());
        EXPECT_EQ(j["transitions"], m.transitions);
        if (m.last_transition) {
            EXPECT_EQ(
                j["last_transition"]["unix_time_ms"],
                std::chrono::duration_cast<std::chrono::milliseconds>(m.last_transition->time_since_epoch()).count());
        } else {
            EXPECT_FALSE(j.contains("last_transition"));
        }
        const auto& c = j["counters"];
        EXPECT_EQ(c["adverts_sent"], m.adverts_sent);
        EXPECT_EQ(c["adverts_received"], m.adverts_received);
        EXPECT_EQ(c["send_failures"], m.advert_send_failures);
        EXPECT_EQ(c["announcements"], m.announcements);
        EXPECT_EQ(c["frames_sent"], m.frames_sent);
        EXPECT_EQ(c["frame_failures"], m.frame_failures);
        EXPECT_EQ(c["lease_renewals"], m.lease_renewals);
        EXPECT_EQ(c["stalls"], m.stalls);
        for (std::size_t r = 0; r < discard_reason_count; ++r) {
            const std::string reason(to_string(static_cast<DiscardReason>(r)));
            EXPECT_EQ(j["discards"].value(reason, std::uint64_t{0}), m.discards[r]) << reason;
        }
    };
    auto& instance = node.make(instance_config(200));
    check("before start");
    instance.start(false);
    check("backup");
    timers.run_for(5300ms);
    check("master");
    node.hear(Advert{.version = VrrpVersion::v3,
                     .vrid = 51,
                     .priority = 250,
                     .interval_cs = 100,
                     .addresses = {*IpAddress::parse("10.0.0.200")}},
              peer);
    node.hear(250);
    check("outvoted");
    ASSERT_TRUE(instance.enter_maintenance("disk swap"));
    check("maintenance");
    ASSERT_TRUE(instance.leave_maintenance());
    timers.run_for(5s);
    node.sends_succeed = false;
    timers.run_for(2s);
    node.sends_succeed = true;
    check("sends refused");
    timers.stall(4s);
    check("stalled past the lease");
    timers.run_for(0s);
    check("after the stall");
}

}  // namespace
}  // namespace xvip
