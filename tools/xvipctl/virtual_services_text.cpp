#include "xvipctl/virtual_services_text.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

namespace xvip::ctl {

namespace {

std::string field(const nlohmann::json& j, const char* key, const char* otherwise = "-") {
    if (!j.is_object() || !j.contains(key) || j[key].is_null()) return otherwise;
    return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// The health check of a real server of a service, from the status's `health_checks`; null when none.
const nlohmann::json* check_of(const nlohmann::json& status, const std::string& service, const std::string& address) {
    if (!status.contains("health_checks")) return nullptr;
    for (const auto& c : status["health_checks"]) {
        if (field(c, "service") == service && field(c, "address") == address) return &c;
    }
    return nullptr;
}

// A backend's columns: address, health, weight, MAC, new flows, flows, and a note.
using Row = std::array<std::string, 7>;
constexpr std::size_t flows_column = 5;

// MAC, new flows and flows, as the data plane holds them: "-" for what it does not hold (a backend
// without an index: its service is not served).
void data_plane_columns(const nlohmann::json& backend, Row& row) {
    if (!backend.contains("mac")) {
        row[3] = "-";
    } else {
        row[3] = backend["mac"].is_null() ? "no MAC" : field(backend, "mac");
    }
    if (backend.contains("takes_new_flows")) {
        row[4] = backend["takes_new_flows"].get<bool>() ? "new flows" : "no new flows";
    } else {
        row[4] = "-";
    }
    row[5] = backend.contains("flows") ? field(backend, "flows") + " flows" : "-";
}

Row real_server_row(const nlohmann::json& status, const std::string& service, const nlohmann::json& rs) {
    Row row;
    row[0] = field(rs, "address");
    row[1] = field(rs, "health");
    row[2] = rs.contains("dynamic_weight") ? "weight " + field(rs, "dynamic_weight") + " (dynamic)"
                                           : "weight " + field(rs, "weight");
    data_plane_columns(rs, row);
    if (row[1] == "down") {
        if (const nlohmann::json* check = check_of(status, service, row[0]);
            check && check->contains("last_error") && !(*check)["last_error"].is_null()) {
            row[6] = "(" + field(*check, "check") + ": " + field(*check, "last_error") + "; " +
                     field(*check, "failed_attempts") + " of " + field(*check, "attempts") + " attempts failed)";
        }
    }
    return row;
}

Row sorry_server_row(const nlohmann::json& sorry) {
    Row row;
    row[0] = field(sorry, "address");
    row[1] = "sorry server";
    data_plane_columns(sorry, row);
    return row;
}

std::string service_line(const nlohmann::json& s) {
    std::string line = field(s, "service") + " on " + field(s, "interface");
    const std::string ring = field(s, "ring");
    if (ring == "not served") {
        line += ": not served";
        if (s.contains("not_served_because")) line += ": " + field(s, "not_served_because");
        return line;
    }
    line += " (id " + field(s, "id") + ", " + field(s, "hashing") + "): ring of " + ring;
    // The quorum, when set: with the defaults (1, no hysteresis) the ring already says it all.
    if (s.contains("quorum") && s["quorum"].is_object()) {
        const nlohmann::json& q = s["quorum"];
        const std::string hysteresis = field(q, "hysteresis");
        if (field(q, "quorum") != "1" || hysteresis != "0") {
            line += "; quorum " + field(q, "quorum") + (hysteresis == "0" ? "" : " hysteresis " + hysteresis) + ": " +
                    (q.value("up", false) ? "up" : "down") + ", live weight " + field(q, "live_weight");
        }
    }
    return line;
}

}  // namespace

std::string virtual_services_text(const nlohmann::json& status) {
    if (!status.contains("virtual_servers") || status["virtual_servers"].empty()) return {};
    // Every row first: the columns are aligned over the whole section.
    std::vector<std::pair<std::string, std::vector<Row>>> services;
    std::array<std::size_t, 7> width{};
    for (const auto& s : status["virtual_servers"]) {
        std::vector<Row> rows;
        if (s.contains("real_servers")) {
            for (const auto& rs : s["real_servers"]) rows.push_back(real_server_row(status, field(s, "service"), rs));
        }
        if (s.contains("sorry_server")) rows.push_back(sorry_server_row(s["sorry_server"]));
        for (const Row& row : rows) {
            for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
        }
        services.emplace_back(service_line(s), std::move(rows));
    }
    std::string out = "virtual services:\n";
    for (const auto& [line, rows] : services) {
        out += "  " + line + "\n";
        for (const Row& row : rows) {
            std::string text = "    ";
            for (std::size_t c = 0; c < row.size(); ++c) {
                const std::string pad(width[c] - row[c].size(), ' ');
                text += (c == 0 ? "" : "  ") + (c == flows_column ? pad + row[c] : row[c] + pad);
            }
            while (!text.empty() && text.back() == ' ') text.pop_back();
            out += text + "\n";
        }
    }
    return out;
}

}  // namespace xvip::ctl
