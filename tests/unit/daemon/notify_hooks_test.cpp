#include "daemon/notify_hooks.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "daemon/command_words.hpp"
#include "daemon_test_support.hpp"

namespace xvip {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

ScriptPolicy policy() {
    return {.enforce_security = true, .daemon_uid = ::geteuid()};
}

// A hook that appends its arguments, one per line, then a separator, to `out`, in one write: two
// hooks run at once (a group's and an instance's) and a record written line by line interleaved
// with the other's in CI.
std::string recording_hook(const TempDir& dir, const std::string& name, const std::string& out) {
    return test::write_script(dir / name, "record=$(printf '%s\\n' \"$@\" --)\nprintf '%s\\n' \"$record\" >> " + out);
}

Script prepared(const std::string& command) {
    auto script = prepare_script(command, std::nullopt, policy());
    EXPECT_TRUE(script) << (script ? "" : script.error().message);
    return script ? script.value() : Script{};
}

TEST(NotifyHooks, RunsTheStateHookAsWrittenAndNotifyWithKeepalivedArguments) {
    TempDir dir;
    const auto generic_out = dir / "generic.out";
    const auto master_out = dir / "master.out";
    const auto backup_out = dir / "backup.out";
    const auto generic = recording_hook(dir, "notify.sh", generic_out);
    const auto master = recording_hook(dir, "master.sh", master_out);
    const auto backup = recording_hook(dir, "backup.sh", backup_out);
    NotifyScripts scripts{.any = prepared(generic + " --from xvip"),
                          .master = prepared(master + " master 'two words'"),
                          .backup = prepared(backup)};
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    TransitionNotifier notifier(children, nullptr, {.hook_timeout = 2s});

    notifier.instance_changed("VI_1", scripts, NotifyState::master, 150);
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    EXPECT_EQ(test::read_file(master_out), "master\ntwo words\n--\n") << "nothing appended to notify_master";
    EXPECT_EQ(test::read_file(generic_out), "--from\nxvip\nINSTANCE\nVI_1\nMASTER\n150\n--\n");
    EXPECT_FALSE(test::exists(backup_out));

    notifier.instance_changed("VI_1", scripts, NotifyState::fault, 1);
    notifier.group_changed("G1", scripts, NotifyState::backup);
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    const std::string generic_text = test::read_file(generic_out);
    EXPECT_NE(generic_text.find("--from\nxvip\nINSTANCE\nVI_1\nFAULT\n1\n--\n"), std::string::npos) << generic_text;
    EXPECT_NE(generic_text.find("--from\nxvip\nGROUP\nG1\nBACKUP\n0\n--\n"), std::string::npos) << generic_text;
    EXPECT_EQ(test::read_file(backup_out), "--\n");
    EXPECT_EQ(notifier.hooks_started(), 5u);
    EXPECT_EQ(notifier.hooks_failed(), 0u);
}

TEST(NotifyHooks, StopStateAndFailingHookAreReported) {
    TempDir dir;
    const auto failing = test::write_script(dir / "fail.sh", "exit 4");
    std::vector<std::string> log;
    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    TransitionNotifier notifier(children, nullptr, {}, [&](std::string_view line) { log.emplace_back(line); });
    notifier.instance_changed("VI_1", {.stop = prepared(failing)}, NotifyState::stop, 100);
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    EXPECT_EQ(notifier.hooks_failed(), 1u);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("notify_stop of VI_1 exited with status 4"), std::string::npos) << log[0];
}

// A virtual server on 192.0.2.100:80 with one real server, 192.0.2.21, its settings placed in lb.conf.
VirtualServer lb_service(const std::string& quorum_down, const std::string& notify_up) {
    VirtualServer vs;
    vs.address = IpAddress::parse("192.0.2.100").value();
    vs.port = 80;
    vs.quorum_down = quorum_down;
    vs.origins.set(Field::vs_quorum_down, {.file = "lb.conf", .line = 12, .column = 3});
    RealServer rs;
    rs.address = IpAddress::parse("192.0.2.21").value();
    rs.port = 80;
    rs.notify_up = notify_up;
    rs.origins.set(Field::rs_notify_up, {.file = "lb.conf", .line = 15, .column = 5});
    vs.real_servers.push_back(rs);
    return vs;
}

TEST(LbNotifyScripts, ArePreparedPerServiceAndRealServerAndRunWithTheirOwnWords) {
    TempDir dir;
    const auto out = dir / "lb.out";
    const auto hook = recording_hook(dir, "lb.sh", out);
    const std::vector<VirtualServer> servers{lb_service(hook + " quorum down", hook + " 'rs up'")};
    const auto scripts = prepare_lb_notify_scripts(servers, "", policy());
    ASSERT_TRUE(scripts) << scripts.error().message;
    const lb::ServiceKey service = lb::key_of(servers[0]);
    ASSERT_TRUE(scripts->services.contains(service));
    EXPECT_FALSE(scripts->services.at(service).up);
    ASSERT_TRUE(scripts->services.at(service).down);
    const lb::RealServerKey real{service, servers[0].real_servers[0].address};
    ASSERT_TRUE(scripts->real_servers.contains(real));
    EXPECT_FALSE(scripts->real_servers.at(real).down);
    EXPECT_FALSE(scripts->changes_user());

    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    TransitionNotifier notifier(children, nullptr, {.hook_timeout = 2s});
    notifier.run_script(*scripts->services.at(service).down, "quorum_down of tcp 192.0.2.100:80");
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    notifier.run_script(*scripts->real_servers.at(real).up, "notify_up of real server 192.0.2.21");
    ASSERT_TRUE(test::run_until(loop, [&] { return children.running() == 0; }));
    EXPECT_EQ(test::read_file(out), "quorum\ndown\n--\nrs up\n--\n") << "keepalived appends nothing";
    EXPECT_EQ(notifier.hooks_started(), 2u);
    EXPECT_EQ(notifier.hooks_failed(), 0u);
}

TEST(LbNotifyScripts, AScriptThatCannotRunIsRefusedAtItsPlaceInTheFile) {
    TempDir dir;
    const auto hook = recording_hook(dir, "lb.sh", dir / "lb.out");
    const auto missing =
        prepare_lb_notify_scripts(std::vector<VirtualServer>{lb_service(dir / "nope.sh", "")}, "", policy());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message.rfind("lb.conf:12:3: virtual server tcp 192.0.2.100:80: quorum_down: ", 0), 0u)
        << missing.error().message;
    const auto relative =
        prepare_lb_notify_scripts(std::vector<VirtualServer>{lb_service(hook, "./up.sh")}, "", policy());
    ASSERT_FALSE(relative);
    EXPECT_EQ(
        relative.error().message.rfind("lb.conf:15:5: real server 192.0.2.21 of tcp 192.0.2.100:80: notify_up: ", 0),
        0u)
        << relative.error().message;
    const auto no_user =
        prepare_lb_notify_scripts(std::vector<VirtualServer>{lb_service(hook, "")}, "no-such-user-xvip", policy());
    ASSERT_FALSE(no_user);
    EXPECT_EQ(no_user.error().message.rfind("script_user: ", 0), 0u) << no_user.error().message;
}

TEST(NotifyHooks, MapsElectionStatesToKeepalivedWords) {
    EXPECT_EQ(notify_state_of(State::master), NotifyState::master);
    EXPECT_EQ(notify_state_of(State::backup), NotifyState::backup);
    EXPECT_EQ(notify_state_of(State::fault), NotifyState::fault);
    EXPECT_EQ(notify_state_of(State::initialize), std::nullopt);
    EXPECT_EQ(keepalived_word(NotifyState::stop), "STOP");
}

TEST(NotifyFifo, WritesLinesAsKeepalivedDoes) {
    TempDir dir;
    const auto path = dir / "fifo";
    NotifyFifo fifo(path);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);

    EventLoop loop;
    ChildProcesses children(loop, 50ms);
    TransitionNotifier notifier(children, &fifo);
    notifier.instance_changed("VI_1", {}, NotifyState::master, 150);
    notifier.instance_changed("VI 2", {}, NotifyState::backup, 100);
    notifier.group_changed("G1", {}, NotifyState::fault);
    notifier.instance_changed("VI_1", {}, NotifyState::stop, 150);
    notifier.priority_changed("VI_1", true, 140);
    char buffer[512] = {};
    const ssize_t n = ::read(reader, buffer, sizeof buffer - 1);
    ::close(reader);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)),
              "INSTANCE \"VI_1\" MASTER 150\n"
              "INSTANCE \"VI 2\" BACKUP 100\n"
              "GROUP \"G1\" FAULT 0\n"
              "INSTANCE \"VI_1\" STOP 150\n"
              "INSTANCE \"VI_1\" MASTER_PRIORITY 140\n");
    EXPECT_EQ(fifo.written(), 5u);
}

TEST(NotifyFifo, WithoutAReaderNeverBlocksAndCountsDroppedLines) {
    TempDir dir;
    std::vector<std::string> log;
    NotifyFifo fifo(dir / "fifo", [&](std::string_view line) { log.emplace_back(line); });
    const auto t0 = Clock::now();
    const std::string line = fifo_instance_line("VI_1", NotifyState::master, 150);
    for (int i = 0; i < 20000; ++i) fifo.write_line(line);  // ~540 KB: far more than a pipe holds
    EXPECT_LT(Clock::now() - t0, 2s);
    EXPECT_GT(fifo.written(), 0u);
    EXPECT_GT(fifo.dropped(), 0u);
    EXPECT_EQ(fifo.written() + fifo.dropped(), 20000u);
    ASSERT_EQ(log.size(), 1u) << "one warning for one run of drops";
    EXPECT_NE(log[0].find("dropping"), std::string::npos);
}

TEST(NotifyFifo, RefusesAPathThatIsNotAFifo) {
    TempDir dir;
    const auto path = test::write_script(dir / "plain", "");
    EXPECT_THROW(NotifyFifo{path}, std::runtime_error);
}

TEST(NotifyFifo, RefusesASymbolicLinkToAFifo) {
    TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "real").c_str(), 0600), 0);
    std::filesystem::create_symlink(dir / "real", dir / "link");
    try {
        NotifyFifo fifo(dir / "link");
        FAIL() << "a link must be refused";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
    }
}

TEST(NotifyFifo, RefusesAFifoOfAnotherUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "SKIPPED: making a FIFO of another user needs root (chown)";
    TempDir dir;
    const auto path = dir / "theirs";
    ASSERT_EQ(::mkfifo(path.c_str(), 0666), 0);
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
    try {
        NotifyFifo fifo(path);
        FAIL() << "another user's FIFO must be refused";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("belongs to uid 65534"), std::string::npos) << e.what();
    }
}

TEST(ScriptSecurity, RefusesAScriptInAWorldWritableDirectory) {
    TempDir dir;
    const auto open_dir = dir / "open";
    ASSERT_EQ(::mkdir(open_dir.c_str(), 0700), 0);
    ::chmod(open_dir.c_str(), 0777);
    const auto hook = test::write_script(open_dir + "/hook.sh", "exit 0");
    auto refused = prepare_script(hook + " master", std::nullopt, policy());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(open_dir + " (mode 0777) is writable by others"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("fix: chmod go-w " + open_dir), std::string::npos);

    ::chmod(open_dir.c_str(), 01777);  // sticky, like /tmp: accepted, as keepalived does
    EXPECT_TRUE(prepare_script(hook, std::nullopt, policy()));
}

TEST(ScriptSecurity, RefusesAWritableScriptAndAForeignOwner) {
    TempDir dir;
    const auto hook = test::write_script(dir / "hook.sh", "exit 0", 0702);
    auto refused = prepare_script(hook, std::nullopt, policy());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(hook + " (mode 0702) is writable by others"), std::string::npos)
        << refused.error().message;

    ::chmod(hook.c_str(), 0700);
    ASSERT_TRUE(prepare_script(hook, std::nullopt, policy()));
    if (::geteuid() != 0) return;  // chown needs root
    ::chmod(hook.c_str(), 0770);
    ASSERT_EQ(::chown(hook.c_str(), 0, 0), 0);
    EXPECT_TRUE(prepare_script(hook, std::nullopt, policy())) << "group root may write, as in keepalived";
    ASSERT_EQ(::chown(hook.c_str(), 0, 65534), 0);
    auto group_writable = prepare_script(hook, std::nullopt, policy());
    ASSERT_FALSE(group_writable);
    EXPECT_NE(group_writable.error().message.find("writable by its group"), std::string::npos)
        << group_writable.error().message;

    ::chmod(hook.c_str(), 0700);
    ASSERT_EQ(::chown(hook.c_str(), 65534, 0), 0);
    auto foreign = prepare_script(hook, std::nullopt, policy());
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.error().message.find("owned by uid 65534, not root"), std::string::npos)
        << foreign.error().message;
    EXPECT_NE(foreign.error().message.find("fix: chown root " + hook), std::string::npos);
    EXPECT_TRUE(prepare_script(hook, std::nullopt, {.enforce_security = false, .daemon_uid = 0}))
        << "the check can be turned off";
}

TEST(ScriptSecurity, FindsBareNamesOnPathAndRefusesRelativePaths) {
    auto found = prepare_script("true", std::nullopt, policy());
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->argv[0].front(), '/');
    EXPECT_FALSE(prepare_script("bin/true", std::nullopt, policy()));
    EXPECT_FALSE(prepare_script("xvip-no-such-program", std::nullopt, policy()));
}

TEST(CommandWords, SplitsAsKeepalivedDoes) {
    auto words = split_command_words("  /etc/ka/notify.sh master 'two words' \"x y\"z a\\ b \\t ");
    ASSERT_TRUE(words);
    EXPECT_EQ(words.value(),
              (std::vector<std::string>{"/etc/ka/notify.sh", "master", "two words", "x yz", "a b", "\t"}));
    EXPECT_FALSE(split_command_words("/bin/x 'open"));
    EXPECT_FALSE(split_command_words("   "));
}

}  // namespace
}  // namespace xvip
