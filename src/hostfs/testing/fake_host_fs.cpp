#include "hostfs/testing/fake_host_fs.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace kubemonitor::hostfs {
namespace {

std::filesystem::path normal(const std::filesystem::path& path) {
  std::filesystem::path p = path.lexically_normal();
  if (!p.has_filename() && p != p.root_path() && p.has_parent_path()) p = p.parent_path();
  return p;
}

}  // namespace

FakeHostFs::FakeHostFs(std::filesystem::path root) : paths_(std::move(root)) {}

void FakeHostFs::addFile(const std::filesystem::path& path, std::string content) {
  files_[normal(path)] = std::move(content);
}

void FakeHostFs::addDir(const std::filesystem::path& path) { dirs_.insert(normal(path)); }

void FakeHostFs::removeFile(const std::filesystem::path& path) { files_.erase(normal(path)); }

void FakeHostFs::setFsStats(const std::filesystem::path& path, FsStats stats) {
  fs_stats_[normal(path)] = stats;
}

void FakeHostFs::failWith(const std::filesystem::path& path, Error error) {
  failures_[normal(path)] = std::move(error);
}

const Error* FakeHostFs::failure(const std::filesystem::path& path) const {
  auto it = failures_.find(normal(path));
  return it == failures_.end() ? nullptr : &it->second;
}

Result<std::string> FakeHostFs::readFile(const std::filesystem::path& path, size_t max_bytes) const {
  if (const Error* error = failure(path)) return *error;
  auto it = files_.find(normal(path));
  if (it == files_.end()) {
    if (dirs_.count(normal(path)) > 0) return makeError(ErrorCode::kIo, "is a directory (fake)", path.string());
    return makeError(ErrorCode::kNotFound, "no such file (fake)", path.string());
  }
  if (it->second.size() > max_bytes) {
    return makeError(ErrorCode::kTooLarge, "file exceeds " + std::to_string(max_bytes) + " bytes",
                     path.string());
  }
  return it->second;
}

Result<std::vector<DirEntry>> FakeHostFs::listDir(const std::filesystem::path& path) const {
  if (const Error* error = failure(path)) return *error;
  const std::filesystem::path dir = normal(path);
  std::map<std::string, bool> children;  // name → is_directory; sorted, deduplicated
  bool exists = dirs_.count(dir) > 0;
  const auto visit = [&](const std::filesystem::path& entry, bool entry_is_dir) {
    const std::filesystem::path relative = entry.lexically_relative(dir);
    if (relative.empty() || relative == "." || *relative.begin() == "..") return;
    exists = true;  // something lives below `dir`, so `dir` exists implicitly
    const bool deeper = std::next(relative.begin()) != relative.end();
    children[relative.begin()->string()] |= deeper || entry_is_dir;
  };
  for (const auto& [file, content] : files_) visit(file, false);
  for (const auto& sub : dirs_) visit(sub, true);
  if (!exists) {
    if (files_.count(dir) > 0) return makeError(ErrorCode::kIo, "not a directory (fake)", path.string());
    return makeError(ErrorCode::kNotFound, "no such directory (fake)", path.string());
  }
  std::vector<DirEntry> entries;
  for (const auto& [name, is_directory] : children) entries.push_back(DirEntry{name, is_directory});
  return entries;
}

Result<FsStats> FakeHostFs::fsStats(const std::filesystem::path& path) const {
  if (const Error* error = failure(path)) return *error;
  auto it = fs_stats_.find(normal(path));
  if (it == fs_stats_.end()) return makeError(ErrorCode::kNotFound, "no fs stats set (fake)", path.string());
  return it->second;
}

void FakeHostFs::addLink(const std::filesystem::path& path, std::string target) {
  links_[normal(path)] = std::move(target);
}

Result<uint64_t> FakeHostFs::linkCount(const std::filesystem::path& path) const {
  if (const Error* error = failure(path)) return *error;
  if (files_.count(normal(path)) > 0) return uint64_t{1};
  auto entries = listDir(path);
  if (!entries) return entries.error();
  return 2 + static_cast<uint64_t>(std::count_if(entries->begin(), entries->end(),
                                                 [](const DirEntry& entry) { return entry.is_directory; }));
}

Result<std::string> FakeHostFs::readLink(const std::filesystem::path& path) const {
  if (const Error* error = failure(path)) return *error;
  auto it = links_.find(normal(path));
  if (it == links_.end()) return makeError(ErrorCode::kNotFound, "no such link (fake)", path.string());
  return it->second;
}

namespace {

class FakeRereadableFile final : public RereadableFile {
 public:
  FakeRereadableFile(const FakeHostFs& fs, std::filesystem::path path) : fs_(fs), path_(std::move(path)) {}
  Result<std::string_view> read(std::string& buffer, size_t max_bytes) override {
    auto content = fs_.readFile(path_, max_bytes);
    if (!content) {
      Error error = content.error();
      if (error.code == ErrorCode::kNotFound) error.code = ErrorCode::kVanished;  // removed after open
      return error;
    }
    buffer = std::move(*content);
    return std::string_view(buffer);
  }

 private:
  const FakeHostFs& fs_;
  std::filesystem::path path_;
};

}  // namespace

Result<std::unique_ptr<RereadableFile>> FakeHostFs::openRereadable(const std::filesystem::path& path) const {
  auto content = readFile(path);
  if (!content) return content.error();
  ++rereadable_opens_;
  return std::unique_ptr<RereadableFile>(std::make_unique<FakeRereadableFile>(*this, path));
}

}  // namespace kubemonitor::hostfs
