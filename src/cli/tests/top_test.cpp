// runTop against a scripted peer: the fallbacks for a server older than fleet windows and
// container routes, which the real server of this tree (cli_e2e_test) no longer needs.

#include "cli/top.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/testing/scripted_http_server.h"

namespace kubemonitor::cli {
namespace {

using testing::ScriptedHttpServer;

struct Output {
  int exit_code = 0;
  std::string out, err;
};

Output run(const TopOptions& options, const std::string& server) {
  ConnectionOptions connection;
  connection.server = server;
  connection.timeout = std::chrono::seconds(10);
  ApiClient client(connection);
  char* out_text = nullptr;
  char* err_text = nullptr;
  size_t out_size = 0, err_size = 0;
  std::FILE* out = open_memstream(&out_text, &out_size);
  std::FILE* err = open_memstream(&err_text, &err_size);
  Output result;
  result.exit_code = runTop(options, client, out, err);
  std::fclose(out);
  std::fclose(err);
  result.out.assign(out_text, out_size);
  result.err.assign(err_text, err_size);
  std::free(out_text);
  std::free(err_text);
  return result;
}

// "GET /api/nodes?window=1h HTTP/1.1" → "/api/nodes?window=1h".
std::string target(const testing::ReceivedRequest& request) {
  const size_t start = request.head.find(' ') + 1;
  return request.head.substr(start, request.head.find(' ', start) - start);
}

TopOptions nodesOverAnHour() {
  TopOptions options;
  options.kind = ObjectKind::kNode;
  options.window = "1h";
  options.window_seconds = 3600;
  return options;
}

TEST(TopFallbacks, ListWithoutPointsTakesEachObjectsSeries) {
  ScriptedHttpServer server;
  // A server before fleet windows ignored `window` on lists: the items come without points.
  server.push({ScriptedHttpServer::reply(200, R"({"items":[{"kind":"node","name":"n1","cpu_millicores":300}]})")});
  server.push({ScriptedHttpServer::reply(
      200, R"({"kind":"node","name":"n1","cpu_millicores":300,"window":3600,"step":5,)"
           R"("points":[{"cpu_millicores":100},{"cpu_millicores":200},{"cpu_millicores":300}]})")});
  const Output output = run(nodesOverAnHour(), server.url(""));
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_NE(output.out.find("▁▅█      100m/200m/300m"), std::string::npos) << output.out;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(target(requests[0]),
            "/api/nodes?window=1h&fields=cpu_millicores%2Cmemory_working_set_bytes%2Cnetwork_rx_bytes_per_sec%2C"
            "network_tx_bytes_per_sec%2Cdisk_read_bytes_per_sec%2Cdisk_write_bytes_per_sec");
  EXPECT_EQ(target(requests[1]), "/api/nodes/n1?window=1h");
}

TEST(TopFallbacks, RefusedFieldsAreAskedAgainWithout) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(400, R"({"error":"bad_request","message":"fields: unknown field"})")});
  server.push({ScriptedHttpServer::reply(
      200, R"({"items":[{"kind":"node","name":"n1","cpu_millicores":5,"points":[{"cpu_millicores":5}]}]})")});
  const Output output = run(nodesOverAnHour(), server.url(""));
  EXPECT_EQ(output.exit_code, 0) << output.err;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(target(requests[1]), "/api/nodes?window=1h");
  EXPECT_NE(output.out.find("5.0m/5.0m/5.0m"), std::string::npos) << output.out;
}

TEST(TopFallbacks, ContainersOnAServerWithoutTheRouteSaySo) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(
      404, R"({"error":"not_found","message":"no route for GET /api/pods/web-1/containers?namespace=shop"})")});
  TopOptions options;
  options.kind = ObjectKind::kContainer;
  options.name = "web-1";
  options.namespace_name = "shop";
  const Output output = run(options, server.url(""));
  EXPECT_EQ(output.exit_code, kExitUsage);
  EXPECT_EQ(output.err, "kubemonitor: " + server.url("") +
                            "/api/pods/web-1/containers?namespace=shop: this server has no container routes; "
                            "containers need a newer server\n");
}

TEST(TopFallbacks, AnAnswerThatIsNotTheApiIsExitTwo) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(200, "<html>a proxy's login page</html>")});
  TopOptions options;
  options.kind = ObjectKind::kNode;
  const Output output = run(options, server.url(""));
  EXPECT_EQ(output.exit_code, kExitUnreachable);
  EXPECT_NE(output.err.find("is this a kubemonitor server?"), std::string::npos) << output.err;
}

}  // namespace
}  // namespace kubemonitor::cli
