#include "hostfs/rooted_host_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "common/text.h"

namespace kubemonitor::hostfs {
namespace {

// One read(2) per chunk; most procfs and cgroup files fit in one (a 64-cpu /proc/stat is about
// 8 KiB, a v1 memory.stat about 1.5 KiB). The chunk lives on the stack.
constexpr size_t kReadChunkBytes = 16 * 1024;

// Closes a file descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd_); }  // close(2) on Linux always frees the fd, even on EINTR: no retry.

 private:
  int fd_;
};

class DirCloser {
 public:
  explicit DirCloser(DIR* dir) : dir_(dir) {}
  DirCloser(const DirCloser&) = delete;
  DirCloser& operator=(const DirCloser&) = delete;
  ~DirCloser() { ::closedir(dir_); }

 private:
  DIR* dir_;
};

bool isDirectory(DIR* dir, const dirent& entry) {
  if (entry.d_type != DT_UNKNOWN) return entry.d_type == DT_DIR;
  // Some filesystems (older XFS, some overlay set-ups) do not fill d_type.
  struct stat st {};
  if (::fstatat(::dirfd(dir), entry.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  return S_ISDIR(st.st_mode);
}

// pread(2) from offset 0 on a descriptor held open; ENODEV (kernfs node removed) and ESRCH
// (process exited) mean the object is gone.
class RootedRereadableFile final : public RereadableFile {
 public:
  RootedRereadableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~RootedRereadableFile() override { ::close(fd_); }
  RootedRereadableFile(const RootedRereadableFile&) = delete;
  RootedRereadableFile& operator=(const RootedRereadableFile&) = delete;

  Result<std::string_view> read(std::string& buffer, size_t max_bytes) override {
    buffer.clear();
    char chunk[kReadChunkBytes];
    for (;;) {
      const size_t remaining = max_bytes - buffer.size();
      const size_t want = remaining >= kReadChunkBytes ? kReadChunkBytes : remaining + 1;
      ssize_t n = 0;
      do {
        n = ::pread(fd_, chunk, want, static_cast<off_t>(buffer.size()));
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        Error error = errnoError(errno, "pread", path_);
        if (errno == ENODEV || errno == ESRCH || errno == ENOENT) error.code = ErrorCode::kVanished;
        return error;
      }
      if (n == 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      if (buffer.size() > max_bytes) {
        return makeError(ErrorCode::kTooLarge, "file exceeds " + std::to_string(max_bytes) + " bytes", path_);
      }
      // A seq_file read fills the buffer until the content ends, so a short read is the end:
      // no second pread just to see 0 (half the system calls of a cycle).
      if (static_cast<size_t>(n) < want) break;
    }
    return std::string_view(buffer);
  }

 private:
  int fd_;
  std::string path_;  // for error messages
};

}  // namespace

RootedHostFs::RootedHostFs(std::filesystem::path root) : paths_(std::move(root)) {}

Error RootedHostFs::syscallError(int errno_value, std::string_view what,
                                 const std::filesystem::path& path) const {
  Error error = errnoError(errno_value, what, path.string());
  if (errno_value != ENOENT) return error;
  // Is `path` <root>/proc/<pid> or below? Then tell "the pid exited" from "no such file".
  const std::filesystem::path relative = path.lexically_relative(paths_.proc());
  auto it = relative.begin();
  if (relative.empty() || it == relative.end()) return error;
  const std::string pid = it->string();
  if (!text::parseUint64(pid)) return error;
  struct stat st {};
  if (::stat((paths_.proc() / pid).c_str(), &st) != 0 && errno == ENOENT) {
    error.code = ErrorCode::kVanished;
    error.message = std::string(what) + ": process " + pid + " exited";
  }
  return error;
}

Result<std::string> RootedHostFs::readFile(const std::filesystem::path& path, size_t max_bytes) const {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return syscallError(errno, "open", path);
  FdCloser closer(fd);

  // Chunks land in a stack buffer and only the bytes read are appended: sizing the string up
  // front would zero-fill a whole chunk per read, which dominated the cost of a cgroup file.
  std::string content;
  char chunk[kReadChunkBytes];
  for (;;) {
    // Read at most one byte past the cap, so that a file of exactly max_bytes still succeeds.
    // Invariant here: content.size() <= max_bytes (written so that SIZE_MAX cannot overflow).
    const size_t remaining = max_bytes - content.size();
    const size_t want = remaining >= kReadChunkBytes ? kReadChunkBytes : remaining + 1;
    ssize_t n = 0;
    do {
      n = ::read(fd, chunk, want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return syscallError(errno, "read", path);
    if (n == 0) break;
    content.append(chunk, static_cast<size_t>(n));
    if (content.size() > max_bytes) {
      return makeError(ErrorCode::kTooLarge, "file exceeds " + std::to_string(max_bytes) + " bytes",
                       path.string());
    }
  }
  return content;
}

Result<std::vector<DirEntry>> RootedHostFs::listDir(const std::filesystem::path& path) const {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return syscallError(errno, "opendir", path);
  DirCloser closer(dir);

  std::vector<DirEntry> entries;
  for (;;) {
    errno = 0;  // readdir(3): NULL with errno unchanged means the end, with errno set an error.
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) return syscallError(errno, "readdir", path);
      break;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    entries.push_back(DirEntry{std::string(name), isDirectory(dir, *entry)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

Result<uint64_t> RootedHostFs::linkCount(const std::filesystem::path& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return syscallError(errno, "stat", path);
  return static_cast<uint64_t>(st.st_nlink);
}

Result<std::string> RootedHostFs::readLink(const std::filesystem::path& path) const {
  // Link targets under /proc are short ("net:[4026531840]"); PATH_MAX covers any other.
  std::string target(PATH_MAX, '\0');
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
  if (n < 0) return syscallError(errno, "readlink", path);
  target.resize(static_cast<size_t>(n));
  return target;
}

Result<FsStats> RootedHostFs::fsStats(const std::filesystem::path& path) const {
  struct statvfs vfs {};
  int rc = 0;
  do {
    rc = ::statvfs(path.c_str(), &vfs);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return syscallError(errno, "statvfs", path);
  const uint64_t fragment_bytes = vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize;
  FsStats stats;
  stats.capacity_bytes = static_cast<uint64_t>(vfs.f_blocks) * fragment_bytes;
  stats.free_bytes = static_cast<uint64_t>(vfs.f_bfree) * fragment_bytes;
  stats.available_bytes = static_cast<uint64_t>(vfs.f_bavail) * fragment_bytes;
  return stats;
}

Result<std::unique_ptr<RereadableFile>> RootedHostFs::openRereadable(const std::filesystem::path& path) const {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return syscallError(errno, "open", path);
  return std::unique_ptr<RereadableFile>(std::make_unique<RootedRereadableFile>(fd, path.string()));
}

}  // namespace kubemonitor::hostfs
