#pragma once
// HostFs: the narrow read-only window onto the host's filesystem that collectors use (DESIGN
// rule 4). Five calls are all the agent needs; RootedHostFs makes real system calls, and
// testing/fake_host_fs.h is the map-backed double.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "hostfs/host_paths.h"

namespace kubemonitor::hostfs {

struct DirEntry {
  std::string name;           // the entry's name, no directory part; never "." or ".."
  bool is_directory = false;  // a symbolic link (e.g. /proc/self) is not a directory here
};

// statvfs(3) of one filesystem, in bytes (gauges).
struct FsStats {
  uint64_t capacity_bytes = 0;   // f_blocks × f_frsize
  uint64_t free_bytes = 0;       // f_bfree × f_frsize, including blocks reserved for root
  uint64_t available_bytes = 0;  // f_bavail × f_frsize, what an unprivileged writer can still use
};

// A file kept open and read again from offset 0 on every read(): kernel text files (cgroup
// interface files, /proc/<pid>/io) regenerate their content on each read from the start, so a
// collector that reads the same files every cycle skips the path walk and the open/close, which
// cost ~10 µs per file on cgroupfs, for ~1 µs. Each open file holds kernel memory (a seq_file
// page): callers bound how many they keep. The text lands in a buffer the caller owns, so
// thousands of kept files share one buffer instead of holding one each.
class RereadableFile {
 public:
  virtual ~RereadableFile() = default;
  // The whole file as of now, written over `buffer`; the view points into it. kVanished when the
  // object behind it is gone (a removed cgroup reads ENODEV, an exited process ESRCH);
  // kTooLarge beyond max_bytes.
  virtual Result<std::string_view> read(std::string& buffer, size_t max_bytes = size_t{1} << 20) = 0;
};

class HostFs {
 public:
  static constexpr size_t kDefaultMaxFileBytes = size_t{16} << 20;  // 16 MiB

  virtual ~HostFs() = default;

  virtual const HostPaths& paths() const = 0;

  // The whole file. Files under /proc report st_size 0, so this reads until EOF.
  // Errors:
  //   kNotFound   ENOENT / ENOTDIR;
  //   kVanished   ESRCH, and ENOENT under <root>/proc/<pid>/ when <root>/proc/<pid> itself is gone
  //               (the process exited: DESIGN rule 5, data not failure). A file missing under a
  //               live pid (e.g. io without CONFIG_TASK_IO_ACCOUNTING) stays kNotFound;
  //   kPermission EACCES / EPERM;
  //   kTooLarge   the file holds more than max_bytes;
  //   kIo         anything else.
  virtual Result<std::string> readFile(const std::filesystem::path& path,
                                       size_t max_bytes = kDefaultMaxFileBytes) const = 0;
  // The entries of one directory, sorted by name, without "." and "..". Same error codes.
  virtual Result<std::vector<DirEntry>> listDir(const std::filesystem::path& path) const = 0;
  // statvfs(3) of the filesystem holding `path`. Same error codes.
  virtual Result<FsStats> fsStats(const std::filesystem::path& path) const = 0;
  // The target of a symbolic link, e.g. "net:[4026531840]" for <root>/proc/<pid>/ns/net: two
  // processes share a network namespace exactly when these strings are equal. Same error codes.
  virtual Result<std::string> readLink(const std::filesystem::path& path) const = 0;
  // st_nlink of `path` (stat(2)). On cgroupfs (kernfs) a directory's is 2 + its subdirectories,
  // so a directory whose count did not change gained no child cgroup without losing one. Same
  // error codes.
  virtual Result<uint64_t> linkCount(const std::filesystem::path& path) const = 0;
  // Opens `path` for repeated reads (see RereadableFile). Same error codes as readFile.
  virtual Result<std::unique_ptr<RereadableFile>> openRereadable(const std::filesystem::path& path) const = 0;
};

}  // namespace kubemonitor::hostfs
