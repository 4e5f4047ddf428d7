#include "xvipctl/command_line.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "xvipctl/commands.hpp"

namespace xvip::ctl {

namespace po = boost::program_options;

ParsedArgs parse_command(std::string_view command, const std::vector<std::string>& args,
                         po::options_description options, std::string_view positional_usage) {
    options.add_options()("json", "print JSON")("help,h", "show this help");
    po::options_description hidden;
    hidden.add_options()("args", po::value<std::vector<std::string>>(), "");
    po::options_description all;
    all.add(options).add(hidden);
    po::positional_options_description positional;
    positional.add("args", -1);

    ParsedArgs parsed;
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), parsed.vm);
        if (parsed.vm.count("help")) {
            std::cout << "usage: xvipctl " << command << " [options] " << positional_usage << "\n" << options;
            std::exit(exit_ok);
        }
        po::notify(parsed.vm);
    } catch (const po::error& e) {
        throw UsageError(std::string(e.what()) + " (see `xvipctl " + std::string(command) + " --help`)");
    }
    if (parsed.vm.count("args")) parsed.positional = parsed.vm["args"].as<std::vector<std::string>>();
    if (positional_usage.empty() && !parsed.positional.empty()) {
        throw UsageError("unexpected argument '" + parsed.positional.front() + "'");
    }
    return parsed;
}

void say(const ParsedArgs& args, const nlohmann::json& object, const std::string& sentence) {
    if (args.json()) {
        std::cout << object.dump() << std::endl;
    } else {
        std::printf("%s\n", sentence.c_str());
    }
}

}  // namespace xvip::ctl
