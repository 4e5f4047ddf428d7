#include "xvipd/options.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"

namespace xvip {

namespace po = boost::program_options;

namespace {

constexpr const char* synopsis =
    "usage: xvipd (--config FILE | --keepalived-conf FILE) [options]\n"
    "\n"
    "Keeps virtual IPs alive across hosts with VRRP (keepalived-compatible); the VIP moves by\n"
    "flipping a BPF map read by an XDP program, with no address or route change.\n"
    "\n"
    "Signals: SIGTERM/SIGINT hand over gracefully and remove everything; SIGUSR2 exits for a\n"
    "hitless restart (data plane, VIPs and lease stay; the next xvipd adopts them); SIGHUP\n"
    "reloads the configuration.\n";

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
    po::options_description options("options");
    options.add_options()("config,f", po::value<std::string>(), "xvip's TOML configuration (docs/config.md)")(
        "keepalived-conf", po::value<std::string>(), "an existing keepalived.conf, read directly")(
        "check", "validate, print the effective configuration and exit (0: valid)")(
        "xdp-mode", po::value<std::string>()->default_value("auto"),
        "auto (native, else generic with a warning), native or generic")(
        "pin-dir", po::value<std::string>(),
        "bpffs directory for pinned maps and links (default: the configuration's, "
        "/sys/fs/bpf/xvip)")("state-dir", po::value<std::string>()->default_value("/run/xvip"),
                             "where the control socket and the restart state live")(
        "log-level", po::value<std::string>(), "error, warning, info or debug")(
        "metrics", po::value<std::string>(),
        "serve Prometheus metrics at http://ADDRESS:PORT/metrics (PORT alone: 127.0.0.1:PORT)")(
        "foreground", "stay in the foreground (the default; xvipd never forks, as systemd wants)")(
        "version", "print the version and exit")("help,h", "print this help and exit");

    ParsedCommandLine result;
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(options).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        result.exit_code = 2;
        result.output = std::string("xvipd: ") + e.what() + " (see xvipd --help)\n";
        return result;
    }
    if (vm.count("help")) {
        std::ostringstream out;
        out << synopsis << "\n" << options;
        result.output = out.str();
        return result;
    }
    if (vm.count("version")) {
        result.output = "xvipd " XVIP_VERSION " (data-plane ABI " + std::to_string(XVIP_ABI_VERSION) + ")\n";
        return result;
    }
    auto fail = [&](const std::string& message) {
        result.exit_code = 2;
        result.output = "xvipd: " + message + "\n";
        return result;
    };

    DaemonOptions o;
    const bool toml = vm.count("config"), keepalived = vm.count("keepalived-conf");
    if (toml == keepalived) {
        return fail("name exactly one configuration: --config FILE (TOML) or --keepalived-conf FILE");
    }
    o.config_path = toml ? vm["config"].as<std::string>() : vm["keepalived-conf"].as<std::string>();
    o.dialect = toml ? ConfigDialect::toml : ConfigDialect::keepalived;
    o.check_only = vm.count("check");
    const auto mode = parse_xdp_mode(vm["xdp-mode"].as<std::string>());
    if (!mode) return fail("--xdp-mode takes auto, native or generic");
    o.xdp_mode = *mode;
    if (vm.count("pin-dir")) o.pin_root = vm["pin-dir"].as<std::string>();
    o.state_dir = vm["state-dir"].as<std::string>();
    if (vm.count("log-level")) {
        const auto level = vm["log-level"].as<std::string>();
        if (level != "error" && level != "warning" && level != "info" && level != "debug") {
            return fail("--log-level takes error, warning, info or debug (got '" + level + "')");
        }
        o.log_level = level;
    }
    if (vm.count("metrics")) {
        std::string error;
        o.metrics = parse_metrics_address(vm["metrics"].as<std::string>(), error);
        if (!o.metrics) return fail(error);
    }
    result.options = o;
    return result;
}

ReadResult read_configuration(const DaemonOptions& options) {
    return options.dialect == ConfigDialect::toml ? read_toml_config_file(options.config_path.string())
                                                  : read_keepalived_conf_file(options.config_path.string());
}

}  // namespace xvip
