#include "keepalived_captures.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace xvip::test {

namespace {

std::uint16_t be16(const Frame& f, std::size_t at) {
    return static_cast<std::uint16_t>(f.at(at) << 8 | f.at(at + 1));
}

IpAddress address_at(const Frame& f, std::size_t at, std::size_t size) {
    return *IpAddress::from_bytes(std::span<const std::uint8_t>(f).subspan(at, size));
}

}  // namespace

const std::vector<CaptureFacts>& keepalived_captures() {
    static const std::vector<CaptureFacts> facts = {
        {"v2-mcast-noauth", VrrpVersion::v2, 51, 100, {"10.88.0.50", "10.88.0.51"},
         AuthType::none, "", "10.88.0.11", "224.0.0.18"},
        {"v2-mcast-pass", VrrpVersion::v2, 51, 100, {"10.88.0.50", "10.88.0.51"},
         AuthType::simple_password, "s3cr3t", "10.88.0.11", "224.0.0.18"},
        {"v2-ucast", VrrpVersion::v2, 51, 100, {"10.88.0.50", "10.88.0.51"}, AuthType::none, "",
         "10.88.0.11", "10.88.0.12"},
        {"v3-mcast", VrrpVersion::v3, 51, 10, {"10.88.0.50", "10.88.0.51"}, AuthType::none, "",
         "10.88.0.11", "224.0.0.18"},
        {"v3-ucast", VrrpVersion::v3, 51, 10, {"10.88.0.50", "10.88.0.51"}, AuthType::none, "",
         "10.88.0.11", "10.88.0.12"},
        {"v3-ipv6", VrrpVersion::v3, 52, 10, {"fe80::5:50", "2001:db8:88::50"}, AuthType::none,
         "", "", "ff02::12"},
    };
    return facts;
}

std::string fixture_path(const std::string& name) {
    return std::string(XVIP_FIXTURES_DIR) + "/" + name + ".pcap";
}

DissectedCapture dissect_capture(const std::string& name) {
    DissectedCapture out;
    for (const Frame& f : read_ethernet_frames(fixture_path(name))) {
        if (f.size() < 14) continue;
        const std::uint16_t ethertype = be16(f, 12);
        if (ethertype == 0x0806 && f.size() >= 42 && be16(f, 20) == 1 &&
            std::equal(f.begin() + 28, f.begin() + 32, f.begin() + 38)) {
            out.gratuitous_arps.push_back(f);
        } else if (ethertype == 0x0800 && f.size() >= 34 && f[23] == 112) {
            const std::size_t ihl = (f[14] & 0x0f) * 4u;
            const std::size_t total = be16(f, 16);
            CapturedAdvert a;
            std::copy(f.begin() + 6, f.begin() + 12, a.source_mac.begin());
            a.ttl_or_hop_limit = f[22];
            a.envelope = {AddressFamily::ipv4, address_at(f, 26, 4), address_at(f, 30, 4)};
            a.ip_packet.assign(f.begin() + 14, f.begin() + 14 + static_cast<std::ptrdiff_t>(total));
            a.vrrp.assign(a.ip_packet.begin() + static_cast<std::ptrdiff_t>(ihl), a.ip_packet.end());
            out.adverts.push_back(a);
        } else if (ethertype == 0x86dd && f.size() >= 54) {
            const std::size_t payload = be16(f, 18);
            if (f[20] == 112) {
                CapturedAdvert a;
                std::copy(f.begin() + 6, f.begin() + 12, a.source_mac.begin());
                a.ttl_or_hop_limit = f[21];
                a.envelope = {AddressFamily::ipv6, address_at(f, 22, 16), address_at(f, 38, 16)};
                a.vrrp.assign(f.begin() + 54, f.begin() + 54 + static_cast<std::ptrdiff_t>(payload));
                out.adverts.push_back(a);
            } else if (f[20] == 58 && f.size() > 54 && f[54] == 136) {
                out.neighbour_adverts.push_back(f);
            }
        }
    }
    return out;
}

}  // namespace xvip::test
