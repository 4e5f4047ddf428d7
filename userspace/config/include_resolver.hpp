// How keepalived.conf `include` directives find their files. Behind an interface so that tests and
// the fuzzer parse from memory and read no file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xvip {

class IncludeResolver {
public:
    virtual ~IncludeResolver() = default;

    // The files a pattern names, sorted; a relative pattern is relative to the including file's
    // directory. Each name is canonical: two spellings of one file give one name, which the reader
    // uses to detect include cycles.
    virtual std::vector<std::string> expand(std::string_view pattern, std::string_view including_file) = 0;
    // The text of a file `expand` returned; nothing if it cannot be read.
    virtual std::optional<std::string> read(std::string_view name) = 0;
};

// Shell globs (glob(3)) on the real file system.
class FilesystemIncludeResolver final : public IncludeResolver {
public:
    std::vector<std::string> expand(std::string_view pattern, std::string_view including_file) override;
    std::optional<std::string> read(std::string_view name) override;
};

// Files held in memory, matched with fnmatch(3) against their names.
class InMemoryIncludeResolver final : public IncludeResolver {
public:
    InMemoryIncludeResolver() = default;
    explicit InMemoryIncludeResolver(std::map<std::string, std::string> files);

    void add(std::string name, std::string text);
    std::vector<std::string> expand(std::string_view pattern, std::string_view including_file) override;
    std::optional<std::string> read(std::string_view name) override;

private:
    std::map<std::string, std::string> files_;  // lexically normal names
};

// The pattern as a path: absolute as written, otherwise beside the including file.
std::string include_path(std::string_view pattern, std::string_view including_file);

}  // namespace xvip
