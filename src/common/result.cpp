#include "common/result.h"

#include <cerrno>
#include <cstring>

namespace kubemonitor {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kParse: return "parse";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kVanished: return "vanished";
    case ErrorCode::kPermission: return "permission";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::toString() const {
  std::string out(errorCodeName(code));
  out += ": ";
  out += message;
  if (!subject.empty()) {
    out += " (";
    out += subject;
    out += ")";
  }
  return out;
}

Error makeError(ErrorCode code, std::string message, std::string subject) {
  return Error{code, std::move(message), std::move(subject)};
}

Error errnoError(int errno_value, std::string_view what, std::string subject) {
  ErrorCode code = ErrorCode::kIo;
  if (errno_value == ENOENT || errno_value == ENOTDIR) code = ErrorCode::kNotFound;
  if (errno_value == ESRCH) code = ErrorCode::kVanished;
  if (errno_value == EACCES || errno_value == EPERM || errno_value == EROFS) code = ErrorCode::kPermission;
  std::string message(what);
  message += ": ";
  message += std::strerror(errno_value);
  return Error{code, std::move(message), std::move(subject)};
}

}  // namespace kubemonitor
