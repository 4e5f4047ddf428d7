#include "daemon/real_server_checks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.hpp"
#include "daemon/rise_fall.hpp"

namespace xvip {

namespace {

constexpr std::size_t max_response_head = 16 * 1024;
constexpr std::size_t max_response_body = 1024 * 1024;

long long whole_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string_view checker_name(CheckType type) {
    switch (type) {
        case CheckType::tcp: return "TCP_CHECK";
        case CheckType::http: return "HTTP_GET";
        case CheckType::script: return "MISC_CHECK";
    }
    return "check";
}

std::string host_port(const IpAddress& address, int port) {
    const std::string host = address.is_v4() ? address.to_string() : "[" + address.to_string() + "]";
    return host + ":" + std::to_string(port);
}

// The socket address of `address`, port `port` (0: any), and its length.
std::pair<sockaddr_storage, socklen_t> socket_address(const IpAddress& address, int port) {
    sockaddr_storage storage{};
    const auto bytes = address.bytes();
    if (address.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(static_cast<std::uint16_t>(port));
        std::memcpy(&in->sin_addr, bytes.data(), 4);
        return {storage, sizeof(sockaddr_in)};
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in6->sin6_addr, bytes.data(), 16);
    return {storage, sizeof(sockaddr_in6)};
}

// The host's shortage rather than the server's fault (ChildProcesses' SpawnError::no_resources).
bool no_resources(int error) {
    return error == EMFILE || error == ENFILE || error == ENOMEM || error == ENOBUFS || error == EAGAIN;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

std::string ranges_text(const std::vector<StatusCodeRange>& ranges) {
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty()) out += " ";
        out += r.low == r.high ? std::to_string(r.low) : std::to_string(r.low) + "-" + std::to_string(r.high);
    }
    return out;
}

// The MD5 of a body, by OpenSSL. ok() is false where OpenSSL refuses MD5 (a FIPS-only provider).
class Md5 {
public:
    Md5() : ctx_(EVP_MD_CTX_new()) { ok_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_md5(), nullptr) == 1; }
    bool ok() const { return ok_; }
    void update(std::string_view data) { ok_ = ok_ && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) == 1; }
    // Lower-case hex digits; empty when OpenSSL failed.
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        if (!ok_ || EVP_DigestFinal_ex(ctx_.get(), digest, &size) != 1) return {};
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < size; ++i) {
            out += digits[digest[i] >> 4];
            out += digits[digest[i] & 0xf];
        }
        return out;
    }

private:
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> ctx_;
    bool ok_ = false;
};

// One HTTP/1.x response, read as it arrives: the status line and headers (at most
// max_response_head bytes), then the body to Content-Length or the close (at most
// max_response_body bytes), its MD5 taken when a digest is wanted. Any byte sequence is either a
// response or a reason it is none.
class HttpResponse {
public:
    HttpResponse(const HttpUrl& url, bool want_digest) : url_(url) {
        if (want_digest) md5_.emplace();
    }

    enum class Progress { more, done, failed };

    Progress feed(std::string_view data) {
        if (!head_done_) {
            head_.append(data);
            auto end = head_.find("\r\n\r\n");
            std::size_t separator = 4;
            if (const auto bare = head_.find("\n\n"); bare < end) {
                end = bare;
                separator = 2;
            }
            if (end == std::string::npos) {
                if (head_.size() > max_response_head) return fail("response headers over 16 KiB");
                return Progress::more;
            }
            if (end > max_response_head) return fail("response headers over 16 KiB");
            std::string rest = head_.substr(end + separator);
            head_.resize(end);
            head_done_ = true;
            if (const auto parsed = parse_head(); parsed != Progress::more) return parsed;
            return body(rest);
        }
        return body(data);
    }

    // The server closed the connection.
    Progress closed() {
        if (!head_done_) {
            return fail(head_.empty() ? "connection closed without a response"
                                      : "connection closed before the end of the response headers");
        }
        if (content_length_ && body_bytes_ < *content_length_) {
            return fail("connection closed after " + std::to_string(body_bytes_) + " of " +
                        std::to_string(*content_length_) + " body bytes");
        }
        return finish();
    }

    const std::string& error() const { return error_; }

private:
    Progress fail(std::string why) {
        error_ = std::move(why);
        return Progress::failed;
    }

    Progress parse_head() {
        const auto line_end = head_.find('\n');
        std::string status_line = head_.substr(0, line_end);
        if (!status_line.empty() && status_line.back() == '\r') status_line.pop_back();
        // "HTTP/1.x SP DDD [SP reason]"
        const bool well_formed = status_line.size() >= 12 && status_line.compare(0, 7, "HTTP/1.") == 0 &&
                                 std::isdigit(static_cast<unsigned char>(status_line[7])) && status_line[8] == ' ' &&
                                 std::isdigit(static_cast<unsigned char>(status_line[9])) &&
                                 std::isdigit(static_cast<unsigned char>(status_line[10])) &&
                                 std::isdigit(static_cast<unsigned char>(status_line[11])) &&
                                 (status_line.size() == 12 || status_line[12] == ' ');
        if (!well_formed) return fail("not an HTTP/1.x status line");
        const int status = std::stoi(status_line.substr(9, 3));
        std::string_view headers = line_end == std::string::npos ? std::string_view() : head_;
        headers.remove_prefix(std::min(headers.size(), line_end + 1));
        while (!headers.empty()) {
            const auto eol = headers.find('\n');
            std::string_view line = headers.substr(0, eol);
            headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            const std::string name = lower(trim(line.substr(0, colon)));
            const std::string value = trim(line.substr(colon + 1));
            if (name == "content-length") {
                if (value.empty() || value.size() > 18 ||
                    !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
                    return fail("malformed Content-Length");
                }
                const auto length = std::stoull(value);
                if (content_length_ && *content_length_ != length) return fail("two different Content-Length");
                content_length_ = length;
            } else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
                chunked_ = true;
            }
        }
        const auto& ranges = url_.status_codes.empty() ? default_ranges() : url_.status_codes;
        const bool accepted = std::any_of(ranges.begin(), ranges.end(), [&](const StatusCodeRange& r) {
            return status >= r.low && status <= r.high;
        });
        if (!accepted) return fail("status " + std::to_string(status) + ", expected " + ranges_text(ranges));
        if (chunked_) {
            // RFC 9112 6.3: chunked framing wins over a Content-Length.
            content_length_.reset();
            if (md5_) return fail("chunked response: the digest needs a body sent whole (xvip does not decode chunks)");
        }
        if (content_length_ && *content_length_ > max_response_body) {
            return fail("body of " + std::to_string(*content_length_) + " bytes, over 1 MiB");
        }
        return Progress::more;
    }

    Progress body(std::string_view data) {
        if (content_length_) data = data.substr(0, *content_length_ - body_bytes_);
        body_bytes_ += data.size();
        if (body_bytes_ > max_response_body) return fail("body over 1 MiB");
        if (md5_) md5_->update(data);
        if (content_length_ && body_bytes_ == *content_length_) return finish();
        return Progress::more;
    }

    Progress finish() {
        if (!md5_) return Progress::done;
        const std::string got = md5_->hex();
        if (got.empty()) return fail("OpenSSL cannot compute MD5 here (a FIPS-only provider?)");
        if (got != lower(url_.digest)) return fail("digest " + got + ", expected " + lower(url_.digest));
        return Progress::done;
    }

    static const std::vector<StatusCodeRange>& default_ranges() {
        static const std::vector<StatusCodeRange> ranges{StatusCodeRange{}};
        return ranges;
    }

    const HttpUrl& url_;
    std::optional<Md5> md5_;
    std::string head_;
    bool head_done_ = false;
    bool chunked_ = false;
    std::optional<std::uint64_t> content_length_;
    std::uint64_t body_bytes_ = 0;
    std::string error_;
};

// What a check does: two checks that compare equal do the same thing, so a reload keeps the one
// running.
struct CheckSpec {
    CheckType type = CheckType::tcp;
    ResolvedCheckTiming timing;
    IpAddress target;
    int target_port = 0;
    std::optional<IpAddress> bind_to;
    std::vector<HttpUrl> urls;
    std::vector<std::string> hosts;  // the Host of each URL
    std::vector<std::string> argv;
    std::optional<RunAs> run_as;
    Duration script_timeout{};
    bool dynamic = false;

    bool operator==(const CheckSpec& o) const {
        const bool same_user = run_as.has_value() == o.run_as.has_value() &&
                               (!run_as || (run_as->uid == o.run_as->uid && run_as->gid == o.run_as->gid &&
                                            run_as->groups == o.run_as->groups));
        return type == o.type && timing == o.timing && target == o.target && target_port == o.target_port &&
               bind_to == o.bind_to && urls == o.urls && hosts == o.hosts && argv == o.argv && same_user &&
               script_timeout == o.script_timeout && dynamic == o.dynamic;
    }
};

}  // namespace

class RealServerChecks::Check {
public:
    Check(RealServerChecks& owner, lb::RealServerKey key, std::string name, CheckSpec spec)
        : owner_(owner),
          loop_(owner.loop_),
          key_(std::move(key)),
          name_(std::move(name)),
          spec_(std::move(spec)),
          verdict_(spec_.timing.rise, 1, false) {}

    ~Check() { stop(); }

    void start() {
        next_attempt_ = loop_.schedule(loop_.now(), [this] { start_attempt(); });
    }

    void stop() {
        cancel(next_attempt_);
        cancel(retry_);
        stop_try();
    }

    const CheckSpec& spec() const { return spec_; }
    const RiseFall& verdict() const { return verdict_; }

    // Reload of a changed check, or seed(): the verdict it starts from.
    void take_verdict(const RiseFall& verdict, std::optional<int> dynamic_weight,
                      std::optional<std::chrono::system_clock::time_point> since) {
        verdict_ = verdict.carried_into(spec_.timing.rise, 1);
        if (spec_.type == CheckType::script && spec_.dynamic) dynamic_weight_ = dynamic_weight;
        since_ = since;
    }
    void seed(bool up) {
        RiseFall seeded(spec_.timing.rise, 1, !up);
        if (up) seeded.record(true);
        take_verdict(seeded, std::nullopt, std::chrono::system_clock::now());
    }

    std::optional<int> dynamic_weight() const { return dynamic_weight_; }
    std::optional<std::chrono::system_clock::time_point> since() const { return since_; }

    std::optional<lb::RealServerHealth> health() const {
        const auto healthy = verdict_.healthy();
        if (!healthy) return std::nullopt;
        return lb::RealServerHealth{*healthy, dynamic_weight_};
    }

    nlohmann::json status() const {
        const auto healthy = verdict_.healthy();
        nlohmann::json out{
            {"service", lb::to_string(key_.service)},
            {"address", key_.address.to_string()},
            {"check", checker_name(spec_.type)},
            {"state", healthy ? (*healthy ? "up" : "down") : "unknown"},
            {"since", since_ ? nlohmann::json(
                                   std::chrono::duration_cast<std::chrono::seconds>(since_->time_since_epoch()).count())
                             : nlohmann::json()},
            {"attempts", attempts_},
            {"failed_attempts", failures_},
            {"last_error", last_error_.empty() ? nlohmann::json() : nlohmann::json(last_error_)},
            {"last_duration_ms", last_duration_ ? nlohmann::json(whole_ms(*last_duration_)) : nlohmann::json()},
            {"not_started", not_started_},
        };
        if (spec_.type != CheckType::script) out["target"] = host_port(spec_.target, spec_.target_port);
        if (dynamic_weight_) out["dynamic_weight"] = *dynamic_weight_;
        return out;
    }

private:
    void cancel(std::optional<EventLoop::TimerId>& timer) {
        if (timer) loop_.cancel(*timer);
        timer.reset();
    }

    void start_attempt() {
        next_attempt_.reset();
        ++attempts_;
        attempt_started_ = loop_.now();
        retries_left_ = spec_.timing.retry;
        tries_ = 0;
        url_ = 0;
        start_try();
    }

    void start_try() {
        retry_.reset();
        ++tries_;
        if (spec_.type == CheckType::script) {
            start_command();
        } else {
            start_connection();
        }
    }

    // ---- TCP and HTTP ----

    void start_connection() {
        const int family = spec_.target.is_v4() ? AF_INET : AF_INET6;
        UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) {
            const int error = errno;
            if (no_resources(error)) return not_started("cannot open a socket: " + std::string(std::strerror(error)));
            return try_failed(std::string("cannot open a socket: ") + std::strerror(error));
        }
        if (spec_.bind_to) {
            const auto [source, length] = socket_address(*spec_.bind_to, 0);
            if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&source), length) != 0) {
                return try_failed("cannot bind to " + spec_.bind_to->to_string() + ": " + std::strerror(errno));
            }
        }
        const auto [target, length] = socket_address(spec_.target, spec_.target_port);
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target), length) != 0 && errno != EINPROGRESS) {
            const int error = errno;
            if (no_resources(error)) return not_started(std::string("cannot connect: ") + std::strerror(error));
            return try_failed(where() + connect_error(error));
        }
        socket_ = std::move(fd);
        try_deadline_ = loop_.schedule(loop_.now() + spec_.timing.connect_timeout, [this] {
            try_deadline_.reset();
            try_failed(where() + (connected_ ? "no complete response" : "no connection") + " within " +
                       std::to_string(spec_.timing.connect_timeout.count()) + " ms");
        });
        loop_.watch_writable(socket_.get(), [this] { on_writable(); });
    }

    std::string connect_error(int error) const {
        if (error == ECONNREFUSED) return "connection refused";
        return std::string("cannot connect: ") + std::strerror(error);
    }

    void on_writable() {
        if (!connected_) {
            int error = 0;
            socklen_t length = sizeof error;
            if (::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
            if (error != 0) return try_failed(where() + connect_error(error));
            connected_ = true;
            // An HTTP check without a URL (which the validator refuses) is a TCP check.
            if (spec_.type == CheckType::tcp || spec_.urls.empty()) return try_passed();
            const HttpUrl& url = spec_.urls[url_];
            request_ = "GET " + url.path + " HTTP/1.1\r\nHost: " + spec_.hosts[url_] +
                       "\r\nConnection: close\r\nUser-Agent: xvip-check\r\n\r\n";
            sent_ = 0;
            response_.emplace(url, !url.digest.empty());
        }
        while (sent_ < request_.size()) {
            const auto n = ::send(socket_.get(), request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) return;  // the loop calls again when there is room
                return try_failed(url_text() + "cannot send the request: " + std::strerror(errno));
            }
            sent_ += static_cast<std::size_t>(n);
        }
        loop_.unwatch(socket_.get());
        loop_.watch(socket_.get(), [this] { on_readable(); });
    }

    void on_readable() {
        char buffer[16 * 1024];
        const auto n = ::recv(socket_.get(), buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            return try_failed(url_text() + (errno == ECONNRESET ? std::string("connection reset")
                                                                : std::string("cannot read: ") + std::strerror(errno)));
        }
        const auto progress = n == 0 ? response_->closed() : response_->feed({buffer, static_cast<std::size_t>(n)});
        if (progress == HttpResponse::Progress::failed) return try_failed(url_text() + response_->error());
        if (progress == HttpResponse::Progress::done) {
            if (url_ + 1 < spec_.urls.size()) {
                // The next URL, in the same try and the same attempt.
                stop_try();
                ++url_;
                return start_connection();
            }
            try_passed();
        }
    }

    std::string url_text() const { return url_ < spec_.urls.size() ? "GET " + spec_.urls[url_].path + ": " : ""; }
    // What a connection's failure is said of: the URL for HTTP_GET.
    std::string where() const { return spec_.type == CheckType::http ? url_text() : std::string(); }

    // ---- MISC_CHECK ----

    void start_command() {
        const ChildOptions options{.timeout = spec_.script_timeout, .run_as = spec_.run_as};
        auto started = owner_.children_.start(spec_.argv, options, [this](const ChildExit& exit) {
            child_.reset();
            finished(exit);
        });
        if (!started) return command_not_started(started.error());
        child_ = started.value();
    }

    void command_not_started(const SpawnError& error) {
        if (error.no_resources) return not_started(error.message);
        try_failed(error.message);
    }

    void finished(const ChildExit& exit) {
        cancel(try_deadline_);
        if (exit.kind == ChildExit::Kind::not_started) return command_not_started(exit.not_started);
        if (exit.kind == ChildExit::Kind::exited && spec_.dynamic && exit.code >= 2 && exit.code <= 255) {
            dynamic_weight_ = std::min(exit.code - 2, max_real_server_weight);
            return try_passed();
        }
        if (exit.succeeded()) return try_passed();
        try_failed(describe(exit));
    }

    // ---- Results ----

    void stop_try() {
        cancel(try_deadline_);
        if (socket_) {
            loop_.unwatch(socket_.get());
            socket_.reset();
        }
        connected_ = false;
        response_.reset();
        if (child_) owner_.children_.abandon(*child_);
        child_.reset();
    }

    // The host could not start the try: no result (the rule in the header).
    void not_started(const std::string& why) {
        stop_try();
        ++not_started_;
        if (!std::exchange(starved_, true)) {
            log_line(owner_.log_, name_ + ": " + std::string(checker_name(spec_.type)) + " could not be started (" +
                                      why + "); keeping its last verdict until it runs again");
        }
        schedule_next_attempt();
    }

    void try_passed() {
        stop_try();
        attempt_done(true, {});
    }

    void try_failed(const std::string& why) {
        stop_try();
        if (retries_left_ > 0) {
            --retries_left_;
            retry_ = loop_.schedule(loop_.now() + spec_.timing.delay_before_retry, [this] { start_try(); });
            return;
        }
        attempt_done(false, why + " after " + std::to_string(tries_) + (tries_ == 1 ? " try" : " tries"));
    }

    void schedule_next_attempt() {
        next_attempt_ = loop_.schedule(std::max(attempt_started_ + spec_.timing.interval, loop_.now()),
                                       [this] { start_attempt(); });
    }

    void attempt_done(bool passed, const std::string& why) {
        if (std::exchange(starved_, false)) {
            log_line(owner_.log_, name_ + ": " + std::string(checker_name(spec_.type)) + " runs again");
        }
        last_duration_ = loop_.now() - attempt_started_;
        if (!passed) {
            ++failures_;
            last_error_ = why;
        }
        const auto before = health();
        verdict_.record(passed);
        schedule_next_attempt();
        const auto after = health();
        if (!after || (before && before->up == after->up && before->dynamic_weight == after->dynamic_weight)) return;
        if (!before || before->up != after->up) since_ = std::chrono::system_clock::now();
        std::string line = name_ + ": " + (after->up ? "up" : "down");
        if (after->dynamic_weight) line += ", weight " + std::to_string(*after->dynamic_weight);
        line += " (" + std::string(checker_name(spec_.type)) + (passed ? "" : ": " + why) + ")";
        log_line(owner_.log_, line);
        // Last: the handler may reconfigure, which may destroy this check.
        owner_.report(key_, *after);
    }

    RealServerChecks& owner_;
    EventLoop& loop_;
    lb::RealServerKey key_;
    std::string name_;  // "real server 192.0.2.21:80 of tcp 192.0.2.100:80"
    CheckSpec spec_;
    RiseFall verdict_;
    std::optional<int> dynamic_weight_;
    std::optional<std::chrono::system_clock::time_point> since_;

    // The attempt in progress.
    TimePoint attempt_started_{};
    int retries_left_ = 0;
    int tries_ = 0;
    std::size_t url_ = 0;
    std::optional<EventLoop::TimerId> next_attempt_;
    std::optional<EventLoop::TimerId> retry_;
    // The try in progress.
    std::optional<EventLoop::TimerId> try_deadline_;
    UniqueFd socket_;
    bool connected_ = false;
    std::string request_;
    std::size_t sent_ = 0;
    std::optional<HttpResponse> response_;
    std::optional<ChildProcesses::Id> child_;

    // What status() says.
    std::uint64_t attempts_ = 0;
    std::uint64_t failures_ = 0;
    std::uint64_t not_started_ = 0;
    bool starved_ = false;
    std::string last_error_;
    std::optional<Duration> last_duration_;
};

namespace {

bool plannable_port(int port) {
    return port >= 1 && port <= 65535;
}

}  // namespace

ValueOrError<PreparedCheckScripts, ScriptError> RealServerChecks::prepare(std::span<const VirtualServer> servers,
                                                                          std::string_view script_user,
                                                                          const ScriptPolicy& policy) {
    PreparedCheckScripts out;
    for (const auto& vs : servers) {
        if (!plannable_port(vs.port)) continue;
        for (const auto& rs : vs.real_servers) {
            if (!rs.check || rs.check->type != CheckType::script) continue;
            const HealthCheck& check = *rs.check;
            const std::string name = "real server " + rs.address.to_string() + " of " +
                                     std::string(to_string(vs.protocol)) + " " + vs.endpoint() + ": MISC_CHECK: ";
            auto run_as = script_run_as(check.user, script_user);
            if (!run_as) {
                return ScriptError{to_string(check.origins.of(Field::check_user)) + ": " + name +
                                   run_as.error().message};
            }
            auto script = prepare_script(check.command, run_as.value(), policy);
            if (!script) {
                return ScriptError{to_string(check.origins.of(Field::check_command)) + ": " + name +
                                   script.error().message};
            }
            out.emplace(lb::RealServerKey{lb::key_of(vs), rs.address}, script.value());
        }
    }
    return out;
}

RealServerChecks::RealServerChecks(EventLoop& loop, ChildProcesses& children, OnChange on_change, LogSink log)
    : loop_(loop), children_(children), on_change_(std::move(on_change)), log_(std::move(log)) {}

RealServerChecks::~RealServerChecks() {
    for (auto& [key, check] : checks_) check->stop();
}

void RealServerChecks::configure(std::span<const VirtualServer> servers, const PreparedCheckScripts& scripts) {
    struct Wanted {
        std::string name;
        CheckSpec spec;
    };
    std::map<lb::RealServerKey, Wanted> wanted;
    for (const auto& vs : servers) {
        if (!plannable_port(vs.port)) continue;
        for (const auto& rs : vs.real_servers) {
            if (!rs.check) continue;
            const HealthCheck& check = *rs.check;
            const lb::RealServerKey key{lb::key_of(vs), rs.address};
            if (wanted.count(key)) continue;  // the validator refuses it; the first one counts
            CheckSpec spec;
            spec.type = check.type;
            spec.timing = resolve_check_timing(check.timing, vs.check_defaults);
            spec.target = check.connect_ip.value_or(rs.address);
            spec.target_port = check.connect_port.value_or(rs.port != 0 ? rs.port : vs.port);
            spec.bind_to = check.bind_to;
            if (check.type == CheckType::http) {
                spec.urls = check.urls;
                for (const auto& url : check.urls) {
                    spec.hosts.push_back(!url.virtualhost.empty()     ? url.virtualhost
                                         : !check.virtualhost.empty() ? check.virtualhost
                                                                      : host_port(spec.target, spec.target_port));
                }
            }
            if (check.type == CheckType::script) {
                const auto prepared = scripts.find(key);
                if (prepared == scripts.end()) {
                    throw std::invalid_argument("real server " + rs.address.to_string() + " of " +
                                                lb::to_string(key.service) + ": MISC_CHECK command not prepared");
                }
                spec.argv = prepared->second.argv;
                spec.run_as = prepared->second.run_as;
                spec.script_timeout = check.timeout.value_or(spec.timing.interval);
                spec.dynamic = check.dynamic;
            }
            wanted.emplace(key, Wanted{"real server " + host_port(rs.address, rs.port != 0 ? rs.port : vs.port) +
                                           " of " + lb::to_string(key.service),
                                       std::move(spec)});
        }
    }
    // Nothing can fail from here on.
    for (auto it = checks_.begin(); it != checks_.end();) {
        if (wanted.count(it->first) == 0) {
            it->second->stop();
            it = checks_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& [key, want] : wanted) {
        auto running = checks_.find(key);
        if (running != checks_.end() && running->second->spec() == want.spec) continue;
        auto check = std::make_unique<Check>(*this, key, std::move(want.name), std::move(want.spec));
        if (running != checks_.end()) {
            running->second->stop();
            check->take_verdict(running->second->verdict(), running->second->dynamic_weight(),
                                running->second->since());
        }
        check->start();
        checks_[key] = std::move(check);
    }
}

lb::HealthMap RealServerChecks::health() const {
    lb::HealthMap out;
    for (const auto& [key, check] : checks_) {
        if (auto health = check->health()) out.emplace(key, *health);
    }
    return out;
}

void RealServerChecks::seed(const lb::RealServerKey& server, bool up) {
    const auto it = checks_.find(server);
    if (it == checks_.end() || it->second->verdict().healthy()) return;
    it->second->seed(up);
}

void RealServerChecks::report(lb::RealServerKey server, lb::RealServerHealth health) {
    if (!on_change_) return;
    try {
        on_change_(server, health);
    } catch (const std::exception& error) {
        log_line(log_, "real server " + server.address.to_string() + " of " + lb::to_string(server.service) +
                           ": change handler failed: " + error.what());
    } catch (...) {
        log_line(log_, "real server " + server.address.to_string() + " of " + lb::to_string(server.service) +
                           ": change handler failed");
    }
}

nlohmann::json RealServerChecks::status() const {
    auto out = nlohmann::json::array();
    for (const auto& [key, check] : checks_) out.push_back(check->status());
    return out;
}

}  // namespace xvip
