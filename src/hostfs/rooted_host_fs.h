#pragma once
// RootedHostFs: HostFs over the real filesystem under a host root ("/" or "/host"), with plain
// system calls (open/read/close retried on EINTR, opendir/readdir, statvfs).
//
// Thread safety: holds no mutable state; one instance may be used from many threads at once.

#include <filesystem>

#include "hostfs/host_fs.h"

namespace kubemonitor::hostfs {

class RootedHostFs final : public HostFs {
 public:
  explicit RootedHostFs(std::filesystem::path root);

  const HostPaths& paths() const override { return paths_; }
  Result<std::string> readFile(const std::filesystem::path& path,
                               size_t max_bytes = kDefaultMaxFileBytes) const override;
  Result<std::vector<DirEntry>> listDir(const std::filesystem::path& path) const override;
  Result<FsStats> fsStats(const std::filesystem::path& path) const override;
  Result<std::string> readLink(const std::filesystem::path& path) const override;
  Result<uint64_t> linkCount(const std::filesystem::path& path) const override;
  Result<std::unique_ptr<RereadableFile>> openRereadable(const std::filesystem::path& path) const override;

 private:
  // errnoError(), except that ENOENT below a pid directory that no longer exists is kVanished.
  Error syscallError(int errno_value, std::string_view what, const std::filesystem::path& path) const;

  HostPaths paths_;
};

}  // namespace kubemonitor::hostfs
