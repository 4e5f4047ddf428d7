// xvipctl's commands about configuration files; they need no daemon and no privileges.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "config/keepalived_conf.hpp"
#include "config/toml_writer.hpp"
#include "xvipctl/command_line.hpp"
#include "xvipctl/commands.hpp"

namespace xvip::ctl {

namespace {

namespace po = boost::program_options;

int cmd_import_keepalived(const std::vector<std::string>& args) {
    const auto p = parse_command("import-keepalived", args, po::options_description("import-keepalived options"),
                                 "KEEPALIVED.CONF");
    if (p.positional.size() != 1) throw UsageError("name one keepalived.conf");
    const auto& path = p.positional.front();
    const auto read = read_keepalived_conf_file(path);
    if (p.json()) {
        nlohmann::json diagnostics = nlohmann::json::array();
        for (const auto& d : read.diagnostics) {
            diagnostics.push_back({{"severity", d.severity == Severity::error ? "error" : "warning"},
                                   {"file", d.file},
                                   {"line", d.line},
                                   {"column", d.column},
                                   {"message", d.message},
                                   {"fix", d.fix}});
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

std::span<const Command> config_commands() {
    return commands;
}

}  // namespace xvip::ctl
