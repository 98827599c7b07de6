// kubemonitor: the command line of DESIGN §1 (`kubemonitor top …`), against a kubemonitor server.

#include <exception>
#include <cstdio>

#include "cli/api_client.h"
#include "cli/cli_app.h"

int main(int argc, char** argv) {
  try {
    return kubemonitor::cli::runCli(argc, argv);
  } catch (const std::exception& e) {  // rule 6: exceptions stop here
    std::fprintf(stderr, "kubemonitor: %s\n", e.what());
    return kubemonitor::cli::kExitUnreachable;
  }
}
