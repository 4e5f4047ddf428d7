#include "keepalived_captures.hpp"

#include <optional>
#include <stdexcept>

namespace xvip::test {

namespace {

std::uint16_t be16(const Frame& f, std::size_t at) {
    return static_cast<std::uint16_t>(f.at(at) << 8 | f.at(at + 1));
}

IpAddress address_at(const Frame& f, std::size_t at, std::size_t size) {
    return *IpAddress::from_bytes(std::span<const std::uint8_t>(f).subspan(at, size));
}

}  // namespace

// The rows of tests/fixtures/keepalived/README.md (KeepalivedFixtures.ReadmeTableStatesTheseFacts
// holds the two together).
const std::vector<CaptureFacts>& keepalived_captures() {
    const std::vector<std::string> two_vips{"10.88.0.50", "10.88.0.51"};
    // Adverts at the instance's priority over keepalived's 4.5 s as master: one on becoming master,
    // then one per interval (5 or 46), a range because a busy machine stretches the time.
    const std::size_t per_1s_min = 4, per_1s_max = 7, per_10cs_min = 40, per_10cs_max = 60;
    static const std::vector<CaptureFacts> facts = {
        {.name = "v2-mcast-noauth",
         .version = VrrpVersion::v2,
         .vrid = 51,
         .interval_cs = 100,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_1s_min,
         .adverts_max = per_1s_max,
         .first_burst = 4},
        {.name = "v2-mcast-pass",
         .version = VrrpVersion::v2,
         .vrid = 51,
         .interval_cs = 100,
         .addresses = two_vips,
         .auth_type = AuthType::simple_password,
         .password = "s3cr3t",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_1s_min,
         .adverts_max = per_1s_max,
         .first_burst = 4},
        {.name = "v2-ucast",
         .version = VrrpVersion::v2,
         .vrid = 51,
         .interval_cs = 100,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "10.88.0.12",
         .adverts_min = per_1s_min,
         .adverts_max = per_1s_max,
         .first_burst = 4},
        {.name = "v3-mcast",
         .version = VrrpVersion::v3,
         .vrid = 51,
         .interval_cs = 10,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 4},
        {.name = "v3-ucast",
         .version = VrrpVersion::v3,
         .vrid = 51,
         .interval_cs = 10,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "10.88.0.12",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 4},
        {.name = "v3-ipv6",
         .version = VrrpVersion::v3,
         .vrid = 52,
         .interval_cs = 10,
         .addresses = {"fe80::5:50", "2001:db8:88::50"},
         .auth_type = AuthType::none,
         .password = "",
         .source = "",
         .destination = "ff02::12",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 10},
        {.name = "v3-four-vips",
         .version = VrrpVersion::v3,
         .vrid = 51,
         .interval_cs = 10,
         .addresses = {"10.88.0.50", "10.88.0.51", "10.88.0.52", "10.88.0.53"},
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 8},
        {.name = "v3-owner",
         .version = VrrpVersion::v3,
         .vrid = 51,
         .interval_cs = 100,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .priority = 255,
         .adverts_min = per_1s_min,
         .adverts_max = per_1s_max,
         .first_burst = 4},
        {.name = "v3-vrid255",
         .version = VrrpVersion::v3,
         .vrid = 255,
         .interval_cs = 10,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 4},
        {.name = "v3-garp-refresh",
         .version = VrrpVersion::v3,
         .vrid = 51,
         .interval_cs = 10,
         .addresses = two_vips,
         .auth_type = AuthType::none,
         .password = "",
         .source = "10.88.0.11",
         .destination = "224.0.0.18",
         .adverts_min = per_10cs_min,
         .adverts_max = per_10cs_max,
         .first_burst = 4,
         .refresh_burst = 4,
         .bursts_min = 4,
         .bursts_max = 7},
    };
    return facts;
}

const CaptureFacts& capture_facts(const std::string& name) {
    for (const auto& facts : keepalived_captures()) {
        if (facts.name == name) return facts;
    }
    throw std::invalid_argument("no keepalived capture named " + name);
}

std::string fixture_path(const std::string& name) {
    return std::string(XVIP_FIXTURES_DIR) + "/" + name + ".pcap";
}

DissectedCapture dissect_capture(const std::string& name) {
    DissectedCapture out;
    std::optional<std::chrono::microseconds> last_announcement;
    const auto announced_at = [&](std::chrono::microseconds at) {
        if (!last_announcement || at - *last_announcement >= std::chrono::milliseconds(500)) {
            out.announcement_bursts.push_back({at, 0});
        }
        ++out.announcement_bursts.back().frames;
        last_announcement = at;
    };
    for (const TimedFrame& timed : read_timed_ethernet_frames(fixture_path(name))) {
        const Frame& f = timed.frame;
        if (f.size() < 14) continue;
        const std::uint16_t ethertype = be16(f, 12);
        if (ethertype == 0x0806 && f.size() >= 42 && be16(f, 20) == 1 &&
            std::equal(f.begin() + 28, f.begin() + 32, f.begin() + 38)) {
            out.gratuitous_arps.push_back(f);
            announced_at(timed.at);
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
                announced_at(timed.at);
            }
        }
    }
    return out;
}

}  // namespace xvip::test
