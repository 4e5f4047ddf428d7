// Everything about one VRRP instance that the election and the receive filter need, in one place;
// each component takes its own view of it.
#pragma once

#include "codec/advert.hpp"
#include "election/election_config.hpp"
#include "election/receive_filter.hpp"

namespace xvip {

struct InstanceConfig {
    VrrpVersion version = VrrpVersion::v3;
    std::uint8_t vrid = 0;
    std::uint8_t priority = priority_default;
    Duration advert_interval = std::chrono::seconds(1);
    IpAddress primary_address;
    std::vector<IpAddress> virtual_addresses;
    std::vector<AcceptedPeer> unicast_peers;  // empty: multicast
    AuthType auth_type = AuthType::none;
    std::array<std::uint8_t, 8> auth_data{};
    bool preempt = true;
    Duration preempt_delay{0};
    bool answer_lower_priority = true;
    bool announce_on_lower_priority = true;
    bool accept_address_mismatch = false;

    ElectionConfig election() const {
        return {version, priority,      advert_interval,       primary_address,
                preempt, preempt_delay, answer_lower_priority, announce_on_lower_priority};
    }
    ReceiveConfig receive() const {
        return {version,       vrid,      advert_interval, virtual_addresses,      {primary_address},
                unicast_peers, auth_type, auth_data,       accept_address_mismatch};
    }
    // The advert we send, but for the priority.
    Advert advert(std::uint8_t advert_priority) const {
        return {version,           vrid,      advert_priority, to_centiseconds(advert_interval),
                virtual_addresses, auth_type, auth_data};
    }
};

}  // namespace xvip
