#include "xvipd/metrics_server.hpp"

#include <httplib.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace xvip {

namespace {

// The server thread keeps no capability: it only reads a string and writes it to a socket. capset
// applies to the calling thread alone.
void drop_every_capability_of_this_thread() {
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    std::array<__user_cap_data_struct, 2> data{};
    if (::syscall(SYS_capset, &header, data.data()) != 0) {
        spdlog::warn("metrics: could not drop the server thread's capabilities: {}", std::strerror(errno));
    }
}

constexpr auto content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

struct MetricsServer::Http {
    httplib::Server server;
    std::atomic<bool> finished{false};
};

MetricsServer::MetricsServer(const MetricsAddress& address) : address_(address), http_(std::make_unique<Http>()) {
    auto& server = http_->server;
    // SO_REUSEADDR (a restarted xvipd binds again at once) but not httplib's default SO_REUSEPORT,
    // which would let a second xvipd share the port silently.
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server.new_task_queue = [] { return new httplib::ThreadPool(2); };
    server.set_keep_alive_max_count(1);  // one request per connection: nothing idles in a worker
    server.set_read_timeout(2, 0);
    server.set_write_timeout(2, 0);
    server.set_payload_max_length(4096);
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
        const auto text = latest();
        if (!text) {
            response.status = 503;
            response.set_content("xvipd is starting\n", "text/plain");
            return;
        }
        response.set_content(*text, content_type);
    });
    server.Get("/", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("xvipd: metrics at /metrics\n", "text/plain");
    });
    if (!server.bind_to_port(address_.host, address_.port)) {
        throw std::runtime_error("metrics: cannot listen on " + address_.to_string() + ": " + std::strerror(errno) +
                                 " (is the port in use, or the address not local?)");
    }
    // Every signal blocked in the new thread (and in the workers it starts): they belong to the
    // event loop's signalfd, and a thread that let SIGTERM through would be killed by it.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    thread_ = std::thread([http = http_.get()] {
        drop_every_capability_of_this_thread();
        if (!http->server.listen_after_bind()) spdlog::error("metrics: the server stopped on an error");
        http->finished = true;
    });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    spdlog::info("metrics: serving Prometheus text on http://{}/metrics", address_.to_string());
}

MetricsServer::~MetricsServer() {
    stop();
}

void MetricsServer::stop() {
    if (!thread_.joinable()) return;
    // httplib's stop() only acts once the thread is listening; until then, wait for it (briefly).
    while (!http_->finished) {
        if (http_->server.is_running()) {
            http_->server.stop();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    thread_.join();
}

void MetricsServer::publish(std::string text) {
    auto snapshot = std::make_shared<const std::string>(std::move(text));
    const std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
}

std::shared_ptr<const std::string> MetricsServer::latest() const {
    const std::lock_guard lock(mutex_);
    return snapshot_;
}

}  // namespace xvip
