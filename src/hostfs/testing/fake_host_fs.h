#pragma once
// FakeHostFs: a map-backed HostFs for tests (DESIGN rule 4), after Envoy's fake filesystem.
// Paths are compared after lexical normalisation; the host root only feeds paths(), so tests
// build paths the way production code does: fs.addFile(fs.paths().procStat(), "...").
//
// Thread safety: none for the mutators; const calls may run concurrently once set up.

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "hostfs/host_fs.h"

namespace kubemonitor::hostfs {

class FakeHostFs final : public HostFs {
 public:
  explicit FakeHostFs(std::filesystem::path root = "/fakehost");

  // Adds or replaces a file. Its parent directories exist implicitly (listDir shows them).
  void addFile(const std::filesystem::path& path, std::string content);
  // Adds an (empty) directory.
  void addDir(const std::filesystem::path& path);
  // Removes a file, e.g. to simulate a pid that exited between two reads.
  void removeFile(const std::filesystem::path& path);
  void setFsStats(const std::filesystem::path& path, FsStats stats);
  // Adds or replaces a symbolic link whose target readLink returns verbatim.
  void addLink(const std::filesystem::path& path, std::string target);
  // From now on every call on exactly `path` returns `error` (EACCES, a vanished pid, ...).
  void failWith(const std::filesystem::path& path, Error error);

  const HostPaths& paths() const override { return paths_; }
  Result<std::string> readFile(const std::filesystem::path& path,
                               size_t max_bytes = kDefaultMaxFileBytes) const override;
  Result<std::vector<DirEntry>> listDir(const std::filesystem::path& path) const override;
  Result<FsStats> fsStats(const std::filesystem::path& path) const override;
  Result<std::string> readLink(const std::filesystem::path& path) const override;
  // Directories: 2 + their subdirectories (what kernfs reports); files: 1.
  Result<uint64_t> linkCount(const std::filesystem::path& path) const override;
  // Reads the map on every read(), so tests change a file between cycles with addFile; a removed
  // file or a failWith(kNotFound/kVanished) reads as kVanished, like a removed cgroup.
  Result<std::unique_ptr<RereadableFile>> openRereadable(const std::filesystem::path& path) const override;
  // How many openRereadable calls succeeded (tests check that files stay open across cycles).
  size_t rereadableOpens() const { return rereadable_opens_; }

 private:
  const Error* failure(const std::filesystem::path& path) const;

  HostPaths paths_;
  std::map<std::filesystem::path, std::string> files_;
  std::set<std::filesystem::path> dirs_;
  std::map<std::filesystem::path, FsStats> fs_stats_;
  std::map<std::filesystem::path, std::string> links_;
  std::map<std::filesystem::path, Error> failures_;
  mutable size_t rereadable_opens_ = 0;
};

}  // namespace kubemonitor::hostfs
