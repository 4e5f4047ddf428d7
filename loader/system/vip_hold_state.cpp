#include "system/vip_hold_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "common/unique_fd.hpp"
#include "system/private_directory.hpp"
#include "system/system_error.hpp"
#include "system/vip_holder.hpp"

namespace xvip {

namespace {

constexpr int format_version = 1;

// What the kernel accepts as a name (IFNAMSIZ, no '/', ':' or white space, not "." or ".."): a
// state file naming anything else was not written by xvipd, and the name goes into sysctl paths.
bool plausible_ifname(const std::string& name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return std::ranges::none_of(
        name, [](char c) { return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)); });
}

bool sysctl_integer(const std::string& value) {
    const std::string_view digits = !value.empty() && value[0] == '-' ? std::string_view(value).substr(1) : value;
    return !digits.empty() && digits.size() <= 10 &&
           std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; });
}

void write_all(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write the VIP state file " + path);
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string format_vip_hold_state(const VipHoldState& state) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& held : state.added_addresses) {
        addresses.push_back(
            {{"address", held.address.to_string()}, {"prefix_length", held.prefix_length}, {"interface", held.ifname}});
    }
    const nlohmann::json document = {
        {"format", format_version},
        {"interface", state.ifname},
        {"netns", {{"device", state.netns.device}, {"inode", state.netns.inode}}},
        {"sysctls", state.original_sysctls},
        {"addresses", addresses},
    };
    return document.dump(2) + "\n";
}

std::optional<VipHoldState> parse_vip_hold_state(std::string_view text, std::string& error) {
    const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
        error = "not JSON";
        return std::nullopt;
    }
    try {
        if (document.at("format").get<int>() != format_version) {
            error = "format " + document.at("format").dump() + ", expected " + std::to_string(format_version);
            return std::nullopt;
        }
        VipHoldState state;
        state.ifname = document.at("interface").get<std::string>();
        if (!plausible_ifname(state.ifname)) {
            error = "bad interface name " + nlohmann::json(state.ifname).dump();
            return std::nullopt;
        }
        state.netns.device = document.at("netns").at("device").get<std::uint64_t>();
        state.netns.inode = document.at("netns").at("inode").get<std::uint64_t>();
        state.original_sysctls = document.at("sysctls").get<std::map<std::string, std::string>>();
        // release() writes these back: only sysctls xvipd sets for this interface, small integers.
        const auto ours = vip_sysctls(state.ifname, {IpAddress::v4({}), IpAddress::v6({})});
        for (const auto& [key, value] : state.original_sysctls) {
            if (std::ranges::none_of(ours, [&](const auto& s) { return s.first == key; })) {
                error = "a sysctl xvipd does not set: " + key;
                return std::nullopt;
            }
            if (!sysctl_integer(value)) {
                error = "bad value for " + key + ": " + nlohmann::json(value).dump();
                return std::nullopt;
            }
        }
        for (const auto& entry : document.at("addresses")) {
            const auto text_address = entry.at("address").get<std::string>();
            const auto address = IpAddress::parse(text_address);
            if (!address) {
                error = "bad address " + text_address;
                return std::nullopt;
            }
            const auto prefix_length = entry.at("prefix_length").get<unsigned>();
            if (prefix_length > address->bytes().size() * 8) {
                error = "bad prefix length " + std::to_string(prefix_length) + " for " + text_address;
                return std::nullopt;
            }
            auto on = entry.at("interface").get<std::string>();
            if (on != "lo" && on != state.ifname) {
                error =
                    "address " + text_address + " on " + nlohmann::json(on).dump() + ", neither lo nor " + state.ifname;
                return std::nullopt;
            }
            state.added_addresses.push_back({.address = *address,
                                             .prefix_length = static_cast<std::uint8_t>(prefix_length),
                                             .ifname = std::move(on)});
        }
        return state;
    } catch (const nlohmann::json::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

std::optional<VipHoldState> load_vip_hold_state(const std::filesystem::path& file) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open the VIP state file " + file.string());
    }
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read the VIP state file " + file.string());
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    std::string error;
    auto state = parse_vip_hold_state(text, error);
    if (!state) {
        throw std::runtime_error("the VIP state file " + file.string() + " is not one xvipd wrote (" + error +
                                 "); restore the sysctls and addresses it recorded by hand, "
                                 "then remove it");
    }
    return state;
}

void save_vip_hold_state(const std::filesystem::path& file, const VipHoldState& state) {
    const std::filesystem::path directory_path = file.has_parent_path() ? file.parent_path() : ".";
    ensure_private_directory(directory_path);
    const std::filesystem::path temporary = file.string() + ".tmp";
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("create the VIP state file " + temporary.string());
    write_all(fd.get(), format_vip_hold_state(state), temporary.string());
    if (::fsync(fd.get()) != 0) throw_errno("fsync the VIP state file " + temporary.string());
    fd.reset();
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        throw_system_error("rename " + temporary.string() + " to " + file.string(), error);
    }
    // The rename itself must reach the disk for the file to survive a crash (a no-op on /run).
    UniqueFd directory(::open(directory_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory) ::fsync(directory.get());
}

void remove_vip_hold_state(const std::filesystem::path& file) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
        throw_errno("remove the VIP state file " + file.string());
    }
}

}  // namespace xvip
