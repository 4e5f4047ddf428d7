#include "config/diagnostic.hpp"

#include <algorithm>

namespace xvip {

std::string to_string(const SourceLocation& where) {
    std::string text = where.file;
    if (where.line != 0) {
        text += ':' + std::to_string(where.line);
        if (where.column != 0) text += ':' + std::to_string(where.column);
    }
    return text;
}

std::string to_string(const Diagnostic& diagnostic) {
    std::string text = to_string(SourceLocation{diagnostic.file, diagnostic.line, diagnostic.column});
    text += diagnostic.severity == Severity::error ? ": error: " : ": warning: ";
    text += diagnostic.message;
    if (!diagnostic.fix.empty()) text += " (fix: " + diagnostic.fix + ")";
    return text;
}

bool has_errors(std::span<const Diagnostic> diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::error; });
}

void DiagnosticSink::error(const SourceLocation& where, std::string message, std::string fix) {
    diagnostics_.push_back({Severity::error, where.file, where.line, where.column, std::move(message), std::move(fix)});
}

void DiagnosticSink::warning(const SourceLocation& where, std::string message, std::string fix) {
    diagnostics_.push_back(
        {Severity::warning, where.file, where.line, where.column, std::move(message), std::move(fix)});
}

bool DiagnosticSink::has_errors() const {
    return xvip::has_errors(diagnostics_);
}

}  // namespace xvip
