// Test support: the keepalived captures in shared/fixtures/keepalived, taken apart by hand (not by
// the code under test), and the facts their README states about each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/advert.hpp"
#include "codec/advert_codec.hpp"
#include "codec/frames.hpp"
#include "pcap_frames.hpp"
#include "test_frames.hpp"

namespace xvip::test {

// One row of the fixtures README table.
struct CaptureFacts {
    std::string name;
    VrrpVersion version;
    std::uint8_t vrid;
    std::uint16_t interval_cs;
    std::vector<std::string> addresses;
    AuthType auth_type;
    std::string password;       // PASS auth only
    std::string source;         // empty: the sender's IPv6 link-local address, read from the frame
    std::string destination;
};

const std::vector<CaptureFacts>& keepalived_captures();

struct CapturedAdvert {
    MacAddress source_mac{};
    std::uint8_t ttl_or_hop_limit = 0;
    IpEnvelope envelope;
    Frame ip_packet;  // IP header onwards, as a raw socket would return it (IPv4 only)
    Frame vrrp;       // the VRRP message
};

struct DissectedCapture {
    std::vector<CapturedAdvert> adverts;
    std::vector<Frame> gratuitous_arps;    // ARP with sender IP == target IP
    std::vector<Frame> neighbour_adverts;  // ICMPv6 type 136
};

DissectedCapture dissect_capture(const std::string& name);

std::string fixture_path(const std::string& name);

}  // namespace xvip::test
