// What a codec function returns when hostile or invalid input is an ordinary outcome rather than a
// bug: either the value or the reason there is none. std::expected is not in GCC 12's library.
#pragma once

#include <utility>
#include <variant>

namespace xvip {

template <typename Value, typename Error>
class [[nodiscard]] ValueOrError {
public:
    ValueOrError(Value value) : state_(std::in_place_index<0>, std::move(value)) {}
    ValueOrError(Error error) : state_(std::in_place_index<1>, error) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    // Precondition: has_value(). Calling these on an error is a bug in the caller.
    const Value& value() const& { return *std::get_if<0>(&state_); }
    Value& value() & { return *std::get_if<0>(&state_); }
    Value&& value() && { return std::move(*std::get_if<0>(&state_)); }
    const Value* operator->() const { return std::get_if<0>(&state_); }
    const Value& operator*() const& { return value(); }

    // Precondition: !has_value().
    Error error() const { return *std::get_if<1>(&state_); }

private:
    std::variant<Value, Error> state_;
};

}  // namespace xvip
