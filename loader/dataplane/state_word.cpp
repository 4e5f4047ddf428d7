#include "dataplane/state_word.hpp"

namespace xvip {

std::string_view to_string(XdpRole role) {
    switch (role) {
        case XdpRole::standby: return "standby";
        case XdpRole::active: return "active";
        case XdpRole::draining: return "draining";
    }
    return "unknown";
}

std::optional<XdpRole> parse_role(std::string_view text) {
    for (XdpRole r : {XdpRole::standby, XdpRole::active, XdpRole::draining}) {
        if (text == to_string(r)) return r;
    }
    return std::nullopt;
}

std::uint64_t StateWord::encode(const LeaseClock& clock) const {
    // One tick of margin: a jiffy count that runs up to a tick late (a VM whose timer interrupt
    // comes late) still ends the role by `deadline`.
    const std::uint64_t jiffy = role == XdpRole::standby ? 0 : clock.last_jiffy_by(deadline - clock.tick());
    return xvip_state_word(static_cast<xvip_role>(role), jiffy);
}

StateWord StateWord::decode(std::uint64_t word, const LeaseClock& clock) {
    const auto role = static_cast<XdpRole>(xvip_word_role(word));
    if (role == XdpRole::standby) return standby();
    return {role, clock.start_of(xvip_word_deadline(word))};
}

XdpRole StateWord::effective_role(TimePoint now) const {
    if (role == XdpRole::standby || now >= deadline) return XdpRole::standby;
    return role;
}

}  // namespace xvip
