#include "xvipd/privileges.hpp"

#include <sys/capability.h>

#include <cerrno>
#include <memory>
#include <system_error>

namespace xvip {

namespace {

struct CapFree {
    void operator()(void* p) const { cap_free(p); }
};

}  // namespace

std::string drop_unneeded_capabilities(bool scripts_change_user) {
    constexpr cap_value_t kept[] = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF, CAP_KILL, CAP_SETUID, CAP_SETGID};
    // The last two only while some script runs as a named user.
    const int count = static_cast<int>(std::size(kept)) - (scripts_change_user ? 0 : 2);
    std::unique_ptr<_cap_struct, CapFree> caps(cap_init());
    if (!caps) throw std::system_error(errno, std::generic_category(), "cap_init");
    for (auto set : {CAP_EFFECTIVE, CAP_PERMITTED}) {
        if (cap_set_flag(caps.get(), set, count, kept, CAP_SET) != 0) {
            throw std::system_error(errno, std::generic_category(), "cap_set_flag");
        }
    }
    if (cap_set_proc(caps.get()) != 0) {
        throw std::system_error(errno, std::generic_category(), "dropping capabilities (cap_set_proc)");
    }
    std::unique_ptr<char, CapFree> text(cap_to_text(caps.get(), nullptr));
    return text ? text.get() : "?";
}

}  // namespace xvip
