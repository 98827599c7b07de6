#include "kube/api_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/files.h"

namespace kubemonitor::kube {
namespace {

Error configError(std::string message, std::string subject = {}) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message), std::move(subject));
}

std::filesystem::path resolve(const std::filesystem::path& dir, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : dir / p;
}

Result<std::string> readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read file", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The entry of a named list ("clusters", "contexts", "users") whose "name" is `name`; its inner
// map (key "cluster"/"context"/"user") is returned.
Result<YAML::Node> namedEntry(const YAML::Node& root, const char* list, const char* inner, const std::string& name) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& entry : entries) {
      if (entry.IsMap() && entry["name"] && entry["name"].as<std::string>() == name) {
        const YAML::Node value = entry[inner];
        if (!value || !value.IsMap()) {
          // A user with no fields ("user: {}") is valid: kubectl proxy style, no credentials.
          return YAML::Node(YAML::NodeType::Map);
        }
        return value;
      }
    }
  }
  return configError(std::string("kubeconfig has no ") + inner + " named \"" + name + "\"", list);
}

std::string scalarOr(const YAML::Node& map, const char* key, std::string fallback = {}) {
  const YAML::Node value = map[key];
  if (!value || !value.IsScalar()) return fallback;
  return value.as<std::string>();
}

Result<KubeApiConfig> kubeconfigFromYaml(const YAML::Node& root, const std::filesystem::path& dir) {
  if (!root.IsMap()) return configError("kubeconfig is not a YAML mapping");
  const std::string context_name = scalarOr(root, "current-context");
  if (context_name.empty()) return configError("kubeconfig has no current-context");
  auto context = namedEntry(root, "contexts", "context", context_name);
  if (!context) return context.error();
  const std::string cluster_name = scalarOr(*context, "cluster");
  const std::string user_name = scalarOr(*context, "user");
  if (cluster_name.empty()) return configError("context has no cluster", context_name);
  auto cluster = namedEntry(root, "clusters", "cluster", cluster_name);
  if (!cluster) return cluster.error();

  KubeApiConfig config;
  auto base = urlConfig(scalarOr(*cluster, "server"));
  if (!base) return configError("cluster server: " + base.error().message, cluster_name);
  config = *base;
  if (const std::string ca = scalarOr(*cluster, "certificate-authority"); !ca.empty()) {
    config.ca_file = resolve(dir, ca).string();
    if (!std::filesystem::exists(config.ca_file)) {
      return makeError(ErrorCode::kNotFound, "certificate-authority file missing", config.ca_file);
    }
  }
  if (const std::string ca_data = scalarOr(*cluster, "certificate-authority-data"); !ca_data.empty()) {
    auto pem = decodeBase64(ca_data);
    if (!pem) return configError("certificate-authority-data is not base64", cluster_name);
    config.ca_data_pem = std::move(*pem);
  }
  config.insecure_skip_tls_verify = scalarOr(*cluster, "insecure-skip-tls-verify") == "true";

  if (user_name.empty()) return config;
  auto user = namedEntry(root, "users", "user", user_name);
  if (!user) return user.error();
  for (const char* unsupported : {"client-certificate", "client-certificate-data", "client-key", "client-key-data",
                                  "exec", "auth-provider", "username"}) {
    if ((*user)[unsupported]) {
      return configError(std::string("only bearer-token users are supported (user has ") + unsupported + ")",
                         user_name);
    }
  }
  config.bearer_token = scalarOr(*user, "token");
  if (const std::string token_file = scalarOr(*user, "tokenFile"); !token_file.empty()) {
    config.bearer_token_file = resolve(dir, token_file).string();
    auto token = readTokenFile(config.bearer_token_file);
    if (!token) return token.error();
    config.bearer_token = std::move(*token);
  }
  return config;
}

}  // namespace

EnvLookup processEnvLookup() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<KubeApiConfig> inClusterConfig(const EnvLookup& env, std::filesystem::path sa_dir) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return makeError(ErrorCode::kNotFound, "not in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
  }
  for (char c : *port) {
    if (c < '0' || c > '9') return configError("KUBERNETES_SERVICE_PORT is not a port number", *port);
  }
  KubeApiConfig config;
  // An IPv6 service address ("fd00::1") goes in brackets inside a URL.
  const bool ipv6 = host->find(':') != std::string::npos;
  config.base_url = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.bearer_token_file = (sa_dir / "token").string();
  auto token = readTokenFile(config.bearer_token_file);
  if (!token) return token.error();
  config.bearer_token = std::move(*token);
  config.ca_file = (sa_dir / "ca.crt").string();
  if (!std::filesystem::exists(config.ca_file)) {
    return makeError(ErrorCode::kNotFound, "service-account CA missing", config.ca_file);
  }
  return config;
}

Result<KubeApiConfig> urlConfig(std::string url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return configError("URL needs http:// or https://", url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return configError("URL scheme must be http or https", url);
  while (url.size() > scheme_end + 3 && url.back() == '/') url.pop_back();
  const std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  const std::string_view host = rest.substr(0, rest.find('/'));
  if (host.empty() || host.front() == ':') return configError("URL has no host", url);
  if (url.find_first_of(" ?#\t\r\n") != std::string::npos) return configError("URL has a query or spaces", url);
  KubeApiConfig config;
  config.base_url = std::move(url);
  return config;
}

Result<KubeApiConfig> kubeconfigConfig(std::string_view yaml_text, std::filesystem::path kubeconfig_dir) {
  // yaml-cpp reports errors by exception: they stop here and become values (DESIGN rule 6).
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    return kubeconfigFromYaml(root, kubeconfig_dir);
  } catch (const YAML::Exception& e) {
    return makeError(ErrorCode::kParse, std::string("kubeconfig: ") + e.what());
  }
}

Result<KubeApiConfig> kubeconfigFileConfig(const std::filesystem::path& kubeconfig_path) {
  auto text = readWholeFile(kubeconfig_path);
  if (!text) return text.error();
  auto config = kubeconfigConfig(*text, kubeconfig_path.parent_path());
  if (!config && config.error().subject.empty()) {
    Error error = config.error();
    error.subject = kubeconfig_path.string();
    return error;
  }
  return config;
}

Result<std::string> decodeBase64(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return makeError(ErrorCode::kParse, "base64: data after padding");
    uint32_t value;
    if (c >= 'A' && c <= 'Z') {
      value = static_cast<uint32_t>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      value = static_cast<uint32_t>(c - 'a' + 26);
    } else if (c >= '0' && c <= '9') {
      value = static_cast<uint32_t>(c - '0' + 52);
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else {
      return makeError(ErrorCode::kParse, "base64: invalid character");
    }
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) return makeError(ErrorCode::kParse, "base64: truncated");
  return out;
}

}  // namespace kubemonitor::kube
