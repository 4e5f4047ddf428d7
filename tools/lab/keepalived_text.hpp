// keepalived.conf as the lab and the failover benchmark write it for their nodes, and the
// timing it implies.
#pragma once

#include <chrono>
#include <string>

namespace xvip::lab {

// keepalived's advert_int: seconds, with decimals when needed ("0.1", "1", "1.25").
std::string advert_int_text(std::chrono::milliseconds interval);

// A VRRPv3 backup's Master_Down_Interval at this priority, by the election's formula (RFC 5798
// §6.1): what a failover costs a client at most.
std::chrono::nanoseconds master_down(std::chrono::milliseconds advert, int priority);

}  // namespace xvip::lab
