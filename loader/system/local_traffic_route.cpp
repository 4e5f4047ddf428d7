#include "system/local_traffic_route.hpp"

#include <net/if.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "system/rtnetlink_messages.hpp"

namespace xvip {

namespace {

int index_of(const std::string& ifname) {
    const unsigned index = if_nametoindex(ifname.c_str());
    if (index == 0) throw std::system_error(errno, std::generic_category(), "no interface " + ifname);
    return static_cast<int>(index);
}

}  // namespace

LocalTrafficRoute::LocalTrafficRoute(const std::string& ifname, IpAddress vip)
    : vip_(vip), ifindex_(index_of(ifname)), loopback_index_(index_of("lo")) {}

int LocalTrafficRoute::follow(const IpAddress& active_router) {
    if (following_ == active_router) return 0;
    std::array<char, request_buffer_size> buffer{};
    const int error = socket_.request(
        build_vip_local_route_request(buffer, {.vip = vip_, .gateway = active_router, .index = ifindex_}));
    if (error == 0) following_ = active_router;
    return error;
}

int LocalTrafficRoute::deliver_locally() {
    std::array<char, request_buffer_size> buffer{};
    const int error = socket_.request(
        build_vip_local_route_request(buffer, {.vip = vip_, .gateway = std::nullopt, .index = loopback_index_}));
    if (error == 0) following_.reset();
    return error;
}

}  // namespace xvip
