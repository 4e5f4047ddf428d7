#pragma once

#include <cstddef>
#include <string>

// Where everything lives on the test segment. Documentation ranges only (RFC 5737, RFC 3849), and
// only inside the run's namespaces; every run has its own bridge, so parallel runs reuse them.
//   node i    192.0.2.(10+i)   2001:db8:1::(10+i)   02:78:76:01:00:<i>
//   client j  192.0.2.(50+j)   2001:db8:1::(50+j)   02:78:76:02:00:<j>
//   VIP k     192.0.2.(100+k)  2001:db8:1::(100+k)  (never assigned here; for the tests)
// Indices start at 0. The IPv6 host parts reuse the decimal digits so that node 1 is .11 and ::11.
namespace xvip::topo::address_plan {

inline constexpr int kIpv4PrefixLength = 24;
inline constexpr int kIpv6PrefixLength = 64;
inline constexpr std::size_t kMaxNodes = 10;
inline constexpr std::size_t kMaxClients = 10;
inline constexpr std::size_t kMaxVips = 100;

std::string node_ipv4(std::size_t index);
std::string node_ipv6(std::size_t index);
std::string node_mac(std::size_t index);
std::string client_ipv4(std::size_t index);
std::string client_ipv6(std::size_t index);
std::string client_mac(std::size_t index);
std::string vip_ipv4(std::size_t index);
std::string vip_ipv6(std::size_t index);

}  // namespace xvip::topo::address_plan
