#include "config/diagnostic.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

TEST(Diagnostic, RendersLikeACompilerWithTheFix) {
    EXPECT_EQ(to_string({Severity::error, "a.conf", 3, 7, "bad", "do this"}), "a.conf:3:7: error: bad (fix: do this)");
    EXPECT_EQ(to_string({Severity::warning, "a.conf", 3, 0, "meh", ""}), "a.conf:3: warning: meh");
    EXPECT_EQ(to_string({Severity::error, "a.conf", 0, 0, "unreadable", ""}), "a.conf: error: unreadable");
}

TEST(Diagnostic, OnlyErrorsCountAsErrors) {
    DiagnosticSink sink;
    sink.warning({"f", 1, 1}, "w");
    EXPECT_FALSE(sink.has_errors());
    sink.error({"f", 2, 1}, "e");
    EXPECT_TRUE(sink.has_errors());
    EXPECT_EQ(sink.all().size(), 2u);
}

}  // namespace
}  // namespace xvip
