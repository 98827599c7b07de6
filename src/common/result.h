#pragma once
// Errors are values (DESIGN rule 6). Result<T> is shaped like std::expected<T, Error>, which GCC 12
// offers only in C++23 mode.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kubemonitor {

enum class ErrorCode {
  kInvalidArgument,  // a caller passed something unusable (bad flag, bad query parameter)
  kParse,            // input text or bytes do not follow their format
  kTruncated,        // input ended before a complete record
  kNotFound,         // file, object or route does not exist
  kVanished,         // a pid or cgroup disappeared while we read it (rule 5: data, not failure)
  kPermission,       // EACCES / EPERM
  kIo,               // any other system-call failure
  kTooLarge,         // input exceeds a configured limit
  kUnavailable,      // a peer (server, API) cannot be reached right now
  kInternal,         // a bug: an invariant did not hold
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // what went wrong, for a human
  std::string subject;  // the path, input or name it concerns; may be empty

  // "parse: bad number (/proc/stat)"
  std::string toString() const;
};

Error makeError(ErrorCode code, std::string message, std::string subject = {});
// An Error for a failed system call: maps errno to a code and appends strerror.
Error errnoError(int errno_value, std::string_view what, std::string subject = {});

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T valueOr(T fallback) const { return ok() ? std::get<0>(state_) : std::move(fallback); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace kubemonitor
