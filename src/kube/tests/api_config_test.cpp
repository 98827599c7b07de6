#include "kube/api_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace kubemonitor::kube {
namespace {

namespace fs = std::filesystem;

EnvLookup mapEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto found = values.find(std::string(name));
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kube_config_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
  }
  fs::path dir_;
};

TEST_F(ConfigTest, InCluster) {
  write("token", "eyJhbGciOiJSUzI1NiJ9.sa-token\n");
  write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  auto config = inClusterConfig(mapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), dir_);
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->base_url, "https://10.96.0.1:443");
  EXPECT_EQ(config->bearer_token, "eyJhbGciOiJSUzI1NiJ9.sa-token");
  EXPECT_EQ(config->bearer_token_file, (dir_ / "token").string());
  EXPECT_EQ(config->ca_file, (dir_ / "ca.crt").string());
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST_F(ConfigTest, InClusterIpv6HostGoesInBrackets) {
  write("token", "t");
  write("ca.crt", "ca");
  auto config = inClusterConfig(mapEnv({{"KUBERNETES_SERVICE_HOST", "fd00:10:96::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), dir_);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->base_url, "https://[fd00:10:96::1]:443");
}

TEST_F(ConfigTest, InClusterFailures) {
  auto outside = inClusterConfig(mapEnv({}), dir_);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, ErrorCode::kNotFound);

  const auto env = mapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  auto no_token = inClusterConfig(env, dir_);
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().code, ErrorCode::kNotFound);

  write("token", "t");
  auto no_ca = inClusterConfig(env, dir_);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(no_ca.error().subject, (dir_ / "ca.crt").string());

  write("ca.crt", "ca");
  auto bad_port = inClusterConfig(mapEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "https"}}), dir_);
  EXPECT_FALSE(bad_port.ok());
}

TEST(UrlConfig, ProxyUrls) {
  auto proxy = urlConfig("http://127.0.0.1:8001/");
  ASSERT_TRUE(proxy.ok());
  EXPECT_EQ(proxy->base_url, "http://127.0.0.1:8001");
  EXPECT_EQ(proxy->bearer_token, "");
  auto with_path = urlConfig("https://rancher.example.com/k8s/clusters/c-m-1");
  ASSERT_TRUE(with_path.ok());
  EXPECT_EQ(with_path->base_url, "https://rancher.example.com/k8s/clusters/c-m-1");
  for (const char* bad : {"", "127.0.0.1:8001", "ftp://host", "http://", "http://:8001", "http://h/?x=1"}) {
    auto config = urlConfig(bad);
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

constexpr const char* kKindKubeconfig = R"(apiVersion: v1
kind: Config
preferences: {}
current-context: kind-dev
clusters:
- cluster:
    server: https://old.example.com:6443
  name: old
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:39211
  name: kind-dev
contexts:
- context:
    cluster: old
    user: old
  name: old
- context:
    cluster: kind-dev
    user: dev-reader
    namespace: shop
  name: kind-dev
users:
- name: dev-reader
  user:
    token: abc.def.ghi
- name: old
  user:
    client-certificate-data: Zm9v
    client-key-data: YmFy
)";

TEST_F(ConfigTest, KubeconfigFollowsCurrentContext) {
  auto config = kubeconfigConfig(kKindKubeconfig, dir_);
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->base_url, "https://127.0.0.1:39211");
  EXPECT_EQ(config->bearer_token, "abc.def.ghi");
  EXPECT_EQ(config->ca_data_pem, "-----BEGIN CERTIFICATE-----\nMIIC");
  EXPECT_EQ(config->ca_file, "");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST_F(ConfigTest, KubeconfigClientCertificatesAreRefusedClearly) {
  std::string text = kKindKubeconfig;
  text.replace(text.find("current-context: kind-dev"), 25, "current-context: old");
  auto config = kubeconfigConfig(text, dir_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(config.error().message.find("only bearer-token users are supported"), std::string::npos);
}

TEST_F(ConfigTest, KubeconfigRelativeFilesAndInsecure) {
  write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  write("token.txt", "from-file\n");
  const std::string text = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://10.0.0.1:6443", certificate-authority: ca.pem, insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {tokenFile: token.txt}}]
)";
  auto config = kubeconfigConfig(text, dir_);
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->ca_file, (dir_ / "ca.pem").string());
  EXPECT_EQ(config->bearer_token, "from-file");
  EXPECT_EQ(config->bearer_token_file, (dir_ / "token.txt").string());
  EXPECT_TRUE(config->insecure_skip_tls_verify);

  write("kubeconfig", text);
  auto from_file = kubeconfigFileConfig(dir_ / "kubeconfig");
  ASSERT_TRUE(from_file.ok()) << from_file.error().toString();
  EXPECT_EQ(from_file->bearer_token, "from-file");
}

TEST_F(ConfigTest, KubeconfigProblems) {
  struct Case {
    const char* name;
    std::string yaml;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {"not yaml", "clusters: [unclosed", ErrorCode::kParse},
      {"scalar", "just text", ErrorCode::kInvalidArgument},
      {"no current context", "clusters: []", ErrorCode::kInvalidArgument},
      {"unknown context", "current-context: x\ncontexts: []", ErrorCode::kInvalidArgument},
      {"unknown cluster", "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]", ErrorCode::kInvalidArgument},
      {"bad server", "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: nowhere}}]",
       ErrorCode::kInvalidArgument},
      {"missing ca file",
       "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', certificate-authority: missing.pem}}]",
       ErrorCode::kNotFound},
      {"bad ca data",
       "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', certificate-authority-data: '!!!'}}]",
       ErrorCode::kInvalidArgument},
      {"exec plugin",
       "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://h'}}]\nusers: [{name: u, user: {exec: {command: aws}}}]",
       ErrorCode::kInvalidArgument},
      {"missing token file",
       "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://h'}}]\nusers: [{name: u, user: {tokenFile: nope}}]",
       ErrorCode::kNotFound},
  };
  for (const auto& c : cases) {
    auto config = kubeconfigConfig(c.yaml, dir_);
    ASSERT_FALSE(config.ok()) << c.name;
    EXPECT_EQ(config.error().code, c.code) << c.name << ": " << config.error().toString();
  }
  auto missing_file = kubeconfigFileConfig(dir_ / "absent");
  ASSERT_FALSE(missing_file.ok());
  EXPECT_EQ(missing_file.error().code, ErrorCode::kNotFound);
}

TEST(Base64, DecodesAndRejects) {
  EXPECT_EQ(decodeBase64("aGVsbG8=").valueOr("x"), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h").valueOr("x"), "hello!");
  EXPECT_EQ(decodeBase64("").valueOr("x"), "");
  EXPECT_FALSE(decodeBase64("a$==").ok());
  EXPECT_FALSE(decodeBase64("aGVsbG8=x").ok());
  EXPECT_FALSE(decodeBase64("a").ok());
}

}  // namespace
}  // namespace kubemonitor::kube
