// Test support: the Ethernet frames of a capture file, read with libpcap.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace xvip::test {

using Frame = std::vector<std::uint8_t>;

struct TimedFrame {
    std::chrono::microseconds at{0};  // since the capture's first frame
    Frame frame;
};

// Every frame of an Ethernet (DLT_EN10MB) capture, in order. Throws std::runtime_error naming
// `path` if the file is missing or unreadable, is not Ethernet, or holds a frame cut short by the
// snap length, so that a test fails with the path instead of reading past an empty result.
std::vector<TimedFrame> read_timed_ethernet_frames(const std::string& path);
std::vector<Frame> read_ethernet_frames(const std::string& path);

}  // namespace xvip::test
