// The load balancer's part of `xvipctl status`: xvipd's virtual services and their real servers
// (the status's `virtual_servers`, with the last error of `health_checks` for a server that is
// down), as an operator reads them at a glance. A function of the status document alone, so that
// a test can render any document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xvip::ctl {

// "virtual services:", then per service a line (its key, interface, id, hashing, what its ring
// holds or why it is not served) and an aligned line per real server and sorry server (health,
// weight, MAC, whether it takes new flows, its flows, and why its check failed). Empty when the
// status has no virtual service.
std::string virtual_services_text(const nlohmann::json& status);

}  // namespace xvip::ctl
