// The program's BTF loads into the kernel, so that every map carries its types and bpftool prints
// them by name (what operators inspect). libbpf creates the maps without types, silently, when the
// kernel refuses the object's BTF; this catches that on the kernel it runs on.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "xdp_harness.hpp"

namespace xvip::test {
namespace {

TEST(XdpBtf, EveryMapWithKeysAndValuesCarriesItsTypes) {
    XdpHarness xdp;
    bpf_prog_info info{};
    std::uint32_t info_len = sizeof info;
    ASSERT_EQ(bpf_obj_get_info_by_fd(xdp.program_fd(), &info, &info_len), 0) << std::strerror(errno);
    ASSERT_GT(info.nr_map_ids, 0u);
    std::vector<std::uint32_t> map_ids(info.nr_map_ids);
    const std::uint32_t count = info.nr_map_ids;
    info = {};
    info.nr_map_ids = count;
    info.map_ids = reinterpret_cast<std::uint64_t>(map_ids.data());
    info_len = sizeof info;
    ASSERT_EQ(bpf_obj_get_info_by_fd(xdp.program_fd(), &info, &info_len), 0) << std::strerror(errno);
    EXPECT_NE(info.btf_id, 0u) << "the program has no BTF: the kernel refused the object's";
    for (const auto id : map_ids) {
        const int fd = bpf_map_get_fd_by_id(id);
        ASSERT_GE(fd, 0) << "map id " << id << ": " << std::strerror(errno);
        bpf_map_info map{};
        std::uint32_t map_len = sizeof map;
        const int rc = bpf_obj_get_info_by_fd(fd, &map, &map_len);
        close(fd);
        ASSERT_EQ(rc, 0);
        if (map.type == BPF_MAP_TYPE_RINGBUF) continue;  // no key or value: libbpf gives it no types
        EXPECT_NE(map.btf_id, 0u) << "map " << map.name << " was created without BTF";
    }
}

}  // namespace
}  // namespace xvip::test
