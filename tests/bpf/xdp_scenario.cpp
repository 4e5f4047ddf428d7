#include "xdp_scenario.hpp"

namespace xvip::test {

using namespace std::chrono_literals;

const char* to_string(Situation s) {
    switch (s) {
        case Situation::standby: return "standby";
        case Situation::active: return "active";
        case Situation::active_lease_expired: return "active_lease_expired";
        case Situation::draining: return "draining";
        case Situation::draining_expired: return "draining_expired";
    }
    return "?";
}

void set_up(XdpHarness& xdp, Situation situation) {
    xdp.bind_vip(vip4, instance4);
    xdp.bind_vip(vip4_b, instance4);
    xdp.bind_vip(vip6, instance6);
    xdp.bind_vip(vip6_ll, instance6);
    const auto now = monotonic_now();
    StateWord word;
    switch (situation) {
        case Situation::standby: word = StateWord::standby(); break;
        case Situation::active: word = StateWord::active_until(now + 60s); break;
        // Well past, by many ticks.
        case Situation::active_lease_expired: word = StateWord::active_until(now - 1s); break;
        case Situation::draining: word = StateWord::draining_until(now + 60s); break;
        case Situation::draining_expired: word = StateWord::draining_until(now - 1s); break;
    }
    xdp.write_state(instance4, word);
    xdp.write_state(instance6, word);
}

}  // namespace xvip::test
