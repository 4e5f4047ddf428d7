// Weighted Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
// Network Load Balancer", NSDI 2016, §3.4; weights as in Katran): the lookup table a direct-routing
// balancer indexes with a flow's hash to pick its backend. Pure: no clock, no randomness, no I/O.
//
// The cross-host contract. Two balancers given the same (key, weight) pairs build the same table,
// so a flow lands on the same backend whichever of them forwards it. That holds across hosts,
// builds and releases only as long as everything below stays as it is; a change to any of it is a
// change of the wire behaviour (mixed versions would split flows) and must be made on purpose,
// together with the golden test in tests/unit/lb/maglev_test.cpp that exists to catch it:
//
//   hash:    XXH64 (xxHash, 64-bit, as in its specification; libxxhash) of the key's bytes as
//            given, no terminator, no normalisation.
//   offset = XXH64(key, kMaglevOffsetSeed) mod size
//   skip   = XXH64(key, kMaglevSkipSeed) mod (size - 1) + 1
//            A backend's preference list is offset, offset + skip, offset + 2·skip, ... (mod size):
//            a permutation of the table, since size is prime and 0 < skip < size.
//   order:   backends with weight > 0, sorted by key (bytewise, unsigned, as std::string's
//            operator<), are ranked 0, 1, 2, ...; their order in the input plays no part.
//   claims:  W is the largest weight. Backend b of weight w makes its k-th claim (k = 1, 2, ...)
//            in round ceil(k·W / w); claims are served in order of round, then of rank. A claim
//            takes the first entry of the backend's preference list that is still free. The
//            table is done when every entry is taken. (With all weights equal this is the
//            paper's round robin; in general it is Katran's cumulative-weight round robin.)
//
// Shares: a backend of weight w gets size·w / S entries (S: the sum of the weights), at most
// 2 + N·w / S entries off (N: the backends with a weight), so within N + 2 entries.
// Disruption: when a backend leaves (or its weight drops to 0), its entries go to the others and
// a small fraction of the others' entries move between them as well (Maglev is close to, not at,
// minimal disruption): about 0.25 % of the table on average, under 1 % at worst, for 10 backends
// at the default size; likewise when one joins. The tests bound both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xvip::lb {

// Prime. Large enough against the number of backends that shares stay even (the paper asks for a
// size well above 100 × the backends).
inline constexpr std::uint32_t kMaglevDefaultSize = 65537;
// An entry that no backend holds: all of them when no backend has a weight.
inline constexpr std::uint16_t kNoBackend = 0xffff;
// The largest table: 2^24 entries, 32 MiB while it is built. Bounds what a configuration can make
// the daemon allocate.
inline constexpr std::uint32_t kMaglevMaxSize = 1u << 24;
// At most this many backends (weight 0 or not), so every index fits in an entry beside kNoBackend.
inline constexpr std::size_t kMaglevMaxBackends = 65534;

// Part of the cross-host contract (see above): never change them.
inline constexpr std::uint64_t kMaglevOffsetSeed = 0x7876'6970'2d6f'6666;  // "xvip-off"
inline constexpr std::uint64_t kMaglevSkipSeed = 0x7876'6970'2d73'6b70;    // "xvip-skp"

struct MaglevBackend {
    std::string key;           // stable identity, e.g. "192.0.2.21:8080"; unique among the backends
    std::uint32_t weight = 1;  // share of the table, relative to the others; 0: none
};

// The table: `size` entries, each an index into `backends` as given, or kNoBackend everywhere when
// no backend has a weight. Depends only on the set of (key, weight) pairs, not on their order in
// `backends` nor on the host.
// Throws std::invalid_argument, naming the problem, when size is not prime, when it is above
// kMaglevMaxSize, when it is not greater than the number of backends with a weight, when two backends have the same
// key, or when there are more than kMaglevMaxBackends backends.
std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevBackend> backends,
                                              std::uint32_t size = kMaglevDefaultSize);

}  // namespace xvip::lb
