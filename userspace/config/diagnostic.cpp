#include "config/diagnostic.hpp"

#include <algorithm>

namespace xvip {

std::string to_string(const Diagnostic& diagnostic) {
    std::string text = diagnostic.file;
    if (diagnostic.line != 0) {
        text += ':' + std::to_string(diagnostic.line);
        if (diagnostic.column != 0) text += ':' + std::to_string(diagnostic.column);
    }
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
