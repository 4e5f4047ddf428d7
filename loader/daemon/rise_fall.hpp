// keepalived's vrrp_script verdict (vrrp_scheduler.c): one counter in 0..rise+fall-1, healthy at
// rise or above. A success below rise-1 counts up; reaching rise jumps to the top, so that fall
// consecutive failures are needed to go down. A failure above rise counts down; at rise or below
// it drops to 0, so that rise consecutive successes are needed to come back.
// Start: without init_fail the counter is rise-1 and the state unknown, so the first result decides
// either way ("one success is enough"); with init_fail it is 0 and the state failed.
// Reload: a script kept by a new configuration (same name, same command) keeps its verdict and its
// place between rise and fall (carried_into), as keepalived's reload does.
#pragma once

#include <optional>

namespace xvip {

class RiseFall {
public:
    RiseFall(int rise, int fall, bool initially_failed);

    // The new state when this result changes it (including the first verdict), else nullopt.
    std::optional<bool> record(bool success);
    std::optional<bool> healthy() const;
    // This verdict for a configuration whose rise and fall may differ (keepalived's mapping on
    // reload): a healthy verdict stays healthy and a failing one failing, each as many results from
    // changing as it was (at most the new rise or fall); no verdict yet stays none.
    RiseFall carried_into(int rise, int fall) const;

private:
    int rise_;
    int fall_;
    int result_;
    bool known_;
};

}  // namespace xvip
