// The start-up warning for gateway instances on a host that does not forward (issue 16): xvipd
// reads the forwarding sysctls, never writes them, and names the one that is off.
#include "xvipd/forwarding_check.hpp"

#include <gtest/gtest.h>

#include <map>

namespace xvip {
namespace {

Instance instance(const std::string& name, int vrid, const char* vip, bool gateway) {
    Instance i;
    i.name = name;
    i.interface = "eth0";
    i.vrid = vrid;
    i.vips.push_back(VirtualAddress{.address = *IpAddress::parse(vip)});
    i.gateway = gateway;
    return i;
}

SysctlReader reader(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& key) -> std::optional<std::string> {
        const auto it = values.find(key);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

const std::map<std::string, std::string> forwarding_on{
    {"net/ipv4/ip_forward", "1"},
    {"net/ipv4/conf/eth0/forwarding", "1"},
    {"net/ipv6/conf/all/forwarding", "1"},
    {"net/ipv6/conf/eth0/forwarding", "1"},
};

TEST(ForwardingCheck, NothingToSayWhenForwardingIsOnOrNoInstanceIsAGateway) {
    const std::vector<Instance> gateways{instance("v4", 51, "192.0.2.50", true), instance("v6", 52, "fe80::52", true)};
    EXPECT_EQ(forwarding_warnings("eth0", gateways, reader(forwarding_on)), std::vector<std::string>{});
    const std::vector<Instance> plain{instance("v4", 51, "192.0.2.50", false)};
    EXPECT_EQ(forwarding_warnings("eth0", plain, reader({{"net/ipv4/ip_forward", "0"}})), std::vector<std::string>{});
}

TEST(ForwardingCheck, NamesTheSysctlThatIsOffPerFamily) {
    auto values = forwarding_on;
    values["net/ipv4/ip_forward"] = "0";
    values["net/ipv4/conf/eth0/forwarding"] = "0";
    values["net/ipv6/conf/eth0/forwarding"] = "0";
    const std::vector<Instance> instances{instance("v4", 51, "192.0.2.50", true), instance("v6", 52, "fe80::52", true),
                                          instance("plain", 53, "192.0.2.53", false)};
    EXPECT_EQ(forwarding_warnings("eth0", instances, reader(values)),
              (std::vector<std::string>{
                  "eth0: instance v4 is a gateway, but net.ipv4.ip_forward = 0: this host forwards nothing, active "
                  "or not (set net.ipv4.ip_forward = 1; xvipd never changes it)",
                  "eth0: instance v6 is a gateway, but net.ipv6.conf.eth0.forwarding = 0: this host forwards "
                  "nothing, active or not (set net.ipv6.conf.all.forwarding = 1; xvipd never changes it)",
              }));
}

TEST(ForwardingCheck, AnUnreadableSysctlIsSaidSo) {
    EXPECT_EQ(forwarding_warnings("eth0", {instance("v4", 51, "192.0.2.50", true)}, reader({})),
              std::vector<std::string>{"eth0: instance v4 is a gateway, but net.ipv4.ip_forward cannot be read: "
                                       "forwarding may be off (set net.ipv4.ip_forward = 1; xvipd never changes it)"});
}

}  // namespace
}  // namespace xvip
