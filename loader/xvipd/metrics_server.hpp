// xvipd's optional Prometheus endpoint (--metrics ADDRESS:PORT): an HTTP server (cpp-httplib) on
// a thread of its own that hands out the latest published text.
//
// The event loop owns every piece of state; the server never touches it. The loop renders the
// metrics text and publishes it; the server answers every scrape with the latest published text.
// The server thread starts with every signal blocked (the loop's signalfd gets them all) and with
// no capability at all.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "xvipd/metrics_address.hpp"

namespace xvip {

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
