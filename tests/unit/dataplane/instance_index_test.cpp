// The instance's state index (xvip_abi.h) and InstanceKey, which reads VIP map values with it:
// decoding gives back exactly what was encoded, for every family and VRID.
#include <gtest/gtest.h>

#include "dataplane/dataplane.hpp"
#include "xvip_abi.h"

namespace xvip {
namespace {

TEST(InstanceIndex, DecodingInvertsEncodingForEverySlotAndVrid) {
    for (const auto slot : {XVIP_SLOT_IPV4, XVIP_SLOT_IPV6}) {
        for (unsigned vrid = 0; vrid <= 255; ++vrid) {
            const __u32 index = xvip_instance_index(slot, static_cast<__u8>(vrid));
            ASSERT_LT(index, static_cast<__u32>(XVIP_STATE_ENTRIES));
            EXPECT_EQ(xvip_instance_slot(index), slot) << index;
            EXPECT_EQ(xvip_instance_vrid(index), vrid) << index;
        }
    }
}

TEST(InstanceIndex, InstanceKeyRoundTripsThroughItsIndex) {
    for (const auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
        for (unsigned vrid = 1; vrid <= 255; ++vrid) {
            const InstanceKey key{family, static_cast<std::uint8_t>(vrid)};
            EXPECT_EQ(InstanceKey::from_index(key.index()), key) << key.to_string();
        }
    }
    EXPECT_EQ(InstanceKey::from_index(XVIP_SLOT_IPV6 * 256 + 51).to_string(), "ipv6/51");
}

}  // namespace
}  // namespace xvip
