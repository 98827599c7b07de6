#pragma once
// Which Kubernetes API the agent asks for pod names (DESIGN §2 flags):
//   --kubeconfig PATH          that kubeconfig's current context (bearer-token users)
//   --kube-api in-cluster      the service account's token and CA, KUBERNETES_SERVICE_HOST/PORT
//   --kube-api URL             e.g. http://127.0.0.1:8001 from `kubectl proxy`, no credentials
//   --kube-api off             no API: pods are reported by UID
//   --kube-api auto (default)  in-cluster when KUBERNETES_SERVICE_HOST is set, else off

#include <optional>
#include <string>

#include "common/result.h"
#include "kube/api_config.h"

namespace kubemonitor::agent {

// nullopt: no API. Errors name the flag and the reason (missing token, unreadable kubeconfig, ...).
Result<std::optional<kube::KubeApiConfig>> resolveKubeApi(const std::string& kube_api, const std::string& kubeconfig,
                                                          const kube::EnvLookup& env,
                                                          const std::filesystem::path& service_account_dir =
                                                              std::filesystem::path(kube::kServiceAccountDir));

}  // namespace kubemonitor::agent
