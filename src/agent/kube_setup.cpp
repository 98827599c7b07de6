#include "agent/kube_setup.h"

namespace kubemonitor::agent {

Result<std::optional<kube::KubeApiConfig>> resolveKubeApi(const std::string& kube_api, const std::string& kubeconfig,
                                                          const kube::EnvLookup& env,
                                                          const std::filesystem::path& service_account_dir) {
  using Answer = std::optional<kube::KubeApiConfig>;
  auto wrap = [](Result<kube::KubeApiConfig> config) -> Result<Answer> {
    if (!config) return config.error();
    return Answer{std::move(*config)};
  };
  if (!kubeconfig.empty()) return wrap(kube::kubeconfigFileConfig(kubeconfig));
  if (kube_api == "off") return Answer{};
  if (kube_api == "in-cluster") return wrap(kube::inClusterConfig(env, service_account_dir));
  if (kube_api.empty() || kube_api == "auto") {
    if (!env("KUBERNETES_SERVICE_HOST")) return Answer{};
    return wrap(kube::inClusterConfig(env, service_account_dir));
  }
  if (kube_api.starts_with("http://") || kube_api.starts_with("https://")) return wrap(kube::urlConfig(kube_api));
  return makeError(ErrorCode::kInvalidArgument, "--kube-api must be auto, in-cluster, off or an http(s) URL", kube_api);
}

}  // namespace kubemonitor::agent
