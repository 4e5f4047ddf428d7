#include "pcap_frames.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <memory>

namespace xvip::test {

std::vector<Frame> read_ethernet_frames(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, decltype(&pcap_close)> capture(pcap_open_offline(path.c_str(), error),
                                                           &pcap_close);
    if (!capture) {
        ADD_FAILURE() << "cannot open " << path << ": " << error;
        return {};
    }
    if (pcap_datalink(capture.get()) != DLT_EN10MB) {
        ADD_FAILURE() << path << " is not an Ethernet capture";
        return {};
    }
    std::vector<Frame> frames;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int status = 0;
    while ((status = pcap_next_ex(capture.get(), &header, &data)) == 1) {
        if (header->caplen != header->len) {
            ADD_FAILURE() << path << ": frame " << frames.size() << " truncated by the snap length";
            return {};
        }
        frames.emplace_back(data, data + header->caplen);
    }
    if (status != PCAP_ERROR_BREAK) ADD_FAILURE() << path << ": " << pcap_geterr(capture.get());
    return frames;
}

}  // namespace xvip::test
