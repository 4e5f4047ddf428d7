#include "xvipd/metrics.hpp"

#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "codec/discard_reason.hpp"
#include "common/ip_address.hpp"
#include "dataplane/counters.hpp"

namespace xvip {

// ---- the address ----------------------------------------------------------------------------

std::string MetricsAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<MetricsAddress> parse_metrics_address(std::string_view text, std::string& error) {
    const auto refuse = [&](const std::string& why) -> std::optional<MetricsAddress> {
        error = "--metrics '" + std::string(text) + "': " + why +
                " (give PORT for 127.0.0.1:PORT, or ADDRESS:PORT, [IPV6]:PORT)";
        return std::nullopt;
    };
    MetricsAddress out;
    std::string_view port_text = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return refuse("an IPv6 address goes in brackets followed by :PORT");
        }
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        const auto ip = IpAddress::parse(out.host);
        if (!ip || ip->is_v4()) return refuse("'" + out.host + "' is not an IPv6 address");
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (out.host.find(':') != std::string::npos) return refuse("put an IPv6 address in brackets");
        const auto ip = IpAddress::parse(out.host);
        if (!ip) return refuse("'" + out.host + "' is not a numeric IPv4 address; host names are not resolved");
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
        return refuse("the port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

// ---- the exposition text ----------------------------------------------------------------------

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string escape_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string number(double value) {
    std::array<char, 64> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

class Exposition {
public:
    // Starts a metric family: its HELP and TYPE lines. Every sample until the next family is of it.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        out_ += "# HELP " + name_ + " " + std::string(help) + "\n";
        out_ += "# TYPE " + name_ + " " + std::string(type) + "\n";
    }
    void sample(const Labels& labels, double value) {
        out_ += name_;
        if (!labels.empty()) {
            out_ += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) out_ += ',';
                out_ += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
            }
            out_ += '}';
        }
        out_ += " " + number(value) + "\n";
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
    std::string name_;
};

Labels instance_labels(const nlohmann::json& instance) {
    return {{"instance", instance.value("name", "")},
            {"interface", instance.value("interface", "")},
            {"family", instance.value("family", "")},
            {"vrid", std::to_string(instance.value("vrid", 0))}};
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.emplace_back(std::move(name), std::move(value));
    return labels;
}

double counter_of(const nlohmann::json& instance, const char* name) {
    const auto counters = instance.find("counters");
    if (counters == instance.end() || !counters->is_object()) return 0;
    return static_cast<double>(counters->value(name, std::uint64_t{0}));
}

double discards_of(const nlohmann::json& object, std::string_view reason) {
    const auto discards = object.find("discards");
    if (discards == object.end() || !discards->is_object()) return 0;
    return static_cast<double>(discards->value(std::string(reason), std::uint64_t{0}));
}

}  // namespace

std::string render_metrics(const nlohmann::json& status, const std::vector<InterfaceCounters>& dataplanes) {
    static const nlohmann::json no_items = nlohmann::json::array();
    const auto& instances = status.contains("instances") ? status["instances"] : no_items;
    const auto& interfaces = status.contains("interfaces") ? status["interfaces"] : no_items;
    Exposition e;

    e.family("xvip_build_info", "gauge", "xvipd's version and data-plane ABI version; always 1.");
    e.sample({{"version", status.value("version", "")}, {"abi", std::to_string(XVIP_ABI_VERSION)}}, 1);
    e.family("xvip_uptime_seconds", "gauge", "Seconds since this xvipd started.");
    e.sample({}, static_cast<double>(status.value("uptime_ms", std::int64_t{0})) / 1000.0);

    e.family("xvip_instance_state", "gauge",
             "VRRP state of the instance: 1 for the state it is in (INIT, BACKUP, MASTER, FAULT), 0 for the others.");
    for (const auto& i : instances) {
        for (const char* state : {"INIT", "BACKUP", "MASTER", "FAULT"}) {
            e.sample(with(instance_labels(i), "state", state), i.value("state", "") == state ? 1 : 0);
        }
    }
    e.family("xvip_instance_dataplane_role", "gauge",
             "Effective role in the XDP data plane (lease applied): 1 for the current role (standby, active, "
             "draining), 0 for the others.");
    for (const auto& i : instances) {
        for (const char* role : {"standby", "active", "draining"}) {
            e.sample(with(instance_labels(i), "role", role), i.value("role", "") == role ? 1 : 0);
        }
    }
    e.family("xvip_instance_priority", "gauge", "Effective VRRP priority (after tracking and maintenance).");
    for (const auto& i : instances) e.sample(instance_labels(i), i.value("priority", 0));
    e.family("xvip_instance_configured_priority", "gauge", "VRRP priority as configured.");
    for (const auto& i : instances) e.sample(instance_labels(i), i.value("configured_priority", 0));
    e.family("xvip_instance_maintenance", "gauge", "1 while the instance is out of the election (xvipctl maintenance).");
    for (const auto& i : instances) {
        e.sample(instance_labels(i), i.contains("maintenance") && i["maintenance"].is_string() ? 1 : 0);
    }
    e.family("xvip_instance_transitions_total", "counter", "VRRP state transitions since xvipd started.");
    for (const auto& i : instances) e.sample(instance_labels(i), static_cast<double>(i.value("transitions", std::uint64_t{0})));
    e.family("xvip_instance_last_transition_timestamp_seconds", "gauge",
             "Unix time of the latest state transition; absent before the first.");
    for (const auto& i : instances) {
        if (i.contains("last_transition") && i["last_transition"].is_object()) {
            e.sample(instance_labels(i),
                     static_cast<double>(i["last_transition"].value("unix_time_ms", std::int64_t{0})) / 1000.0);
        }
    }
    e.family("xvip_lease_remaining_seconds", "gauge",
             "Seconds left on the active (or draining) lease in the data plane; 0 when standby.");
    for (const auto& i : instances) {
        e.sample(instance_labels(i), static_cast<double>(i.value("deadline_left_ms", std::int64_t{0})) / 1000.0);
    }

    const std::pair<const char*, const char*> instance_counters[] = {
        {"adverts_sent", "VRRP adverts sent."},
        {"adverts_received", "VRRP adverts received and accepted by the instance."},
        {"send_failures", "VRRP adverts the kernel refused to send."},
        {"announcements", "Gratuitous ARP / unsolicited NA bursts started."},
        {"frames_sent", "Gratuitous ARP / unsolicited NA frames sent."},
        {"frame_failures", "Gratuitous ARP / unsolicited NA frames the kernel refused to send."},
        {"lease_renewals", "Renewals of the active lease in the data plane."},
        {"stalls", "Times the daemon woke up after its lease had ended."},
    };
    for (const auto& [key, help] : instance_counters) {
        const std::string name = std::string("xvip_") + (std::string_view(key) == "send_failures" ? "advert_send_failures" : key) + "_total";
        e.family(name, "counter", help);
        for (const auto& i : instances) e.sample(instance_labels(i), counter_of(i, key));
    }

    e.family("xvip_advert_discards_total", "counter", "VRRP adverts for the instance discarded, by reason.");
    for (const auto& i : instances) {
        for (std::size_t r = 0; r < discard_reason_count; ++r) {
            const auto reason = to_string(static_cast<DiscardReason>(r));
            e.sample(with(instance_labels(i), "reason", std::string(reason)), discards_of(i, reason));
        }
    }
    e.family("xvip_interface_advert_discards_total", "counter",
             "VRRP packets discarded on the interface before any instance claimed them, by reason.");
    for (const auto& f : interfaces) {
        for (std::size_t r = 0; r < discard_reason_count; ++r) {
            const auto reason = to_string(static_cast<DiscardReason>(r));
            e.sample({{"interface", f.value("name", "")}, {"reason", std::string(reason)}}, discards_of(f, reason));
        }
    }

    e.family("xvip_dataplane_frames_total", "counter",
             "Frames the XDP program handled, by verdict (see xvipctl counters), summed over CPUs.");
    for (const auto& d : dataplanes) {
        for (const auto& field : counter_fields()) {
            e.sample({{"interface", d.interface}, {"verdict", std::string(field.name)}},
                     static_cast<double>(d.counters.*field.member));
        }
    }
    return e.take();
}

// ---- the server -------------------------------------------------------------------------------

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
        throw std::runtime_error("metrics: cannot listen on " + address_.to_string() + ": " +
                                 std::strerror(errno) + " (is the port in use, or the address not local?)");
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

MetricsServer::~MetricsServer() { stop(); }

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
