// HTTPS and tokens end to end: a server with a certificate made here by the openssl CLI, an
// ingest token and a query token; the real agent ships to it over TLS with --ca-file.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "common/testing/child_process.h"

namespace kubemonitor {
namespace {

using testing::ChildProcess;
using testing::TempDir;

std::string binDir() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return dir != nullptr ? dir : "build/bin";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TlsAuthTest : public ::testing::Test {
 protected:

  void SetUp() override {
    // A throw-away self-signed certificate for 127.0.0.1 (P-256, one day).
    ChildProcess openssl = ChildProcess::spawn(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key_, "-out", cert_, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
         "subjectAltName=IP:127.0.0.1"},
        dir_.path() + "/openssl.out", dir_.path() + "/openssl.err");
    ASSERT_EQ(openssl.waitExit(std::chrono::seconds(60)), std::optional<int>(0)) << readFile(dir_.path() + "/openssl.err");
    std::ofstream(ingest_token_file_) << "ingest-secret\n";
    std::ofstream(query_token_file_) << "query-secret\n";
    const std::string port_file = dir_.path() + "/port";
    server_.emplace(ChildProcess::spawn({binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir",
                                         dir_.path() + "/data", "--port-file", port_file, "--tls-cert", cert_,
                                         "--tls-key", key_, "--ingest-token-file", ingest_token_file_,
                                         "--query-token-file", query_token_file_},
                                        "", dir_.path() + "/server.log"));
    auto port = testing::waitForPortFile(port_file, std::chrono::seconds(20));
    ASSERT_TRUE(port.has_value()) << readFile(dir_.path() + "/server.log");
    port_ = *port;
  }

  std::string url(const std::string& scheme = "https") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

  TempDir dir_;
  const std::string cert_ = dir_.path() + "/cert.pem";
  const std::string key_ = dir_.path() + "/key.pem";
  const std::string ingest_token_file_ = dir_.path() + "/ingest-token";
  const std::string query_token_file_ = dir_.path() + "/query-token";
  std::optional<ChildProcess> server_;
  int port_ = 0;
};

TEST_F(TlsAuthTest, HttpsWithTokensForQueriesAndIngest) {
  HttpClient client(std::chrono::seconds(10), cert_);
  auto health = client.get(url() + "/health");
  ASSERT_TRUE(health.ok()) << health.error().toString();
  EXPECT_EQ(health->status, 200) << "health stays open for probes";

  auto anonymous = client.get(url() + "/api/nodes");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  auto wrong = client.get(url() + "/api/nodes", {"Authorization: Bearer ingest-secret"});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401) << "the ingest token does not open queries";
  auto right = client.get(url() + "/api/nodes", {"Authorization: Bearer query-secret"});
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->status, 200) << right->body;

  auto ingest = client.post(url() + "/api/ingest", "{}", {"Authorization: Bearer query-secret"});
  ASSERT_TRUE(ingest.ok());
  EXPECT_EQ(ingest->status, 401) << "the query token does not open ingest";
}

TEST_F(TlsAuthTest, ClientsThatDoNotTrustTheCertificateOrSpeakPlainHttpFail) {
  HttpClient system_trust;  // the system's CAs do not know our certificate
  EXPECT_FALSE(system_trust.get(url() + "/health").ok());
  HttpClient plain;
  auto response = plain.get(url("http") + "/health");
  EXPECT_TRUE(!response.ok() || response->status != 200);
  // The server survives both and still answers.
  HttpClient trusted(std::chrono::seconds(10), cert_);
  auto health = trusted.get(url() + "/health");
  ASSERT_TRUE(health.ok()) << health.error().toString();
  EXPECT_EQ(health->status, 200);
}

// The trust sources of a kubeconfig (certificate-authority-data, insecure-skip-tls-verify) and
// the name check: the certificate names IP 127.0.0.1 only.
TEST_F(TlsAuthTest, InMemoryCaInsecureModeAndTheNameCheck) {
  HttpClientOptions in_memory;
  in_memory.tls.ca_pem = readFile(cert_);
  HttpClient pem_client(in_memory);
  auto health = pem_client.get(url() + "/health");
  ASSERT_TRUE(health.ok()) << health.error().toString();
  EXPECT_EQ(health->status, 200);

  HttpClientOptions insecure;
  insecure.tls.insecure_skip_verify = true;
  HttpClient insecure_client(insecure);
  auto unverified = insecure_client.get(url() + "/health");
  ASSERT_TRUE(unverified.ok()) << unverified.error().toString();
  EXPECT_EQ(unverified->status, 200);

  // Trusted CA, wrong name: "localhost" is not in the certificate.
  HttpClient wrong_name(in_memory);
  auto mismatch = wrong_name.get("https://localhost:" + std::to_string(port_) + "/health");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, ErrorCode::kUnavailable);
}

TEST_F(TlsAuthTest, AgentShipsOverTlsWithItsToken) {
  const std::string node = "tls-node-" + std::to_string(getpid());
  ChildProcess agent = ChildProcess::spawn({binDir() + "/kubemonitor-agent", "--server", url(), "--ca-file", cert_,
                                            "--token-file", ingest_token_file_, "--interval", "0.5", "--node-name",
                                            node, "--host-root", "/"},
                                           "", dir_.path() + "/agent.log");
  HttpClient client(std::chrono::seconds(10), cert_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  long status = 0;
  while (std::chrono::steady_clock::now() < deadline && status != 200) {
    auto response = client.get(url() + "/api/nodes/" + node, {"Authorization: Bearer query-secret"});
    if (response.ok()) status = response->status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(status, 200) << readFile(dir_.path() + "/agent.log");
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.waitExit(std::chrono::seconds(15)), std::optional<int>(0));
}

}  // namespace
}  // namespace kubemonitor
