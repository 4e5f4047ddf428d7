// Reads keepalived.conf (keepalived.conf(5)) into xvip's model. Every keyword is classified in
// keepalived_keywords.hpp: supported ones are mapped, ignored ones warned about, the rest refused.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/include_resolver.hpp"
#include "config/keepalived_syntax.hpp"

namespace xvip {

// Parses `text`, named `file_name` in diagnostics; `include`s go through `resolver`. The result
// has been validated (validate.hpp). Never throws on any input.
ReadResult read_keepalived_conf(std::string_view text, std::string_view file_name, IncludeResolver& resolver,
                                const SyntaxOptions& options = {});

// The same from a file on disk, with includes resolved on the file system.
ReadResult read_keepalived_conf_file(const std::string& path, const SyntaxOptions& options = {});

}  // namespace xvip
