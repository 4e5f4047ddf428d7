#include "daemon/script_security.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace xvip {

namespace {

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// "/a/b/c" -> "/", "/a", "/a/b", "/a/b/c" (repeated slashes collapsed).
std::vector<std::string> prefixes(const std::string& path) {
    std::vector<std::string> out{"/"};
    std::string current;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') ++i;
        const std::size_t end = path.find('/', i);
        const std::string part = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
        if (!part.empty()) {
            current += '/';
            current += part;
            out.push_back(current);
        }
        if (end == std::string::npos) break;
        i = end;
    }
    return out;
}

std::optional<std::string> check_chain(const std::string& script, const std::string& path, uid_t daemon_uid) {
    const auto chain = prefixes(path);
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const std::string& element = chain[i];
        const bool last = i + 1 == chain.size();
        struct stat st {};
        if (::stat(element.c_str(), &st) != 0) {
            return "script " + script + ": cannot access " + element + ": " + std::strerror(errno);
        }
        if (!last && !S_ISDIR(st.st_mode)) {
            return "script " + script + ": " + element + " is not a directory";
        }
        if (last && !S_ISREG(st.st_mode)) {
            return "script " + script + ": " + element + " is not a regular file";
        }
        if (st.st_uid != 0 && st.st_uid != daemon_uid) {
            return "script " + script + ": " + element + " is owned by uid " + std::to_string(st.st_uid) +
                   ", not root, so that user could replace what xvipd runs; fix: chown root " + element;
        }
        const bool write_matters = S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) == 0);
        const bool group_writable = st.st_gid != 0 && (st.st_mode & S_IWGRP) != 0;
        const bool others_writable = (st.st_mode & S_IWOTH) != 0;
        if (write_matters && (group_writable || others_writable)) {
            return "script " + script + ": " + element + " (mode " + octal_mode(st.st_mode) + ") is writable by " +
                   (others_writable ? "others" : "its group") +
                   ", so they could replace what xvipd runs; fix: chmod go-w " + element;
        }
        if (last && (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
            return "script " + script + ": " + element + " is not executable; fix: chmod 0755 " + element;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_script_security(const std::string& path, uid_t daemon_uid) {
    if (path.empty() || path[0] != '/') return "script " + path + ": not an absolute path";
    if (auto problem = check_chain(path, path, daemon_uid)) return problem;
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) {
        return "script " + path + ": cannot resolve: " + std::strerror(errno);
    }
    if (path != resolved) return check_chain(path, resolved, daemon_uid);
    return std::nullopt;
}

}  // namespace xvip
