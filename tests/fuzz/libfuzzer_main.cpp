// libFuzzer's entry for every target: XVIP_FUZZ_TARGET names the function of fuzz_targets.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    XVIP_FUZZ_TARGET({data, size});
    return 0;
}
