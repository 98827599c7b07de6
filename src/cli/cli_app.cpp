#include "cli/cli_app.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/completion.h"
#include "cli/top.h"
#include "common/text.h"
#include "common/time_format.h"

namespace kubemonitor::cli {
namespace {

constexpr const char* kExamples = R"(
Examples:
  kubemonitor top nodes
  kubemonitor top pods -A --sort-by cpu --limit 10
  kubemonitor top pods -n shop --window 1h            # sparklines and min/avg/max over the last hour
  kubemonitor top pod web-1 -n shop --window 6h       # a chart per metric
  kubemonitor top containers -n shop --sort-by throttling
  kubemonitor top deployments -A --sum -o wide
  kubemonitor top namespaces -w                        # refresh in place; Ctrl-C to stop
  kubemonitor top pods -A -o json | jq '.items[].name'
  source <(kubemonitor completion bash)

Environment: KUBEMONITOR_SERVER (default http://127.0.0.1:8080), NO_COLOR.
Exit status: 0 ok, 1 usage error (also an unknown or ambiguous name, a refused token),
2 the server cannot be reached.
)";

struct CommandLine {
  TopOptions top;
  ConnectionOptions connection;
  std::string token_file;
  std::string sort = "name";
  std::string output = "table";
};

bool colourWanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(fd) == 1;
}

size_t terminalWidth(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    if (auto parsed = text::parseUint64(columns); parsed && *parsed > 0) return *parsed;
  }
  return 80;
}

// The flags every `top` kind takes (on each, so that `top pods --help` lists them all).
void addTopFlags(CLI::App& command, CommandLine& line) {
  TopOptions& top = line.top;
  command.add_option("--server", line.connection.server, "kubemonitor server URL")
      ->envname("KUBEMONITOR_SERVER")
      ->default_val(line.connection.server);
  command.add_option("--token-file", line.token_file, "file with the server's query token (Bearer)")
      ->check(CLI::ExistingFile);
  command.add_option("--ca-file", line.connection.ca_file, "PEM CA bundle to verify an https:// server")
      ->check(CLI::ExistingFile);
  auto* ns = command.add_option("-n,--namespace", top.namespace_name, "namespace (default: \"default\" for lists)");
  command.add_flag("-A,--all-namespaces", top.all_namespaces, "every namespace")->excludes(ns);
  command.add_option("--node", top.node, "only objects on this node");
  command.add_option("--deployment", top.deployment, "only pods (containers, deployments) of this Deployment");
  command.add_option("--sort-by", line.sort, "cpu, memory, name, network, disk or throttling (largest first)")
      ->check(CLI::IsMember({"cpu", "memory", "name", "network", "disk", "throttling"}));
  command.add_flag("--sum", top.sum, "add a TOTAL row (of every selected object, before --limit)");
  command.add_flag("--no-headers", [&top](int64_t) { top.headers = false; }, "no header row");
  command.add_option("--limit", top.limit, "show the first N rows only")->check(CLI::PositiveNumber);
  command.add_option("--window", top.window, "history over this window (e.g. 15m, 1h, 6h): sparklines and min/avg/max");
  command.add_flag("-w,--watch", top.watch, "refresh in place at the agents' interval; Ctrl-C to stop");
  command.add_option("-o,--output", line.output, "table, wide, json, yaml or csv")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml", "csv"}));
}

std::string commandTitle(int argc, char** argv) {
  std::string title = "kubemonitor";
  for (int i = 1; i < argc; ++i) title += std::string(" ") + argv[i];
  return title;
}

}  // namespace

int runCli(int argc, char** argv) {
  CLI::App app{"kubemonitor: resource usage of a Kubernetes cluster from a kubemonitor server, with history"};
  app.footer(kExamples);
  app.require_subcommand(1);
  CommandLine line;
  if (const char* server = std::getenv("KUBEMONITOR_SERVER"); server != nullptr && *server != '\0') {
    line.connection.server = server;
  }

  CLI::App* top = app.add_subcommand("top", "usage of nodes, pods, containers, namespaces or deployments");
  top->footer(kExamples);
  top->require_subcommand(1);
  struct KindCommand {
    const char* name;
    std::vector<const char*> aliases;
    ObjectKind kind;
    const char* description;
    const char* positional;
  };
  const std::vector<KindCommand> kinds{
      {"nodes", {"node", "no"}, ObjectKind::kNode, "nodes; `top node NAME` charts one", "NAME"},
      {"pods", {"pod", "po"}, ObjectKind::kPod, "pods; `top pod NAME` charts one", "NAME"},
      {"containers", {"container"}, ObjectKind::kContainer, "containers of the selected pods, or of POD", "POD"},
      {"namespaces", {"namespace", "ns"}, ObjectKind::kNamespace, "namespaces; `top namespace NAME` charts one", "NAME"},
      {"deployments", {"deployment", "deploy"}, ObjectKind::kDeployment,
       "deployments; `top deployment NAME` charts one", "NAME"},
  };
  std::map<CLI::App*, ObjectKind> kind_of;
  for (const auto& k : kinds) {
    CLI::App* command = top->add_subcommand(k.name, k.description);
    for (const char* alias : k.aliases) command->alias(alias);
    command->footer(kExamples);
    command->add_option(k.positional, line.top.name, k.positional == std::string("POD") ? "one pod's containers" : "one object: a chart per metric over --window (default 1h)");
    addTopFlags(*command, line);
    kind_of[command] = k.kind;
  }

  std::string shell;
  CLI::App* completion = app.add_subcommand("completion", "print a shell completion script");
  completion->add_option("shell", shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (completion->parsed()) {
    std::fputs(completionScript(shell)->c_str(), stdout);
    return kExitOk;
  }
  for (const auto& [command, kind] : kind_of) {
    if (command->parsed()) line.top.kind = kind;
  }
  TopOptions& options = line.top;
  static const std::map<std::string, SortKey> kSort{{"name", SortKey::kName},       {"cpu", SortKey::kCpu},
                                                    {"memory", SortKey::kMemory},   {"network", SortKey::kNetwork},
                                                    {"disk", SortKey::kDisk},       {"throttling", SortKey::kThrottling}};
  static const std::map<std::string, OutputFormat> kOutput{{"table", OutputFormat::kTable}, {"wide", OutputFormat::kWide},
                                                           {"json", OutputFormat::kJson},   {"yaml", OutputFormat::kYaml},
                                                           {"csv", OutputFormat::kCsv}};
  options.sort = kSort.at(line.sort);
  options.output = kOutput.at(line.output);
  if (!options.window.empty()) {
    auto seconds = parseDurationSeconds(options.window);
    if (!seconds) {
      std::fprintf(stderr, "kubemonitor: --window %s: %s\n", options.window.c_str(), seconds.error().message.c_str());
      return kExitUsage;
    }
    options.window_seconds = *seconds;
  }
  if (!line.token_file.empty()) {
    if (auto failure = readTokenFile(line.token_file, line.connection.token)) {
      std::fprintf(stderr, "kubemonitor: %s\n", failure->message.c_str());
      return failure->exit_code;
    }
  }
  options.terminal = isatty(STDOUT_FILENO) == 1;
  options.colour = colourWanted(STDOUT_FILENO);
  options.terminal_width = terminalWidth(STDOUT_FILENO);
  options.title = commandTitle(argc, argv);
  ApiClient client(line.connection);
  return runTop(options, client, stdout, stderr);
}

}  // namespace kubemonitor::cli
