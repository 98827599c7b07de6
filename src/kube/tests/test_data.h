#pragma once
// Reads files under testdata/kube/ and builds pod JSON for the tests.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace kubemonitor::kube::testdata {

inline std::string sourceDir() {
  if (const char* dir = std::getenv("KUBEMONITOR_SOURCE_DIR"); dir != nullptr && *dir != '\0') return dir;
  return KUBEMONITOR_DEFAULT_SOURCE_DIR;
}

inline std::string readTestdata(const std::string& name) {
  std::ifstream in(sourceDir() + "/testdata/kube/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A running pod in wire format, one container with requests.
inline std::string podJson(const std::string& uid, const std::string& name, const std::string& ns,
                           const std::string& node, const std::string& phase = "Running",
                           const std::string& owner_json = "", const std::string& labels_json = "{}") {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name + R"(","namespace":")" + ns +
         R"(","uid":")" + uid + R"(","labels":)" + labels_json +
         (owner_json.empty() ? "" : R"(,"ownerReferences":[)" + owner_json + "]") +
         R"(},"spec":{"containers":[{"name":"main","image":"nginx:1.25","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}],"nodeName":")" +
         node + R"("},"status":{"phase":")" + phase +
         R"(","qosClass":"Burstable","containerStatuses":[{"name":"main","ready":true,"restartCount":0,"containerID":"containerd://abc123"}]}})";
}

}  // namespace kubemonitor::kube::testdata
