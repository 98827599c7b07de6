#pragma once
// Runtime-specific container cgroup naming behind a resolver chain, the raw cgroup last (DESIGN
// rule 8, after cAdvisor's container handler factories). Each resolver looks at the name of one
// directory under a pod's cgroup and says whether it is a container of its runtime:
//   containerd  systemd "cri-containerd-<id>.scope", cgroupfs "<id>" (64 hex digits)
//   CRI-O       "crio-<id>.scope" (systemd) or "crio-<id>" (cgroupfs); "crio-conmon-<id>" is the
//               monitor process, not a container: skipped
//   Docker      "docker-<id>.scope" (systemd) or "<id>" (cgroupfs)
//   raw         any other directory: a container named by its directory
//
// Thread safety: resolvers are immutable; a chain may be shared.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kubemonitor::cgroup {

struct ContainerRef {
  std::string id;       // runtime container id (64 hex digits for the CRI runtimes), or the directory name
  std::string runtime;  // "containerd", "cri-o", "docker", "cri" (a bare id: containerd or Docker), "raw"
};

struct Resolution {
  enum class Kind { kNotMine, kContainer, kSkip } kind = Kind::kNotMine;
  ContainerRef container;  // set when kind == kContainer
};

class ContainerResolver {
 public:
  virtual ~ContainerResolver() = default;
  virtual Resolution resolve(std::string_view directory_name) const = 0;
};

// "<prefix><64 hex><suffix>" → a container of `runtime`; `suffix` is optional in the name
// (".scope" under systemd, nothing under cgroupfs).
class PrefixedIdResolver final : public ContainerResolver {
 public:
  PrefixedIdResolver(std::string prefix, std::string optional_suffix, std::string runtime);
  Resolution resolve(std::string_view directory_name) const override;

 private:
  std::string prefix_, suffix_, runtime_;
};

// Names that start with `prefix` are not containers ("crio-conmon-").
class SkipPrefixResolver final : public ContainerResolver {
 public:
  explicit SkipPrefixResolver(std::string prefix);
  Resolution resolve(std::string_view directory_name) const override;

 private:
  std::string prefix_;
};

// Any directory: a container whose id is the directory name.
class RawResolver final : public ContainerResolver {
 public:
  Resolution resolve(std::string_view directory_name) const override;
};

class ResolverChain {
 public:
  explicit ResolverChain(std::vector<std::unique_ptr<ContainerResolver>> resolvers);
  // conmon skip, containerd, CRI-O, Docker, bare id, raw.
  static ResolverChain standard();

  // The first resolver that claims the name decides; nullopt when it is to be skipped.
  std::optional<ContainerRef> resolve(std::string_view directory_name) const;

 private:
  std::vector<std::unique_ptr<ContainerResolver>> resolvers_;
};

// True for 64 lowercase hex digits, the id format of containerd, CRI-O and Docker.
bool isContainerId(std::string_view text);

}  // namespace kubemonitor::cgroup
