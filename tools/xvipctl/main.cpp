// xvipctl: the operator's tool. This file only dispatches; each group of commands has its own file.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "xvipctl/commands.hpp"

namespace {

constexpr const char* usage = R"(usage: xvipctl <command> [options]

A running xvipd:
  status     [--socket PATH] [--json]                    each instance: state, priority, active
                                                         router, lease, last transition and why
  watch      [--for DURATION] [--json]                   transitions as they happen
  maintenance on|off INSTANCE [--reason TEXT]            leave the election gracefully (hand over
                                                         if active), or rejoin it

Configuration:
  import-keepalived KEEPALIVED.CONF [--json]             print xvip's TOML for it, listing every
                                                         option it ignores or refuses

Data plane, by hand (for debugging; xvipd does all of this itself):
  attach     --dev IF [--xdp-mode auto|native|generic]   load and attach, every instance standby
  detach     --dev IF                                    detach and remove the pins
  vip add    --dev IF --vrid N ADDRESS...                bind VIPs to instance (family, VRID)
  vip del    --dev IF ADDRESS...                         unbind VIPs
  state      --dev IF --vrid N --family ipv4|ipv6 ROLE   write an instance's state word:
               standby
               draining --for DURATION                   pass VIP traffic until the deadline
               active --lease DURATION                   answer for the VIPs until the lease ends
  debug state  (as state) [active ... --hold DURATION]   also keep renewing the lease in the
                                                         foreground; refuses while an xvipd
                                                         serves the interface
  show       --dev IF [--json]                           interface, mode, VIPs, roles, leases
  counters   --dev IF [--rate 1s] [--json]               verdicts by reason (summed over CPUs; from
                                                         the pins, so also with xvipd down), and
                                                         xvipd's advert counts and discards

Common options:
  --pin-root DIR   bpffs directory holding xvip's pins (default /sys/fs/bpf/xvip)
  --json           every command: print JSON instead of text
  --help           this text; `xvipctl <command> --help` for a command's options

Exit codes: 0 done; 1 the operation failed (the message says why); 2 bad usage.
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(usage, args.empty() ? stderr : stdout);
        return args.empty() ? xvip::ctl::exit_usage : xvip::ctl::exit_ok;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        for (const auto group :
             {xvip::ctl::daemon_commands(), xvip::ctl::dataplane_commands(), xvip::ctl::config_commands()}) {
            for (const auto& entry : group) {
                if (command == entry.name) return entry.run(args);
            }
        }
        std::fprintf(stderr, "xvipctl: unknown command '%s'; see `xvipctl --help`\n", command.c_str());
        return xvip::ctl::exit_usage;
    } catch (const xvip::ctl::UsageError& e) {
        std::fprintf(stderr, "xvipctl %s: %s\n", command.c_str(), e.what());
        return xvip::ctl::exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xvipctl %s: %s\n", command.c_str(), e.what());
        return xvip::ctl::exit_failure;
    }
}
