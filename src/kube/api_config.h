#pragma once
// Where the Kubernetes API is and how to authenticate to it: in-cluster service account,
// `kubectl proxy` URL, or a kubeconfig file (DESIGN §2 --kube-api / --kubeconfig).
// Facts from the environment are passed in (DESIGN rule 3): env lookup and paths are parameters.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::kube {

struct KubeApiConfig {
  std::string base_url;      // "https://10.96.0.1:443", no trailing slash
  std::string bearer_token;  // empty: no Authorization header (kubectl proxy)
  // When set, the token is re-read from this file before each request: projected service-account
  // tokens are rotated by the kubelet (about hourly), so a token read once at start expires.
  std::string bearer_token_file;
  std::string ca_file;       // PEM bundle that verifies the API server
  std::string ca_data_pem;   // the same, inline (kubeconfig certificate-authority-data, decoded)
  bool insecure_skip_tls_verify = false;
};

// Environment variable lookup; tests pass a map-backed one.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// getenv(3).
EnvLookup processEnvLookup();

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// KUBERNETES_SERVICE_HOST/PORT + <sa_dir>/token + <sa_dir>/ca.crt. kNotFound when not in a
// cluster (variables unset) or a file is missing.
Result<KubeApiConfig> inClusterConfig(const EnvLookup& env,
                                      std::filesystem::path sa_dir = std::filesystem::path(kServiceAccountDir));

// "http://127.0.0.1:8001" (kubectl proxy) or any http(s) URL, no credentials.
Result<KubeApiConfig> urlConfig(std::string url);

// A kubeconfig document: current-context → context → cluster + user. Relative file paths are
// resolved against `kubeconfig_dir`. Users must authenticate with a bearer token (token or
// tokenFile): client certificates, exec and auth-provider plugins are kInvalidArgument.
Result<KubeApiConfig> kubeconfigConfig(std::string_view yaml_text, std::filesystem::path kubeconfig_dir);
// Reads the file and calls kubeconfigConfig with its directory.
Result<KubeApiConfig> kubeconfigFileConfig(const std::filesystem::path& kubeconfig_path);

// RFC 4648 base64 (whitespace ignored); kParse on anything else.
Result<std::string> decodeBase64(std::string_view text);

}  // namespace kubemonitor::kube
