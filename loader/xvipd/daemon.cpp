#include "xvipd/daemon.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <csignal>

#include "xvipd/served_interface.hpp"

namespace xvip {

Daemon::Daemon(DaemonOptions options, Config config)
    : options_(std::move(options)), config_(std::move(config)) {}

Daemon::~Daemon() = default;

namespace {

std::map<std::string, std::vector<Instance>> by_interface(const Config& config) {
    std::map<std::string, std::vector<Instance>> out;
    for (const auto& instance : config.instances) out[instance.interface].push_back(instance);
    return out;
}

}  // namespace

void Daemon::start() {
    started_ = EventLoop::now();
    const ServeSettings settings{
        .xdp_mode = options_.xdp_mode,
        .pin_root = options_.pin_root ? *options_.pin_root : std::filesystem::path(config_.global.pin_dir),
        .state_dir = options_.state_dir,
        .on_transition = {},
    };
    for (auto& [ifname, instances] : by_interface(config_)) {
        auto served = std::make_unique<ServedInterface>(loop_, ifname, instances, settings);
        try {
            served->start();
        } catch (...) {
            // The interfaces already up give back what they took, as if never started.
            for (auto& up : interfaces_) up->release();
            interfaces_.clear();
            throw;
        }
        interfaces_.push_back(std::move(served));
    }

    loop_.on_signal(SIGTERM, [this] { stop_gracefully(); });
    loop_.on_signal(SIGINT, [this] { stop_gracefully(); });
    loop_.on_signal(SIGUSR2, [this] { exit_for_restart(); });
    loop_.on_signal(SIGHUP, [this] { reload(); });
    spdlog::info("xvipd {} running: {} instance(s) on {} interface(s), pid {}", XVIP_VERSION,
                 config_.instances.size(), interfaces_.size(), getpid());
}

int Daemon::run() {
    loop_.run();
    return 0;
}

void Daemon::stop_gracefully() {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("stopping: handing every active instance over before leaving");
    auto pending = std::make_shared<std::size_t>(interfaces_.size());
    if (interfaces_.empty()) loop_.stop();
    for (auto& served : interfaces_) {
        served->hand_over([this, pending] {
            if (--*pending == 0) {
                spdlog::info("stopped: VIPs released, XDP detached, sysctls restored");
                loop_.stop();
            }
        });
    }
}

void Daemon::exit_for_restart() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& served : interfaces_) served->keep_for_restart();
    spdlog::info("exiting for a restart: the data plane, its leases and the VIPs stay; start xvipd "
                 "again to adopt them");
    loop_.stop();
}

void Daemon::reload() {
    spdlog::info("reloading {}", options_.config_path.string());
    ReadResult read = read_configuration(options_);
    for (const auto& d : read.diagnostics) spdlog::warn("{}", to_string(d));
    if (!read.ok()) {
        spdlog::error("reload refused: the configuration has errors; still running the previous one");
        return;
    }
    // An unchanged instance keeps its role: the new set of interfaces adopts the running data
    // plane exactly as a restarted xvipd does.
    auto old_interfaces = std::move(interfaces_);
    const auto wanted = by_interface(read.config);
    for (auto& served : old_interfaces) {
        if (wanted.count(served->name())) {
            served->keep_for_restart();
        } else {
            served->hand_over([] {});
        }
    }
    config_ = std::move(read.config);
    try {
        start();
    } catch (const std::exception& e) {
        spdlog::error("reload failed: {}; stopping", e.what());
        loop_.stop();
    }
    // Interfaces dropped from the configuration finish their handover in the background.
    for (auto& served : old_interfaces) {
        if (!wanted.count(served->name())) retired_.push_back(std::move(served));
    }
}

nlohmann::json Daemon::status() const {
    const auto now = EventLoop::now();
    nlohmann::json j{{"version", XVIP_VERSION},
                     {"pid", getpid()},
                     {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()},
                     {"interfaces", nlohmann::json::array()},
                     {"instances", nlohmann::json::array()}};
    for (const auto& served : interfaces_) {
        j["interfaces"].push_back(served->status(now));
        for (const auto* instance : served->instances()) j["instances"].push_back(instance->status(now));
    }
    return j;
}

}  // namespace xvip
