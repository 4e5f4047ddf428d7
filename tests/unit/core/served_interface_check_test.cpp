// ServedInterface::check, the checks a start or a reload makes against the system before it
// touches anything: they read the interface (no privileges needed) and refuse, naming the fix.
#include <gtest/gtest.h>

#include "xvipd/daemon.hpp"
#include "xvipd/served_interface.hpp"

namespace xvip {
namespace {

Instance on(const std::string& ifname, const std::string& vip) {
    Instance c;
    c.name = "vi_51";
    c.interface = ifname;
    c.vrid = 51;
    c.vips.push_back(VirtualAddress{.address = *IpAddress::parse(vip)});
    c.source_address = *IpAddress::parse("127.0.0.1");
    return c;
}

std::string refusal(const std::string& ifname, const std::vector<Instance>& instances) {
    try {
        ServedInterface::check(ifname, instances);
    } catch (const StartupError& e) {
        return e.what();
    }
    return "";
}

TEST(ServedInterfaceCheck, AcceptsAVipInsideASubnetOfTheInterface) {
    EXPECT_EQ(refusal("lo", {on("lo", "127.0.0.53")}), "");
}

TEST(ServedInterfaceCheck, RefusesAVipOutsideEverySubnet) {
    const auto why = refusal("lo", {on("lo", "198.51.100.7")});
    EXPECT_NE(why.find("VIP 198.51.100.7 is not inside any subnet of lo"), std::string::npos) << why;
}

TEST(ServedInterfaceCheck, RefusesAMissingInterfaceNamingIt) {
    const auto why = refusal("xvip-nosuch0", {on("xvip-nosuch0", "127.0.0.53")});
    EXPECT_EQ(why.rfind("xvip-nosuch0: ", 0), 0u) << why;
}

}  // namespace
}  // namespace xvip
