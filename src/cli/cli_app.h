#pragma once
// The `kubemonitor` command line (CLI11): `top …` and `completion …`. apps/kubemonitor/main.cpp
// only calls runCli.

namespace kubemonitor::cli {

// Parses argv, runs the command, returns the exit status (api_client.h: 0, 1 usage, 2 unreachable).
int runCli(int argc, char** argv);

}  // namespace kubemonitor::cli
