// The command line every xvipctl command shares: its own options plus --json and --help,
// positional arguments, and usage errors that say where to look.
#pragma once

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace xvip::ctl {

struct ParsedArgs {
    boost::program_options::variables_map vm;
    std::vector<std::string> positional;

    bool json() const { return vm.count("json") != 0; }
};

// Adds --json and --help to `options`; --help prints them and exits 0. Positional arguments are
// refused unless `positional_usage` names them. Bad usage throws UsageError.
ParsedArgs parse_command(std::string_view command, const std::vector<std::string>& args,
                         boost::program_options::options_description options, std::string_view positional_usage = {});

// What a command did, as a sentence or, with --json, as an object.
void say(const ParsedArgs& args, const nlohmann::json& object, const std::string& sentence);

}  // namespace xvip::ctl
