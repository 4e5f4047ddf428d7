#include "system/private_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "system/system_error.hpp"

namespace xvip {

void ensure_private_directory(const std::filesystem::path& directory) {
    const std::filesystem::path parent = directory.has_parent_path() ? directory.parent_path() : ".";
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw_system_error("create the parents of the state directory " + directory.string(), ec.value());
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        throw_errno("create the state directory " + directory.string());
    }
    struct stat st {};
    if (::lstat(directory.c_str(), &st) != 0) throw_errno("inspect the state directory " + directory.string());
    const auto refuse = [&](const std::string& why) {
        throw std::runtime_error("the state directory " + directory.string() + " " + why +
                                 "; fix: remove it (xvipd creates it) or name another with --state-dir");
    };
    if (S_ISLNK(st.st_mode)) refuse("is a symbolic link");
    if (!S_ISDIR(st.st_mode)) refuse("exists and is not a directory");
    if (st.st_uid != ::geteuid()) {
        refuse("belongs to uid " + std::to_string(st.st_uid) + ", not to xvipd's uid " + std::to_string(::geteuid()));
    }
    if ((st.st_mode & 022) != 0 && ::chmod(directory.c_str(), 0700) != 0) {
        throw_errno("narrow the state directory " + directory.string() + " to 0700");
    }
}

}  // namespace xvip
