#include "agent/kube_setup.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "agent/kube_pod_names.h"
#include "common/testing/child_process.h"

namespace kubemonitor::agent {
namespace {

kube::EnvLookup envOf(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ResolveKubeApi, OffAndAutoOutsideACluster) {
  auto off = resolveKubeApi("off", "", envOf({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->has_value());
  auto outside = resolveKubeApi("auto", "", envOf({}));
  ASSERT_TRUE(outside.ok());
  EXPECT_FALSE(outside->has_value());
}

TEST(ResolveKubeApi, InClusterUsesTheServiceAccount) {
  testing::TempDir sa;
  std::ofstream(sa.path() + "/token") << "sa-token\n";
  std::ofstream(sa.path() + "/ca.crt") << "-----BEGIN CERTIFICATE-----\n";
  auto env = envOf({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  for (const std::string flag : {"in-cluster", "auto"}) {
    auto config = resolveKubeApi(flag, "", env, sa.path());
    ASSERT_TRUE(config.ok()) << config.error().toString();
    ASSERT_TRUE(config->has_value());
    EXPECT_EQ((*config)->base_url, "https://10.96.0.1:443");
  }
  auto missing = resolveKubeApi("in-cluster", "", envOf({}), sa.path());
  EXPECT_FALSE(missing.ok());
}

TEST(ResolveKubeApi, UrlKubeconfigAndGarbage) {
  auto url = resolveKubeApi("http://127.0.0.1:8001", "", envOf({}));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ((*url)->base_url, "http://127.0.0.1:8001");
  auto bad = resolveKubeApi("yes-please", "", envOf({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto no_file = resolveKubeApi("off", "/nonexistent/kubeconfig", envOf({}));
  EXPECT_FALSE(no_file.ok());  // an explicit kubeconfig wins over --kube-api, and must be readable
}

TEST(KubePodNames, MetadataBecomesNamesKeyedByContainerId) {
  kube::PodMetadata pod;
  pod.uid = "u1";
  pod.name = "web-5d9c7b-abcde";
  pod.namespace_name = "shop";
  pod.workload_kind = "Deployment";
  pod.workload_name = "web";
  pod.deployment = "web";
  pod.resources.cpu_limit_millicores = 500;
  pod.containers.push_back({"nginx", std::string(64, 'a'), {100, 500, 0, 1 << 20}});
  pod.containers.push_back({"sidecar", "", {}});  // not started: no id yet
  kube::PodCatalog catalog;
  catalog.replaceAll({{"u1", pod}});
  KubePodNameSource source(catalog);
  auto names = source.snapshot();
  ASSERT_EQ(names->size(), 1u);
  const PodNames& converted = names->at("u1");
  EXPECT_EQ(converted.name, "web-5d9c7b-abcde");
  EXPECT_EQ(converted.deployment, "web");
  EXPECT_EQ(converted.spec.cpu_limit_millicores, 500u);
  ASSERT_EQ(converted.containers_by_id.size(), 1u);
  EXPECT_EQ(converted.containers_by_id.at(std::string(64, 'a')).name, "nginx");
  EXPECT_EQ(source.snapshot().get(), names.get());  // unchanged catalog: the same conversion
  catalog.erase("u1");
  EXPECT_TRUE(source.snapshot()->empty());
}

}  // namespace
}  // namespace kubemonitor::agent
