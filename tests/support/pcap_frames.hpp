// Test support: the Ethernet frames of a capture file, read with libpcap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xvip::test {

using Frame = std::vector<std::uint8_t>;

// Every frame of an Ethernet (DLT_EN10MB) capture, in order. Fails the calling test (and returns
// nothing) if the file cannot be read, is not Ethernet, or holds a frame cut short by the snap length.
std::vector<Frame> read_ethernet_frames(const std::string& path);

}  // namespace xvip::test
