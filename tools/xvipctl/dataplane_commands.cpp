// xvipctl's data-plane commands: they open the pins directly, so they work with or without xvipd.
#include <signal.h>
#include <time.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "common/monotonic_clock.hpp"
#include "daemon/control_client.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/dataplane.hpp"
#include "system/veth_peer.hpp"
#include "xvipctl/command_line.hpp"
#include "xvipctl/commands.hpp"
#include "xvipctl/link_holders.hpp"

namespace xvip::ctl {

namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr auto max_lease = 1h;  // a lease is bounded by design; an hour is beyond any debugging need

using Parsed = ParsedArgs;

// The data-plane commands all name an interface and where its pins are.
Parsed parse(std::string_view command, const std::vector<std::string>& args, po::options_description options,
             std::string_view positional_usage = {}) {
    options.add_options()("dev", po::value<std::string>()->required(), "interface")(
        "pin-root", po::value<std::string>()->default_value(std::string(Dataplane::default_pin_root)),
        "bpffs directory holding the pins");
    return parse_command(command, args, std::move(options), positional_usage);
}

std::string dev(const Parsed& p) {
    return p.vm["dev"].as<std::string>();
}
std::filesystem::path pin_root(const Parsed& p) {
    return p.vm["pin-root"].as<std::string>();
}

Dataplane adopt(const Parsed& p) {
    return Dataplane::adopt(dev(p), pin_root(p));
}

std::chrono::nanoseconds duration_option(const Parsed& p, const char* name) {
    const auto text = p.vm[name].as<std::string>();
    const auto d = parse_duration(text);
    if (!d || *d <= 0ns) {
        throw UsageError(std::string("--") + name +
                         " takes a positive duration with a unit, e.g. "
                         "300ms or 2s (got '" +
                         text + "')");
    }
    return *d;
}

IpAddress address_arg(const std::string& text) {
    auto a = IpAddress::parse(text);
    if (!a) throw UsageError("'" + text + "' is not an IPv4 or IPv6 address (no prefix length)");
    return *a;
}

std::uint8_t vrid_option(const Parsed& p) {
    const int vrid = p.vm["vrid"].as<int>();
    if (vrid < 1 || vrid > 255) throw UsageError("--vrid takes 1..255 (got " + std::to_string(vrid) + ")");
    return static_cast<std::uint8_t>(vrid);
}

int cmd_attach(const std::vector<std::string>& args) {
    po::options_description o("attach options");
    o.add_options()("xdp-mode", po::value<std::string>()->default_value("auto"),
                    "auto (native, else generic with a warning), native or generic");
    const auto p = parse("attach", args, o);
    const auto mode = parse_xdp_mode(p.vm["xdp-mode"].as<std::string>());
    if (!mode) throw UsageError("--xdp-mode takes auto, native or generic");
    const auto warn = [](const std::string& w) { std::fprintf(stderr, "xvipctl attach: warning: %s\n", w.c_str()); };
    auto dp = Dataplane::attach(
        {.ifname = dev(p), .mode = xdp_mode_for(dev(p), *mode, warn), .pin_root = pin_root(p), .warn = warn});
    say(p,
        {{"attached", dp.ifname()},
         {"ifindex", dp.ifindex()},
         {"xdp_mode", to_string(dp.mode())},
         {"pin_dir", dp.pin_dir().string()}},
        "attached to " + dp.ifname() + " (ifindex " + std::to_string(dp.ifindex()) + ", " +
            std::string(to_string(dp.mode())) + " mode), every instance standby; pinned at " + dp.pin_dir().string());
    return exit_ok;
}

int cmd_detach(const std::vector<std::string>& args) {
    const auto p = parse("detach", args, po::options_description("detach options"));
    auto dp = adopt(p);
    const auto where = dp.pin_dir();
    dp.detach();
    say(p, {{"detached", dev(p)}, {"removed", where.string()}},
        "detached from " + dev(p) + "; removed " + where.string());
    return exit_ok;
}

int cmd_vip(const std::vector<std::string>& args) {
    if (args.empty() || (args[0] != "add" && args[0] != "del")) {
        throw UsageError("expected `vip add` or `vip del` (see `xvipctl --help`)");
    }
    const bool add = args[0] == "add";
    po::options_description o(add ? "vip add options" : "vip del options");
    if (add) o.add_options()("vrid", po::value<int>()->required(), "instance's VRID (1..255)");
    const auto p = parse(add ? "vip add" : "vip del", {args.begin() + 1, args.end()}, o, "ADDRESS...");
    if (p.positional.empty()) throw UsageError("name at least one address");
    std::vector<IpAddress> vips;
    for (const auto& text : p.positional) vips.push_back(address_arg(text));  // all valid, or none
    const std::uint8_t vrid = add ? vrid_option(p) : 0;
    auto dp = adopt(p);
    for (const auto& vip : vips) {
        if (add) {
            dp.add_vip(vip, {vip.family(), vrid});
        } else {
            dp.remove_vip(vip);
        }
        say(p, {{add ? "added" : "removed", vip.to_string()}},
            std::string(add ? "added " : "removed ") + vip.to_string());
    }
    return exit_ok;
}

// An xvipd serving the interface holds its XDP link; its pid, or 0 when none does.
pid_t serving_xvipd(const Dataplane& dp) {
    for (const auto& holder : link_holders(dp.link_id())) {
        if (holder.name == "xvipd") return holder.pid;
    }
    return 0;
}

// `state` writes a state word once. `debug state` may also keep renewing an active lease (--hold):
// a second writer of the lease next to xvipd's, so it refuses while an xvipd serves the interface.
int write_state(const std::vector<std::string>& args, bool debug) {
    const char* command = debug ? "debug state" : "state";
    po::options_description o(std::string(command) + " options");
    o.add_options()("vrid", po::value<int>()->required(), "instance's VRID (1..255)")(
        "family", po::value<std::string>()->default_value("ipv4"), "ipv4 or ipv6")(
        "lease", po::value<std::string>(), "active: how long the node answers without renewal")(
        "hold", po::value<std::string>(),
        debug ? "active: keep renewing the lease this long (foreground)" : "moved to `xvipctl debug state`")(
        "for", po::value<std::string>(), "draining: how long VIP traffic still passes");
    const auto p = parse(command, args, o, "standby|draining|active");
    if (!debug && p.vm.count("hold")) {
        throw UsageError(
            "--hold moved to `xvipctl debug state`: renewing a lease by hand makes a "
            "second writer of it, so it is a debugging tool that refuses while xvipd "
            "serves the interface");
    }
    if (p.positional.size() != 1) throw UsageError("name one role: standby, draining or active");
    const auto role = parse_role(p.positional[0]);
    if (!role) throw UsageError("role must be standby, draining or active");
    const auto family_text = p.vm["family"].as<std::string>();
    if (family_text != "ipv4" && family_text != "ipv6") throw UsageError("--family takes ipv4 or ipv6");
    const InstanceKey instance{family_text == "ipv4" ? AddressFamily::ipv4 : AddressFamily::ipv6, vrid_option(p)};
    const bool has_lease = p.vm.count("lease"), has_hold = p.vm.count("hold"), has_for = p.vm.count("for");
    if (*role == XdpRole::active && !has_lease) {
        throw UsageError("active needs --lease: there is no unbounded active");
    }
    if (*role != XdpRole::active && (has_lease || has_hold)) {
        throw UsageError("--lease and --hold go with active only");
    }
    if (*role == XdpRole::draining && !has_for) throw UsageError("draining needs --for DURATION");
    if (*role != XdpRole::draining && has_for) throw UsageError("--for goes with draining only");
    const auto lease = has_lease ? duration_option(p, "lease") : 0ns;
    const auto hold = has_hold ? duration_option(p, "hold") : 0ns;
    if (lease > max_lease) throw UsageError("--lease is at most 1h");

    auto dp = adopt(p);
    if (debug) {
        if (const pid_t xvipd = serving_xvipd(dp)) {
            throw std::runtime_error("xvipd (pid " + std::to_string(xvipd) + ") serves " + dp.ifname() +
                                     " and is the one writer of its state words; stop it first, or move the VIPs "
                                     "with `xvipctl maintenance on INSTANCE`");
        }
    }
    switch (*role) {
        case XdpRole::standby:
            dp.write_state(instance, StateWord::standby());
            say(p, {{"instance", instance.to_string()}, {"role", "standby"}}, instance.to_string() + " standby");
            return exit_ok;
        case XdpRole::draining: {
            const auto drain = duration_option(p, "for");
            dp.write_state(instance, StateWord::draining_until(monotonic_now() + drain));
            say(p, {{"instance", instance.to_string()}, {"role", "draining"}, {"for_ns", drain.count()}},
                instance.to_string() + " draining for " + format_duration(drain));
            return exit_ok;
        }
        case XdpRole::active: break;
    }

    dp.write_state(instance, StateWord::active_until(monotonic_now() + lease));
    say(p, {{"instance", instance.to_string()}, {"role", "active"}, {"lease_ns", lease.count()}},
        instance.to_string() + " active, lease " + format_duration(lease));
    if (!has_hold) return exit_ok;

    // Renew at a third of the lease until --hold has passed or we are interrupted; then let the
    // last lease run out by itself, exactly as when a daemon stops renewing.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    const auto hold_end = monotonic_now() + hold;
    std::size_t renewals = 0;
    for (auto now = monotonic_now(); now < hold_end; now = monotonic_now()) {
        const auto wait = std::min<std::chrono::nanoseconds>(lease / 3, hold_end - now);
        const timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                          static_cast<long>(wait.count() % 1'000'000'000)};
        if (sigtimedwait(&stop_signals, nullptr, &ts) > 0) break;
        dp.write_state(instance, StateWord::active_until(monotonic_now() + lease));
        ++renewals;
    }
    say(p, {{"instance", instance.to_string()}, {"renewals", renewals}, {"lease_ns", lease.count()}},
        instance.to_string() + ": stopped renewing after " + std::to_string(renewals) +
            " renewals; the lease ends within " + format_duration(lease));
    return exit_ok;
}

nlohmann::json instance_json(const Dataplane& dp, InstanceKey instance, TimePoint now) {
    const auto word = dp.read_state(instance);
    const auto effective = word.effective_role(now);
    nlohmann::json j{
        {"instance", instance.to_string()}, {"role", to_string(word.role)}, {"effective_role", to_string(effective)}};
    if (word.role != XdpRole::standby) {
        j["deadline_left_ns"] = std::max<std::int64_t>(0, (word.deadline - now).count());
    }
    return j;
}

int cmd_show(const std::vector<std::string>& args) {
    po::options_description o("show options");
    const auto p = parse("show", args, o);
    const auto dp = adopt(p);
    const auto now = monotonic_now();
    const auto vips = dp.vips();

    nlohmann::json j{{"interface", dp.ifname()},
                     {"ifindex", dp.ifindex()},
                     {"mac", format_mac(dp.mac())},
                     {"xdp_mode", to_string(dp.mode())},
                     {"pin_dir", dp.pin_dir().string()}};
    std::map<std::uint32_t, InstanceKey> instances;
    for (const auto& v : vips) instances.emplace(v.instance.index(), v.instance);
    j["instances"] = nlohmann::json::array();
    for (const auto& [index, instance] : instances) {
        auto ij = instance_json(dp, instance, now);
        ij["vips"] = nlohmann::json::array();
        for (const auto& v : vips) {
            if (v.instance == instance) ij["vips"].push_back(v.address.to_string());
        }
        j["instances"].push_back(ij);
    }
    if (p.json()) {
        std::cout << j.dump(2) << "\n";
        return exit_ok;
    }
    std::printf("%s (ifindex %d, %s) XDP %s, pinned at %s\n", dp.ifname().c_str(), dp.ifindex(),
                format_mac(dp.mac()).c_str(), std::string(to_string(dp.mode())).c_str(), dp.pin_dir().c_str());
    if (instances.empty()) std::printf("no VIPs\n");
    for (const auto& ij : j["instances"]) {
        std::string line = "  " + ij["instance"].get<std::string>() + "  " + ij["effective_role"].get<std::string>();
        if (ij.contains("deadline_left_ns")) {
            line += " (" + ij["role"].get<std::string>() + ", " +
                    format_duration(std::chrono::nanoseconds(ij["deadline_left_ns"].get<std::int64_t>())) + " left)";
        }
        line += "  VIPs:";
        for (const auto& v : ij["vips"]) line += " " + v.get<std::string>();
        std::printf("%s\n", line.c_str());
    }
    return exit_ok;
}

// Data-plane verdicts come from the pinned maps, so they read even with xvipd down; advert
// discards come from xvipd when it answers on its control socket.
nlohmann::json advert_counters(const std::string& socket) {
    try {
        const auto status = control_request(socket, {{"command", "status"}}, 1s);
        nlohmann::json adverts = nlohmann::json::object();
        for (const auto& instance : status.value("instances", nlohmann::json::array())) {
            adverts[instance["name"].get<std::string>()] = {{"sent", instance["counters"]["adverts_sent"]},
                                                            {"received", instance["counters"]["adverts_received"]},
                                                            {"discarded", instance["discards"]}};
        }
        nlohmann::json interfaces = nlohmann::json::object();
        for (const auto& iface : status.value("interfaces", nlohmann::json::array())) {
            interfaces[iface["name"].get<std::string>()] = iface["discards"];
        }
        return {{"instances", adverts}, {"interface_discards", interfaces}};
    } catch (const std::exception& e) {
        return {{"unavailable", e.what()}};
    }
}

int cmd_counters(const std::vector<std::string>& args) {
    po::options_description o("counters options");
    o.add_options()("rate", po::value<std::string>(), "also show per-second rates, measured over this long (e.g. 1s)")(
        "socket", po::value<std::string>()->default_value("/run/xvip/xvipd.sock"),
        "xvipd's control socket, for the advert counters");
    const auto p = parse("counters", args, o);
    std::optional<std::chrono::nanoseconds> rate_window;
    if (p.vm.count("rate")) {
        rate_window = parse_duration(p.vm["rate"].as<std::string>());
        if (!rate_window || *rate_window < 10ms || *rate_window > 1min) {
            throw UsageError("--rate takes a duration from 10ms to 1m, e.g. 1s");
        }
    }
    const auto dp = adopt(p);
    const auto first = dp.counters();
    xvip_counters totals = first;
    if (rate_window) {
        std::this_thread::sleep_for(*rate_window);
        totals = dp.counters();
    }
    nlohmann::json verdicts = nlohmann::json::object(), rates = nlohmann::json::object();
    const double seconds = rate_window ? std::chrono::duration<double>(*rate_window).count() : 0;
    for (const auto& field : counter_fields()) {
        verdicts[std::string(field.name)] = totals.*field.member;
        if (rate_window) {
            rates[std::string(field.name)] = static_cast<double>(totals.*field.member - first.*field.member) / seconds;
        }
    }
    nlohmann::json j{{"dataplane", verdicts}, {"adverts", advert_counters(p.vm["socket"].as<std::string>())}};
    if (rate_window) j["dataplane_per_second"] = rates;
    if (p.json()) {
        std::cout << j.dump(2) << "\n";
        return exit_ok;
    }
    std::printf("data plane of %s (verdicts, summed over CPUs)%s\n", dp.ifname().c_str(),
                rate_window ? ", and per second" : "");
    for (const auto& field : counter_fields()) {
        std::printf("  %-20s %12llu", std::string(field.name).c_str(), totals.*field.member);
        if (rate_window) std::printf("  %10.1f/s", rates[std::string(field.name)].get<double>());
        std::printf("\n");
    }
    const auto& adverts = j["adverts"];
    if (adverts.contains("unavailable")) {
        std::printf("adverts: %s\n", adverts["unavailable"].get<std::string>().c_str());
        return exit_ok;
    }
    for (const auto& [name, a] : adverts["instances"].items()) {
        std::printf("adverts of %s: sent %s, received %s", name.c_str(), a["sent"].dump().c_str(),
                    a["received"].dump().c_str());
        for (const auto& [reason, n] : a["discarded"].items()) std::printf(", %s %s", reason.c_str(), n.dump().c_str());
        std::printf("\n");
    }
    for (const auto& [name, d] : adverts["interface_discards"].items()) {
        if (d.empty()) continue;
        std::printf("adverts discarded on %s before reaching an instance:", name.c_str());
        for (const auto& [reason, n] : d.items()) std::printf(" %s %s", reason.c_str(), n.dump().c_str());
        std::printf("\n");
    }
    return exit_ok;
}

int cmd_state(const std::vector<std::string>& args) {
    return write_state(args, false);
}

int cmd_debug(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "state") {
        throw UsageError("expected `debug state` (see `xvipctl --help`)");
    }
    return write_state({args.begin() + 1, args.end()}, true);
}

const Command commands[] = {
    {"attach", cmd_attach}, {"detach", cmd_detach}, {"vip", cmd_vip},           {"state", cmd_state},
    {"debug", cmd_debug},   {"show", cmd_show},     {"counters", cmd_counters},
};

}  // namespace

std::span<const Command> dataplane_commands() {
    return commands;
}

}  // namespace xvip::ctl
