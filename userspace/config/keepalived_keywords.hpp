// Every keyword keepalived.conf(5) knows (keepalived 2.3), and what xvip does with it: map it to the
// model, ignore it with a warning that says why, or refuse the configuration. One table, so that
// nothing is silently ignored; docs/keepalived-keywords.md is rendered from it and a unit test
// keeps the two equal.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xvip {

// The block a keyword appears in. The checkers xvip runs have a section each; those it refuses
// share `checker`.
enum class KeywordSection : std::uint8_t {
    top_level,
    global_defs,
    vrrp_instance,
    authentication,
    auth_hmac,
    vrrp_script,
    vrrp_sync_group,
    track_file,
    vrrp_track_process,
    garp_group,
    track_group,
    bfd_instance,
    virtual_server,
    virtual_server_group,
    real_server,
    tcp_check,
    http_get,
    misc_check,
    checker,
    url,
    ssl,
};

enum class KeywordShape : std::uint8_t {
    value,  // `keyword [arguments]`
    block,  // `keyword [arguments] { keywords of another section }`
    list,   // `keyword { one item per line }` (addresses, names, routes)
};

enum class KeywordSupport : std::uint8_t {
    supported,  // mapped to the model
    ignored,    // read, warned about, without effect
    refused,    // an error: running without it would change behaviour
};

struct KeywordRule {
    KeywordSection section;
    std::string_view keyword;
    KeywordShape shape;
    KeywordSupport support;
    // For ignored keywords: why; for refused ones: what to do instead; for supported ones: what
    // it maps to.
    std::string_view note;
    KeywordSection opens = KeywordSection::top_level;  // blocks only
};

std::span<const KeywordRule> keepalived_keyword_table();
const KeywordRule* find_keepalived_keyword(KeywordSection section, std::string_view keyword);
// The keywords of one section, for "did you mean".
std::vector<std::string_view> keepalived_keywords_of(KeywordSection section);

std::string_view to_string(KeywordSection section);
std::string_view to_string(KeywordSupport support);

struct KeywordCounts {
    std::size_t supported = 0;
    std::size_t ignored = 0;
    std::size_t refused = 0;
};
KeywordCounts count_keepalived_keywords();

// docs/keepalived-keywords.md, exactly.
std::string render_keepalived_keywords_markdown();

}  // namespace xvip
