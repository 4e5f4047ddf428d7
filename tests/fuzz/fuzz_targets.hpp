// What each libFuzzer target does with one input, kept apart from libFuzzer: libfuzzer_main.cpp
// calls it for the fuzzer, and tests/unit/daemon/fuzz_regressions_test.cpp replays every file under
// tests/fuzz/regressions/<target>/ through it on each ordinary build. A broken invariant aborts;
// otherwise the answer says whether the input was accepted or refused.
#pragma once

#include <cstdint>
#include <span>

namespace xvip::fuzz {

enum class Outcome { refused, accepted };

// A peer's bytes: accepted when they decode as an advert or parse as an IPv4 VRRP packet.
Outcome advert_decoder(std::span<const std::uint8_t> input);
// Accepted when the configuration reads without an error.
Outcome toml_config(std::span<const std::uint8_t> input);
Outcome keepalived_conf(std::span<const std::uint8_t> input);
// A client's bytes on xvipd's control socket: accepted when they hold at least one request and
// every answer is a success.
Outcome control_request(std::span<const std::uint8_t> input);

}  // namespace xvip::fuzz
