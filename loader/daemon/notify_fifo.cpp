#include "daemon/notify_fifo.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xvip {

std::string_view keepalived_word(NotifyState state) {
    switch (state) {
        case NotifyState::master: return "MASTER";
        case NotifyState::backup: return "BACKUP";
        case NotifyState::fault: return "FAULT";
        case NotifyState::stop: return "STOP";
    }
    return "{UNKNOWN}";
}

namespace {

std::string line(std::string_view type, std::string_view name, std::string_view state, int priority) {
    std::string text;
    text.reserve(type.size() + name.size() + state.size() + 12);
    text.append(type).append(" \"").append(name).append("\" ").append(state).append(" ");
    text += std::to_string(priority);
    text += '\n';
    return text;
}

}  // namespace

std::string fifo_instance_line(std::string_view instance, NotifyState state, int priority) {
    return line("INSTANCE", instance, keepalived_word(state), priority);
}

std::string fifo_group_line(std::string_view group, NotifyState state) {
    return line("GROUP", group, keepalived_word(state), 0);
}

std::string fifo_priority_line(std::string_view instance, bool master, int priority) {
    return line("INSTANCE", instance, master ? "MASTER_PRIORITY" : "BACKUP_PRIORITY", priority);
}

NotifyFifo::NotifyFifo(std::string path, LogSink log) : path_(std::move(path)), log_(std::move(log)) {
    if (::mkfifo(path_.c_str(), 0600) != 0 && errno != EEXIST) {
        throw std::runtime_error("notify FIFO " + path_ + ": cannot create it: " + std::strerror(errno));
    }
    // Never through a symbolic link, and only a FIFO of our own: one another user made in our
    // place would hand them every notification (and let them stall it).
    fd_.reset(::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
    if (!fd_ && errno == ELOOP) {
        throw std::runtime_error("notify FIFO " + path_ +
                                 ": is a symbolic link; fix: name the FIFO itself, or remove the link");
    }
    if (!fd_) throw std::runtime_error("notify FIFO " + path_ + ": cannot open it: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || !S_ISFIFO(st.st_mode)) {
        throw std::runtime_error("notify FIFO " + path_ +
                                 ": exists and is not a FIFO; fix: remove it or name another path");
    }
    if (st.st_uid != ::geteuid()) {
        throw std::runtime_error("notify FIFO " + path_ + ": belongs to uid " + std::to_string(st.st_uid) +
                                 ", not to xvipd's uid " + std::to_string(::geteuid()) +
                                 "; fix: remove it (xvipd creates it) or name another path");
    }
}

bool NotifyFifo::write_line(std::string_view text) {
    // Up to PIPE_BUF a pipe write is all or nothing, so a reader never sees half a line.
    if (text.size() > PIPE_BUF) {
        ++dropped_;
        log_line(log_,
                 "notify FIFO " + path_ + ": line of " + std::to_string(text.size()) + " bytes too long; dropped");
        return false;
    }
    ssize_t n = 0;
    do {
        n = ::write(fd_.get(), text.data(), text.size());
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(text.size())) {
        ++written_;
        dropping_ = false;
        return true;
    }
    ++dropped_;
    if (!dropping_) {
        dropping_ = true;
        log_line(log_, "notify FIFO " + path_ + ": " +
                           (n < 0 && errno == EAGAIN ? std::string("full, no reader keeping up")
                                                     : std::string(std::strerror(errno))) +
                           "; dropping lines (" + std::to_string(dropped_) + " dropped so far)");
    }
    return false;
}

}  // namespace xvip
