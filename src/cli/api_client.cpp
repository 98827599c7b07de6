#include "cli/api_client.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "common/text.h"

namespace kubemonitor::cli {
namespace {

HttpClientOptions clientOptions(const ConnectionOptions& options) {
  HttpClientOptions http;
  http.connect_timeout = options.timeout;
  http.request_timeout = options.timeout;
  http.tls.ca_file = options.ca_file;
  http.user_agent = "kubemonitor-cli";
  return http;
}

std::string withoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

ApiClient::ApiClient(ConnectionOptions options)
    : base_(withoutTrailingSlash(options.server)), token_(options.token), client_(clientOptions(options)) {}

std::optional<Failure> ApiClient::get(const std::string& path_and_query, Answer& answer) {
  answer = Answer{};
  answer.url = url(path_and_query);
  std::vector<std::string> headers{"Accept: application/json"};
  if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
  auto response = client_.get(answer.url, headers);
  if (!response) {
    if (response.error().code == ErrorCode::kInvalidArgument) {
      return Failure{kExitUsage, answer.url + ": " + response.error().message};  // a bad URL or CA file
    }
    return Failure{kExitUnreachable, "cannot reach " + answer.url + ": " + response.error().message};
  }
  answer.status = response->status;
  answer.body = std::move(response->body);
  if (auto parsed = parseJson(answer.body)) answer.json = std::move(*parsed);
  return std::nullopt;
}

std::optional<Failure> ApiClient::getOk(const std::string& path_and_query, Answer& answer) {
  if (auto failure = get(path_and_query, answer)) return failure;
  if (answer.status < 200 || answer.status > 299) return describeAnswer(answer);
  if (answer.json.type != JsonValue::Type::kObject) {
    return Failure{kExitUnreachable, answer.url + " answered " + std::to_string(answer.status) +
                                         " without a JSON object: is this a kubemonitor server?"};
  }
  return std::nullopt;
}

Failure describeAnswer(const Answer& answer) {
  Failure failure;
  failure.exit_code = answer.status >= 400 && answer.status < 500 ? kExitUsage : kExitUnreachable;
  std::string why = answer.json.text("message");
  if (answer.status == 409) {
    const JsonValue* candidates = answer.json.find("candidates");
    std::string namespaces;
    if (candidates != nullptr) {
      for (const auto& candidate : candidates->array) {
        if (!namespaces.empty()) namespaces += ", ";
        namespaces += candidate.text("namespace");
      }
    }
    const size_t cut = why.find(": add ?namespace=");
    if (cut != std::string::npos) why.resize(cut);
    if (!namespaces.empty()) why += " (" + namespaces + ")";
    why += "; pass -n NAMESPACE";
  } else if (answer.status == 401) {
    why = (why.empty() ? "unauthorized" : why) + "; pass --token-file with the server's query token";
  } else if (why.empty()) {
    why = answer.body.substr(0, 200);
    if (why.empty()) why = "no message";
  }
  failure.message = answer.url + " answered " + std::to_string(answer.status) + ": " + why;
  return failure;
}

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::optional<Failure> readTokenFile(const std::string& path, std::string& token) {
  std::ifstream in(path);
  if (!in) return Failure{kExitUsage, "--token-file " + path + ": cannot be read"};
  std::string line;
  std::getline(in, line);
  token = std::string(text::trim(line));
  if (token.empty()) return Failure{kExitUsage, "--token-file " + path + ": empty"};
  return std::nullopt;
}

}  // namespace kubemonitor::cli
