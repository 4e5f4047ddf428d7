// Holds the VIPs in the kernel from start to stop (docs/architecture.md): IPv4 VIPs on `lo`
// as /32 with arp_ignore=1 and arp_announce=2 (all and the interface) and arp_notify=0 (the
// interface), so that the kernel never answers or announces ARP for them; IPv6 VIPs on `lo` as
// /128 (a link-local one on the interface), without DAD and deprecated, and ndisc_notify=0. XDP is
// then the only ARP/ND authority.
//
// It remembers what it found (sysctl values, which addresses it added) in a state file, so that:
//  - release() puts back exactly the values found and removes only the addresses it added (an
//    address already there is used, left alone, and is not an error);
//  - keep() (the restart path) leaves everything in place, file included, and the next xvipd's
//    hold() adopts the file: it keeps the originals recorded there rather than reading back our own
//    values, and removes addresses it added for VIPs no longer configured.
//
// hold() is all or nothing: on any failure it undoes what it did, puts the state file back as it
// found it, and throws with the address or sysctl and the errno.
//
// Sysctls belong to the network namespace of the calling thread (sysctl.hpp): every call must come
// from the namespace the VipHolder was made in, and one that does not throws without touching
// anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "system/network_namespace_id.hpp"
#include "system/vip_hold_state.hpp"

namespace xvip {

struct VipHolderOptions {
    std::string ifname;
    std::vector<IpAddress> vips;
    std::filesystem::path state_dir = "/run/xvip";  // the file is <state_dir>/<ifname>.state
};

class VipHolder {
public:
    // Changes nothing yet. Records the calling thread's network namespace.
    explicit VipHolder(VipHolderOptions options);
    // Held and neither released nor kept (an exception during start-up): releases, best effort.
    ~VipHolder();
    VipHolder(const VipHolder&) = delete;
    VipHolder& operator=(const VipHolder&) = delete;

    // Throws std::system_error (the step, the address or sysctl, errno) or std::runtime_error (a
    // state file of another interface or namespace, or not ours); nothing is left changed then.
    void hold();
    // Removes the addresses added, restores the sysctls, deletes the state file. Without a hold()
    // first it restores from the state file if one exists (a clean-up after a crash). Best effort
    // over every item; if any failed, the state file stays (so it can be retried) and it throws
    // naming each failure.
    void release();
    // The restart path: leaves addresses, sysctls and the state file as they are.
    void keep();
    // After the interface went down and up, which flushes its IPv6 addresses: adds back every
    // address this holder added on the interface (link-local VIPs; the others live on `lo`) that is
    // missing, and returns them. Throws std::system_error naming the address it could not add.
    std::vector<IpAddress> restore_flushed();

    bool held() const { return held_; }
    bool adopted() const { return adopted_; }  // hold() found a state file and took it over
    const std::filesystem::path& state_file() const { return state_file_; }
    // What the kernel holds on our account (valid while held).
    const VipHoldState& state() const { return state_; }

private:
    void require_own_namespace(const char* doing) const;

    VipHolderOptions options_;
    std::filesystem::path state_file_;
    NetworkNamespaceId netns_;
    VipHoldState state_;
    bool held_ = false;
    bool adopted_ = false;
};

// The sysctls VipHolder sets for these VIPs on `ifname`, as (key, value), in the order it sets them.
std::vector<std::pair<std::string, std::string>> vip_sysctls(const std::string& ifname,
                                                             const std::vector<IpAddress>& vips);

}  // namespace xvip
