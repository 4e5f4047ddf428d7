// A BPF array of 64-bit words created with BPF_F_MMAPABLE, mapped into this process, so that each
// word is written with one atomic 64-bit store, without a syscall: the XDP program reads it whole,
// never half old and half new (a bpf_map_update_elem copies the value with memcpy, which may).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "dataplane/dataplane_error.hpp"

namespace xvip {

class MappedWords {
public:
    MappedWords() = default;
    // Maps `count` words of the array behind `map_fd`; `what` names it in the error.
    MappedWords(int map_fd, std::size_t count, const std::string& what) : count_(count) {
        const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        length_ = (count * sizeof(std::uint64_t) + page - 1) / page * page;
        void* memory = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
        if (memory == MAP_FAILED) throw DataplaneError("mapping " + what, errno);
        words_ = static_cast<std::uint64_t*>(memory);
    }
    MappedWords(MappedWords&& other) noexcept
        : words_(std::exchange(other.words_, nullptr)),
          count_(std::exchange(other.count_, 0)),
          length_(std::exchange(other.length_, 0)) {}
    MappedWords& operator=(MappedWords&& other) noexcept {
        if (this != &other) {
            reset();
            words_ = std::exchange(other.words_, nullptr);
            count_ = std::exchange(other.count_, 0);
            length_ = std::exchange(other.length_, 0);
        }
        return *this;
    }
    MappedWords(const MappedWords&) = delete;
    MappedWords& operator=(const MappedWords&) = delete;
    ~MappedWords() { reset(); }

    explicit operator bool() const { return words_ != nullptr; }
    std::size_t size() const { return count_; }

    std::uint64_t load(std::size_t index) const {
        return std::atomic_ref<std::uint64_t>(words_[index]).load(std::memory_order_acquire);
    }
    void store(std::size_t index, std::uint64_t word) {
        std::atomic_ref<std::uint64_t>(words_[index]).store(word, std::memory_order_release);
    }

    // Stores `desired` only if the word still holds `expected`; false (and nothing stored) otherwise.
    // The XDP program swaps words the same way (BPF_CMPXCHG), so neither overwrites the other unseen.
    bool compare_exchange(std::size_t index, std::uint64_t expected, std::uint64_t desired) {
        return std::atomic_ref<std::uint64_t>(words_[index])
            .compare_exchange_strong(expected, desired, std::memory_order_acq_rel);
    }

    void reset() {
        if (words_) munmap(words_, length_);
        words_ = nullptr;
        count_ = 0;
        length_ = 0;
    }

private:
    std::uint64_t* words_ = nullptr;
    std::size_t count_ = 0;
    std::size_t length_ = 0;
};

}  // namespace xvip
