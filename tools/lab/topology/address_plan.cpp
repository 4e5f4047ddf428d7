#include "topology/address_plan.hpp"

#include <cstdio>
#include <stdexcept>

namespace xvip::topo::address_plan {
namespace {

std::size_t checked(std::size_t index, std::size_t limit, const char* what) {
    if (index >= limit) {
        throw std::out_of_range(std::string(what) + " index " + std::to_string(index) +
                                " is beyond the address plan (max " + std::to_string(limit) + ")");
    }
    return index;
}

std::string ipv4(std::size_t host) {
    return "192.0.2." + std::to_string(host);
}
std::string ipv6(std::size_t host) {
    return "2001:db8:1::" + std::to_string(host);
}

std::string mac(unsigned kind, std::size_t index) {
    char text[18];
    std::snprintf(text, sizeof text, "02:78:76:%02x:00:%02x", kind, static_cast<unsigned>(index));
    return text;
}

}  // namespace

std::string node_ipv4(std::size_t index) {
    return ipv4(10 + checked(index, kMaxNodes, "node"));
}
std::string node_ipv6(std::size_t index) {
    return ipv6(10 + checked(index, kMaxNodes, "node"));
}
std::string node_mac(std::size_t index) {
    return mac(1, checked(index, kMaxNodes, "node"));
}
std::string client_ipv4(std::size_t index) {
    return ipv4(50 + checked(index, kMaxClients, "client"));
}
std::string client_ipv6(std::size_t index) {
    return ipv6(50 + checked(index, kMaxClients, "client"));
}
std::string client_mac(std::size_t index) {
    return mac(2, checked(index, kMaxClients, "client"));
}
std::string vip_ipv4(std::size_t index) {
    return ipv4(100 + checked(index, kMaxVips, "VIP"));
}
std::string vip_ipv6(std::size_t index) {
    return ipv6(100 + checked(index, kMaxVips, "VIP"));
}

}  // namespace xvip::topo::address_plan
