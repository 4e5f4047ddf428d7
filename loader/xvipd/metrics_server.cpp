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
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <functional>
#include <mutex>
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

// The connections the server holds at once, being served or waiting for a worker. cpp-httplib
// 0.11.4 accepts every connection and queues it without limit (its ThreadPool takes no maximum),
// so a thousand idle ones took every descriptor of the daemon: scripts could no longer be
// started, nor the control socket's clients accepted.
constexpr std::size_t workers = 2;
constexpr std::size_t max_connections = 8;

// Counts the connections held; the listener waits in acquire() while max_connections are, so
// that the rest wait in the kernel's listen backlog (httplib's is 5) or are not accepted at all,
// holding no descriptor of ours. stop() lets a waiting listener go (its connection is then closed
// at once: the server socket is gone).
class ConnectionGate {
public:
    void acquire() {
        std::unique_lock lock(mutex_);
        freed_.wait(lock, [this] { return held_ < max_connections || stopping_; });
        ++held_;
    }
    void release() {
        {
            const std::lock_guard lock(mutex_);
            --held_;
        }
        freed_.notify_one();
    }
    void stop() {
        {
            const std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        freed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    std::size_t held_ = 0;
    bool stopping_ = false;
};

class BoundedTaskQueue final : public httplib::TaskQueue {
public:
    explicit BoundedTaskQueue(ConnectionGate& gate) : gate_(gate), pool_(workers) {}
    // On the listener thread, with the accepted connection: blocks while the gate is full.
    void enqueue(std::function<void()> serve) override {
        gate_.acquire();
        pool_.enqueue([&gate = gate_, serve = std::move(serve)] {
            serve();  // closes the connection
            gate.release();
        });
    }
    void shutdown() override { pool_.shutdown(); }

private:
    ConnectionGate& gate_;
    httplib::ThreadPool pool_;
};

}  // namespace

struct MetricsServer::Http {
    httplib::Server server;
    ConnectionGate gate;
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
    server.new_task_queue = [gate = &http_->gate] { return new BoundedTaskQueue(*gate); };
    server.set_keep_alive_max_count(1);  // one request per connection: nothing idles in a worker
    // A connection that sends nothing is closed after 1 s (httplib's default is 5 s), one that
    // stalls within a request after 1 s without a byte.
    server.set_keep_alive_timeout(1);
    server.set_read_timeout(1, 0);
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
    http_->gate.stop();  // a listener waiting for room must see the server socket close
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
