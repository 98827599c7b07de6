#pragma once
// Small files the binaries own (not host files: those go through hostfs): port files, heartbeat
// files, token files.

#include <string>
#include <string_view>

#include "common/result.h"

namespace kubemonitor {

// Writes `content` to a temp file beside `path` and renames it into place, so that a reader
// (a probe, a script) never sees half of it.
Status writeFileAtomically(const std::string& path, std::string_view content);

// A Bearer token from a file (a mounted Secret): surrounding whitespace and newlines dropped.
// kNotFound when unreadable, kInvalidArgument when empty.
Result<std::string> readTokenFile(const std::string& path);

}  // namespace kubemonitor
