// Status and Result<T>: how every fallible call below the HTTP layer reports failure.
// A Status carries a code (mapped once, in api/, to the envelope of docs/api.md, "Errors") and a
// message. For client errors (4xx) the message is safe to show to the caller; for Unavailable and
// Internal it is an operator-facing detail that goes to the log only.
// Plain values; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace opchat {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // 400
  kUnauthenticated,    // 401
  kPermissionDenied,   // 403
  kNotFound,           // 404
  kConflict,           // 409
  kResourceExhausted,  // a limit the request would pass (the caller decides what to answer)
  kInternal,           // 500
  kUnavailable,        // 503: storage unreachable or busy
};
// Refusals that only the HTTP and API layers make (405, 413, 415, 429, a full server) are not
// Status codes: see api/api.hpp, Refusal.

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains its absence.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok(): a Result holds a value or the reason it has none.
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok() (checked in debug builds, such as the sanitizer build).
  T& value() { return Checked(); }
  const T& value() const { return Checked(); }
  T& operator*() { return Checked(); }
  const T& operator*() const { return Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &Checked(); }

 private:
  T& Checked() {
    assert(value_.has_value() && "value of a failed Result");
    return *value_;
  }
  const T& Checked() const {
    assert(value_.has_value() && "value of a failed Result");
    return *value_;
  }

  std::optional<T> value_;
  Status status_;
};

inline const Status& StatusOf(const Status& s) { return s; }
template <class T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace opchat

// Returns the Status of `expr` (a Status or a Result) from the calling function when it is not OK.
#define RETURN_IF_ERROR(expr)                                                             \
  do {                                                                                    \
    /* a copy: `expr` may be a temporary Result */                                        \
    if (::opchat::Status opchat_status_ = ::opchat::StatusOf(expr); !opchat_status_.ok()) \
      return opchat_status_;                                                              \
  } while (0)

// `lhs = *expr` for a Result `expr`; returns its Status from the calling function when it failed.
// `lhs` may declare a variable: ASSIGN_OR_RETURN(auto chat, store.GetChat(id));
#define ASSIGN_OR_RETURN(lhs, expr) \
  OPCHAT_ASSIGN_OR_RETURN_(OPCHAT_CONCAT_(opchat_result_, __LINE__), lhs, expr)
#define OPCHAT_ASSIGN_OR_RETURN_(result, lhs, expr) \
  auto result = (expr);                             \
  if (!result.ok()) return result.status();         \
  lhs = std::move(*result)
#define OPCHAT_CONCAT_(a, b) OPCHAT_CONCAT_INNER_(a, b)
#define OPCHAT_CONCAT_INNER_(a, b) a##b
