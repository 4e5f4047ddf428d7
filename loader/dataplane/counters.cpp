#include "dataplane/counters.hpp"

#include <array>

namespace xvip {

namespace {

#define XVIP_COUNTER(name)          \
    CounterField {                  \
#name, &xvip_counters::name \
    }
constexpr std::array fields{
    XVIP_COUNTER(pass_unparsed),     XVIP_COUNTER(pass_not_vip),
    XVIP_COUNTER(arp_pass_other),    XVIP_COUNTER(arp_pass_from_vip),
    XVIP_COUNTER(arp_conflict),      XVIP_COUNTER(arp_reply),
    XVIP_COUNTER(arp_drop_inactive), XVIP_COUNTER(ns_invalid),
    XVIP_COUNTER(na_reply),          XVIP_COUNTER(ns_drop_inactive),
    XVIP_COUNTER(vip_pass_active),   XVIP_COUNTER(vip_pass_draining),
    XVIP_COUNTER(vip_drop_standby),  XVIP_COUNTER(tx_aborted),
    XVIP_COUNTER(bfd_reply),         XVIP_COUNTER(bfd_invalid),
    XVIP_COUNTER(bfd_drop_inactive), XVIP_COUNTER(vrrp_outranked),
    XVIP_COUNTER(na_conflict),       XVIP_COUNTER(fwd4_drop_standby),
    XVIP_COUNTER(fwd6_drop_standby), XVIP_COUNTER(bfd_reply_not_designated),
    XVIP_COUNTER(bfd_answer),        XVIP_COUNTER(bfd_reply_held),
    XVIP_COUNTER(lb_flow_hit),       XVIP_COUNTER(lb_flow_new),
    XVIP_COUNTER(lb_no_backend),     XVIP_COUNTER(lb_fragment_pass),
    XVIP_COUNTER(lb_icmp_forwarded), XVIP_COUNTER(lb_icmp_pass),
    XVIP_COUNTER(lb_bad_source),     XVIP_COUNTER(lb_no_backend_drop),
};
#undef XVIP_COUNTER

// A counter added to the ABI but not named here would be invisible to operators.
static_assert(fields.size() * sizeof(std::uint64_t) == sizeof(xvip_counters));

}  // namespace

std::span<const CounterField> counter_fields() {
    return fields;
}

xvip_counters sum_counters(std::span<const xvip_counters> per_cpu) {
    xvip_counters total{};
    for (const auto& cpu : per_cpu) {
        for (const auto& field : fields) total.*field.member += cpu.*field.member;
    }
    return total;
}

}  // namespace xvip
