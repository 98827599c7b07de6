#include "cli/completion.h"

namespace kubemonitor::cli {
namespace {

// One list of words for the three shells, so that they offer the same things.
constexpr const char* kKinds = "nodes pods containers namespaces deployments";
constexpr const char* kFlags =
    "--server --token-file --ca-file --namespace -n --all-namespaces -A --node --deployment --sort-by --sum "
    "--no-headers --limit --window --watch -w --output -o --help -h";
constexpr const char* kSortKeys = "cpu memory name network disk throttling";
constexpr const char* kOutputs = "table wide json yaml csv";

std::string bash() {
  return std::string(R"(# kubemonitor bash completion: source <(kubemonitor completion bash)
_kubemonitor() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    kubemonitor) COMPREPLY=($(compgen -W "top completion --help" -- "$cur")); return ;;
    top) COMPREPLY=($(compgen -W ")") + kKinds + R"(" -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    --sort-by) COMPREPLY=($(compgen -W ")" + kSortKeys + R"(" -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -W ")" + kOutputs + R"(" -- "$cur")); return ;;
    --token-file|--ca-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W ")" + kFlags + R"(" -- "$cur"))
}
complete -F _kubemonitor kubemonitor
)";
}

std::string zsh() {
  return std::string(R"(#compdef kubemonitor
# kubemonitor zsh completion: source <(kubemonitor completion zsh)
_kubemonitor() {
  local -a words_here
  case "${words[CURRENT-1]}" in
    kubemonitor) words_here=(top completion --help) ;;
    top) words_here=()") + kKinds + R"() ;;
    completion) words_here=(bash zsh fish) ;;
    --sort-by) words_here=()" + kSortKeys + R"() ;;
    -o|--output) words_here=()" + kOutputs + R"() ;;
    --token-file|--ca-file) _files; return ;;
    *) words_here=()" + kFlags + R"() ;;
  esac
  compadd -- $words_here
}
compdef _kubemonitor kubemonitor
)";
}

std::string fish() {
  return std::string(R"(# kubemonitor fish completion: kubemonitor completion fish | source
complete -c kubemonitor -f
complete -c kubemonitor -n '__fish_use_subcommand' -a 'top completion'
complete -c kubemonitor -n '__fish_seen_subcommand_from top' -a ')") + kKinds + R"('
complete -c kubemonitor -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'
complete -c kubemonitor -l server -x -d 'server URL'
complete -c kubemonitor -l token-file -r -F -d 'query token file'
complete -c kubemonitor -l ca-file -r -F -d 'CA bundle for https'
complete -c kubemonitor -s n -l namespace -x -d 'namespace'
complete -c kubemonitor -s A -l all-namespaces -d 'every namespace'
complete -c kubemonitor -l node -x -d 'only this node'
complete -c kubemonitor -l deployment -x -d 'only this Deployment'
complete -c kubemonitor -l sort-by -x -a ')" + kSortKeys + R"('
complete -c kubemonitor -l sum -d 'add a total row'
complete -c kubemonitor -l no-headers -d 'no header row'
complete -c kubemonitor -l limit -x -d 'first N rows'
complete -c kubemonitor -l window -x -d 'history: 15m, 1h, 6h'
complete -c kubemonitor -s w -l watch -d 'refresh in place'
complete -c kubemonitor -s o -l output -x -a ')" + kOutputs + R"('
)";
}

}  // namespace

std::optional<std::string> completionScript(std::string_view shell) {
  if (shell == "bash") return bash();
  if (shell == "zsh") return zsh();
  if (shell == "fish") return fish();
  return std::nullopt;
}

}  // namespace kubemonitor::cli
