// Test support: the keepalived captures in tests/fixtures/keepalived (made by
// tests/fixtures/make-keepalived-captures), taken apart by hand (not by the code under test), and
// the facts their README's table states about each.
#pragma once

#include <chrono>
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
    std::string password;  // PASS auth only
    std::string source;    // empty: the sender's IPv6 link-local address, read from the frame
    std::string destination;
    std::uint8_t priority = 150;  // of every advert but the last, which has 0
    std::size_t adverts_min = 0;  // adverts at `priority` (timing makes it a range)
    std::size_t adverts_max = 0;
    std::size_t first_burst = 0;    // gratuitous ARPs (IPv6: NAs) on becoming master
    std::size_t refresh_burst = 0;  // frames in each later burst (garp_master_refresh); 0: none
    std::size_t bursts_min = 1;     // bursts in all, the first included
    std::size_t bursts_max = 1;
};

const std::vector<CaptureFacts>& keepalived_captures();
const CaptureFacts& capture_facts(const std::string& name);

struct CapturedAdvert {
    MacAddress source_mac{};
    std::uint8_t ttl_or_hop_limit = 0;
    IpEnvelope envelope;
    Frame ip_packet;  // IP header onwards, as a raw socket would return it (IPv4 only)
    Frame vrrp;       // the VRRP message
};

// A run of gratuitous ARPs or NAs, each less than 0.5 s after the one before.
struct AnnouncementBurst {
    std::chrono::microseconds at{0};  // of its first frame, since the capture's first frame
    std::size_t frames = 0;
};

struct DissectedCapture {
    std::vector<CapturedAdvert> adverts;
    std::vector<Frame> gratuitous_arps;                  // ARP with sender IP == target IP
    std::vector<Frame> neighbour_adverts;                // ICMPv6 type 136
    std::vector<AnnouncementBurst> announcement_bursts;  // of the two above, in time
};

// Throws std::runtime_error naming the file if the capture is missing or unreadable.
DissectedCapture dissect_capture(const std::string& name);

// tests/fixtures/keepalived/NAME.pcap
std::string fixture_path(const std::string& name);

}  // namespace xvip::test
