#include "agent/heartbeat.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "common/files.h"
#include "common/text.h"

namespace kubemonitor::agent {

Status writeHeartbeat(const std::filesystem::path& path, int64_t unix_seconds) {
  return writeFileAtomically(path.string(), std::to_string(unix_seconds) + "\n");
}

Status checkHeartbeat(const std::filesystem::path& path, int64_t now_unix_seconds, std::chrono::seconds max_age) {
  std::ifstream in(path);
  if (!in) return makeError(ErrorCode::kNotFound, "no heartbeat file (the agent never finished a cycle)", path.string());
  std::stringstream content;
  content << in.rdbuf();
  auto written = text::parseInt64(text::trim(content.str()));
  if (!written) return makeError(ErrorCode::kParse, "heartbeat file does not hold a Unix time", path.string());
  const int64_t age = now_unix_seconds - *written;
  if (age > max_age.count()) {
    return makeError(ErrorCode::kUnavailable,
                     "last cycle " + std::to_string(age) + " s ago (allowed " + std::to_string(max_age.count()) + " s)",
                     path.string());
  }
  return {};
}

}  // namespace kubemonitor::agent
