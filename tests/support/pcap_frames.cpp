#include "pcap_frames.hpp"

#include <pcap/pcap.h>

#include <memory>
#include <stdexcept>

namespace xvip::test {

std::vector<TimedFrame> read_timed_ethernet_frames(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, decltype(&pcap_close)> capture(pcap_open_offline(path.c_str(), error), &pcap_close);
    if (!capture) {
        const std::string why = error;  // libpcap's message usually names the file already
        throw std::runtime_error(why.find(path) != std::string::npos ? "cannot read a capture: " + why
                                                                     : "cannot read the capture " + path + ": " + why);
    }
    if (pcap_datalink(capture.get()) != DLT_EN10MB) {
        throw std::runtime_error(path + " is not an Ethernet capture");
    }
    std::vector<TimedFrame> frames;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int status = 0;
    std::chrono::microseconds first{0};
    while ((status = pcap_next_ex(capture.get(), &header, &data)) == 1) {
        if (header->caplen != header->len) {
            throw std::runtime_error(path + ": frame " + std::to_string(frames.size()) +
                                     " truncated by the snap length");
        }
        const std::chrono::microseconds at{static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000 +
                                           header->ts.tv_usec};
        if (frames.empty()) first = at;
        frames.push_back({at - first, Frame(data, data + header->caplen)});
    }
    if (status != PCAP_ERROR_BREAK) throw std::runtime_error(path + ": " + pcap_geterr(capture.get()));
    return frames;
}

std::vector<Frame> read_ethernet_frames(const std::string& path) {
    std::vector<Frame> frames;
    for (auto& timed : read_timed_ethernet_frames(path)) frames.push_back(std::move(timed.frame));
    return frames;
}

}  // namespace xvip::test
