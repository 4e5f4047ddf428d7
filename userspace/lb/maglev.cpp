#include "lb/maglev.hpp"

#include <xxhash.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <stdexcept>

namespace xvip::lb {
namespace {

bool is_prime(std::uint32_t n) {
    if (n < 2) return false;
    for (std::uint64_t d = 2; d * d <= n; ++d) {
        if (n % d == 0) return false;
    }
    return true;
}

std::uint64_t key_hash(const std::string& key, std::uint64_t seed) {
    return XXH64(key.data(), key.size(), seed);
}

// One backend with a weight, in the order of its rank (by key).
struct Ranked {
    std::uint16_t index;  // into the caller's backends
    std::uint64_t weight;
    std::uint64_t offset;
    std::uint64_t skip;
    std::uint64_t position;  // the next entry of its preference list to try
    std::uint64_t claims = 0;
};

// A backend's next claim: served in order of round, then of rank.
struct Claim {
    std::uint64_t round;
    std::uint32_t rank;
    friend bool operator>(const Claim& a, const Claim& b) {
        return a.round != b.round ? a.round > b.round : a.rank > b.rank;
    }
};

// The round of the k-th claim of a backend of weight w when the largest weight is W: ceil(k·W / w).
// k ≤ size < 2^32 and W, w < 2^32, so k·W + w - 1 < 2^64.
std::uint64_t claim_round(std::uint64_t k, std::uint64_t max_weight, std::uint64_t weight) {
    return (k * max_weight + weight - 1) / weight;
}

}  // namespace

std::vector<std::uint16_t> build_maglev_table(std::span<const MaglevBackend> backends, std::uint32_t size) {
    if (backends.size() > kMaglevMaxBackends) {
        throw std::invalid_argument("maglev: " + std::to_string(backends.size()) + " backends, more than the " +
                                    std::to_string(kMaglevMaxBackends) + " a table can index");
    }
    if (!is_prime(size)) throw std::invalid_argument("maglev: table size " + std::to_string(size) + " is not prime");
    if (size > kMaglevMaxSize) {
        throw std::invalid_argument("maglev: table size " + std::to_string(size) + " is above the largest, " +
                                    std::to_string(kMaglevMaxSize));
    }

    // Every backend by key: duplicates sit side by side, and the rank order is this order.
    std::vector<std::uint16_t> by_key(backends.size());
    std::iota(by_key.begin(), by_key.end(), std::uint16_t{0});
    std::sort(by_key.begin(), by_key.end(),
              [&](std::uint16_t a, std::uint16_t b) { return backends[a].key < backends[b].key; });
    auto duplicate = std::adjacent_find(by_key.begin(), by_key.end(), [&](std::uint16_t a, std::uint16_t b) {
        return backends[a].key == backends[b].key;
    });
    if (duplicate != by_key.end()) {
        throw std::invalid_argument("maglev: duplicate backend key \"" + backends[*duplicate].key + "\"");
    }

    std::vector<Ranked> ranked;
    std::uint64_t max_weight = 0;
    for (std::uint16_t i : by_key) {
        const MaglevBackend& b = backends[i];
        if (b.weight == 0) continue;
        std::uint64_t offset = key_hash(b.key, kMaglevOffsetSeed) % size;
        std::uint64_t skip = key_hash(b.key, kMaglevSkipSeed) % (size - 1) + 1;
        ranked.push_back({i, b.weight, offset, skip, offset});
        max_weight = std::max<std::uint64_t>(max_weight, b.weight);
    }
    std::vector<std::uint16_t> table(size, kNoBackend);
    if (ranked.empty()) return table;
    if (ranked.size() >= size) {
        throw std::invalid_argument("maglev: table size " + std::to_string(size) + " is not greater than the " +
                                    std::to_string(ranked.size()) + " backends with a weight");
    }

    // The rounds of the contract, visited claim by claim rather than backend by backend, so that
    // a very uneven mix of weights costs no more than an even one.
    std::priority_queue<Claim, std::vector<Claim>, std::greater<>> pending;
    for (std::uint32_t rank = 0; rank < ranked.size(); ++rank) {
        pending.push({claim_round(1, max_weight, ranked[rank].weight), rank});
    }
    for (std::uint32_t filled = 0;;) {
        Claim claim = pending.top();
        pending.pop();
        Ranked& r = ranked[claim.rank];
        // The preference list is a permutation of the table, so a free entry is always found.
        while (table[r.position] != kNoBackend) r.position = (r.position + r.skip) % size;
        table[r.position] = r.index;
        r.position = (r.position + r.skip) % size;
        if (++filled == size) break;
        ++r.claims;
        pending.push({claim_round(r.claims + 1, max_weight, r.weight), claim.rank});
    }
    return table;
}

}  // namespace xvip::lb
