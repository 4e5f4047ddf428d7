// What a reader or the validator has to say about a configuration, pointing at the text that caused
// it. The daemon prints every diagnostic and refuses to start if any is an error.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace xvip {

enum class Severity { warning, error };

// Where a setting came from. Lines and columns count from 1; 0 means "unknown" (a setting that
// took its default has no line).
struct SourceLocation {
    std::string file;
    unsigned line = 0;
    unsigned column = 0;

    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

struct Diagnostic {
    Severity severity = Severity::error;
    std::string file;
    unsigned line = 0;
    unsigned column = 0;
    std::string message;
    std::string fix;  // what to change; may be empty when the message says it all

    friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// "file:line:column: error: message (fix: ...)", the form compilers use so that editors jump to it.
std::string to_string(const Diagnostic& diagnostic);
// "file:line:column" (what is unknown left out), for messages about a setting outside the reader.
std::string to_string(const SourceLocation& where);

bool has_errors(std::span<const Diagnostic> diagnostics);

// Collects diagnostics in the order they are found.
class DiagnosticSink {
public:
    void error(const SourceLocation& where, std::string message, std::string fix = {});
    void warning(const SourceLocation& where, std::string message, std::string fix = {});

    const std::vector<Diagnostic>& all() const { return diagnostics_; }
    std::vector<Diagnostic> take() { return std::move(diagnostics_); }
    bool has_errors() const;

private:
    std::vector<Diagnostic> diagnostics_;
};

}  // namespace xvip
