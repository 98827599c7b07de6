#pragma once
// `kubemonitor completion bash|zsh|fish`: shell completion scripts for the commands and flags.

#include <optional>
#include <string>
#include <string_view>

namespace kubemonitor::cli {

// The script for `shell`; nullopt for a shell we do not know.
std::optional<std::string> completionScript(std::string_view shell);

}  // namespace kubemonitor::cli
