#include "common/files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/text.h"

namespace kubemonitor {

Status writeFileAtomically(const std::string& path, std::string_view content) {
  // The pid keeps two writers of the same file from sharing a temp file.
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc | std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return makeError(ErrorCode::kIo, "cannot write", temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;  // the rename error is the one worth reporting
    std::filesystem::remove(temp, ignored);
    return makeError(ErrorCode::kIo, "cannot rename into place: " + ec.message(), path);
  }
  return {};
}

Result<std::string> readTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read the token file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token(text::trim(buffer.str()));
  if (token.empty()) return makeError(ErrorCode::kInvalidArgument, "token file is empty", path);
  return token;
}

}  // namespace kubemonitor
