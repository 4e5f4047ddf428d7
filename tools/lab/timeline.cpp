#include "lab/timeline.hpp"

#include <algorithm>
#include <cinttypes>

namespace xvip::lab {

void Timeline::add(TimePoint at, std::string source, std::string text) {
    std::lock_guard lock(mutex_);
    events_.push_back({at, std::move(source), std::move(text)});
}

std::vector<Event> Timeline::events() const {
    std::vector<Event> events;
    {
        std::lock_guard lock(mutex_);
        events = events_;
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    return events;
}

void Timeline::print(std::FILE* out) const {
    for (const auto& e : events()) {
        const auto rel = e.at - start_;
        if (rel.count() < 0) continue;
        const std::string stamp = "+" + format_ms(rel);
        std::fprintf(out, "  %14s  %-7s %s\n", stamp.c_str(), e.source.c_str(), e.text.c_str());
    }
}

std::string format_ms(std::chrono::nanoseconds d) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    char buf[48];
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64 " ms", static_cast<std::int64_t>(us / 1000),
                  static_cast<std::int64_t>((us < 0 ? -us : us) % 1000));
    return buf;
}

}  // namespace xvip::lab
