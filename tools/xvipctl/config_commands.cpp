// xvipctl's commands about configuration files; they need no daemon and no privileges.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "config/keepalived_conf.hpp"
#include "config/toml_writer.hpp"
#include "xvipctl/commands.hpp"

namespace xvip::ctl {

namespace {

namespace po = boost::program_options;

int cmd_import_keepalived(const std::vector<std::string>& args) {
    po::options_description o("import-keepalived options");
    o.add_options()("json", "print JSON: the TOML text and every diagnostic")("help,h", "show this help");
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::vector<std::string>>(), "");
    po::options_description all;
    all.add(o).add(hidden);
    po::positional_options_description pos;
    pos.add("file", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(std::string(e.what()) + " (see `xvipctl import-keepalived --help`)");
    }
    if (vm.count("help")) {
        std::cout << "usage: xvipctl import-keepalived [options] KEEPALIVED.CONF\n"
                     "Prints xvip's TOML for a keepalived.conf; every option xvip ignores or refuses is\n"
                     "listed (as comments at the top, and on stderr).\n"
                  << o;
        return exit_ok;
    }
    if (!vm.count("file") || vm["file"].as<std::vector<std::string>>().size() != 1) {
        throw UsageError("name one keepalived.conf");
    }
    const auto path = vm["file"].as<std::vector<std::string>>().front();
    const auto read = read_keepalived_conf_file(path);
    if (vm.count("json")) {
        nlohmann::json diagnostics = nlohmann::json::array();
        for (const auto& d : read.diagnostics) {
            diagnostics.push_back({{"severity", d.severity == Severity::error ? "error" : "warning"},
                                   {"file", d.file}, {"line", d.line}, {"column", d.column},
                                   {"message", d.message}, {"fix", d.fix}});
        }
        std::cout << nlohmann::json{{"toml", read.ok() ? nlohmann::json(write_toml(read.config)) : nlohmann::json()},
                                    {"diagnostics", diagnostics}}
                         .dump(2)
                  << "\n";
        return read.ok() ? exit_ok : exit_failure;
    }
    for (const auto& d : read.diagnostics) std::fprintf(stderr, "%s\n", to_string(d).c_str());
    if (!read.ok()) {
        std::fprintf(stderr, "xvipctl import-keepalived: %s has errors (above); nothing printed\n", path.c_str());
        return exit_failure;
    }
    std::printf("# xvip configuration imported from %s by xvipctl import-keepalived.\n", path.c_str());
    if (!read.diagnostics.empty()) std::printf("# What xvip does not take over from it:\n");
    for (const auto& d : read.diagnostics) std::printf("#   %s\n", to_string(d).c_str());
    std::printf("\n%s", write_toml(read.config).c_str());
    return exit_ok;
}

const Command commands[] = {
    {"import-keepalived", cmd_import_keepalived},
};

}  // namespace

std::span<const Command> config_commands() { return commands; }

}  // namespace xvip::ctl
