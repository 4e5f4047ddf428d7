#include "config/include_resolver.hpp"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xvip {

std::string include_path(std::string_view pattern, std::string_view including_file) {
    const std::filesystem::path written{std::string(pattern)};
    if (written.is_absolute()) return written.lexically_normal().string();
    const auto directory = std::filesystem::path{std::string(including_file)}.parent_path();
    return (directory / written).lexically_normal().string();
}

std::vector<std::string> FilesystemIncludeResolver::expand(std::string_view pattern, std::string_view including_file) {
    const std::string full = include_path(pattern, including_file);
    glob_t matches{};
    std::vector<std::string> names;
    if (::glob(full.c_str(), 0, nullptr, &matches) == 0) {
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
            std::error_code error;
            const auto canonical = std::filesystem::weakly_canonical(matches.gl_pathv[i], error);
            if (std::filesystem::is_regular_file(canonical, error)) {
                names.push_back(error ? std::string(matches.gl_pathv[i]) : canonical.string());
            }
        }
    }
    ::globfree(&matches);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> FilesystemIncludeResolver::read(std::string_view name) {
    std::ifstream file{std::string(name), std::ios::binary};
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) return std::nullopt;
    return std::move(text).str();
}

InMemoryIncludeResolver::InMemoryIncludeResolver(std::map<std::string, std::string> files) {
    for (auto& [name, text] : files) add(name, std::move(text));
}

void InMemoryIncludeResolver::add(std::string name, std::string text) {
    files_[std::filesystem::path{name}.lexically_normal().string()] = std::move(text);
}

std::vector<std::string> InMemoryIncludeResolver::expand(std::string_view pattern, std::string_view including_file) {
    const std::string full = include_path(pattern, including_file);
    std::vector<std::string> names;
    for (const auto& entry : files_) {
        if (::fnmatch(full.c_str(), entry.first.c_str(), FNM_PATHNAME) == 0) names.push_back(entry.first);
    }
    return names;  // a std::map iterates in sorted order
}

std::optional<std::string> InMemoryIncludeResolver::read(std::string_view name) {
    const auto found = files_.find(std::string(name));
    if (found == files_.end()) return std::nullopt;
    return found->second;
}

}  // namespace xvip
