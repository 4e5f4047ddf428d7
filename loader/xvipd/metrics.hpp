// xvipd's optional Prometheus endpoint (--metrics ADDRESS:PORT).
//
// The event loop owns every piece of state; the HTTP server runs on a thread of its own and never
// touches it. The loop renders the metrics text (render_metrics) and publishes it; the server
// answers every scrape with the latest published text. The server thread starts with every signal
// blocked (the loop's signalfd gets them all) and with no capability at all.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "xvip_abi.h"

namespace xvip {

struct MetricsAddress {
    std::string host = "127.0.0.1";  // a numeric IPv4 or IPv6 address
    std::uint16_t port = 0;
    std::string to_string() const;  // "127.0.0.1:9650", "[::1]:9650"
};

// "9650" (loopback), "127.0.0.1:9650", "0.0.0.0:9650", "[::1]:9650", "[::]:9650". Host names are
// refused: what is exposed must be visible in the command line. nullopt with `error` set on a bad
// value.
std::optional<MetricsAddress> parse_metrics_address(std::string_view text, std::string& error);

// The data-plane verdict counters of one interface, summed over CPUs.
struct InterfaceCounters {
    std::string interface;
    xvip_counters counters{};
};

// The exposition text (format 0.0.4) for Daemon::status() and the interfaces' counters.
std::string render_metrics(const nlohmann::json& status, const std::vector<InterfaceCounters>& dataplanes);

class MetricsServer {
public:
    // Binds the address (throws std::runtime_error saying why it could not) and starts serving.
    explicit MetricsServer(const MetricsAddress& address);
    ~MetricsServer();  // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Thread-safe: what every later scrape gets.
    void publish(std::string text);
    // Closes the listening socket and joins the server thread (bounded by the read timeout of a
    // request in progress). Idempotent.
    void stop();

    const MetricsAddress& address() const { return address_; }

private:
    struct Http;
    std::shared_ptr<const std::string> latest() const;

    MetricsAddress address_;
    std::unique_ptr<Http> http_;
    mutable std::mutex mutex_;
    std::shared_ptr<const std::string> snapshot_;
    std::thread thread_;
};

}  // namespace xvip
