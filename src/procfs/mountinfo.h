#pragma once
// Parser for /proc/<pid>/mountinfo. Format: proc_pid_mountinfo(5) and Documentation/filesystems/
// proc.rst "3.5 /proc/<pid>/mountinfo - Information about mounts"
// (https://www.kernel.org/doc/html/latest/filesystems/proc.html#proc-pid-mountinfo-information-about-mounts):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2) (3)  (4)   (5)     (6)       (7...)  (8) (9)   (10)        (11)
// Space, tab, newline and backslash inside fields are written as octal escapes (\040 \011 \012
// \134, fs/proc_namespace.c mangle()); the parser decodes them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::procfs {

struct MountInfo {
  uint32_t mount_id = 0;   // (1) unique id of the mount
  uint32_t parent_id = 0;  // (2) id of the parent mount (itself for the root of the tree)
  uint32_t major = 0;      // (3) st_dev major of files on this filesystem
  uint32_t minor = 0;      // (3) st_dev minor
  std::string root;         // (4) the directory of the filesystem that forms this mount's root
  std::string mount_point;  // (5) where it is mounted, relative to the reader's root
  std::string mount_options;                 // (6) per-mount options ("rw,nosuid,relatime")
  std::vector<std::string> optional_fields;  // (7) "shared:5", "master:1", ...; may be empty
  std::string fs_type;                       // (9) "ext4", "cgroup", "cgroup2", "tmpfs", ...
  std::string source;                        // (10) filesystem-specific source, or "none"
  std::string super_options;                 // (11) per-superblock options ("rw,cpu,cpuacct")
};

// Errors: kTruncated (empty, no final newline, too few fields, nothing after the "-"
// separator), kParse (bad number, no separator, extra fields). Error subjects are "mountinfo".
Result<std::vector<MountInfo>> parseMountinfo(std::string_view text);

// Decodes mountinfo's octal escapes ("\040" → ' '); anything else is copied unchanged.
std::string decodeMountinfoEscapes(std::string_view field);

}  // namespace kubemonitor::procfs
