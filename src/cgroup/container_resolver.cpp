#include "cgroup/container_resolver.h"

namespace kubemonitor::cgroup {

bool isContainerId(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

PrefixedIdResolver::PrefixedIdResolver(std::string prefix, std::string optional_suffix, std::string runtime)
    : prefix_(std::move(prefix)), suffix_(std::move(optional_suffix)), runtime_(std::move(runtime)) {}

Resolution PrefixedIdResolver::resolve(std::string_view name) const {
  if (!name.starts_with(prefix_)) return {};
  name.remove_prefix(prefix_.size());
  if (!suffix_.empty() && name.ends_with(suffix_)) name.remove_suffix(suffix_.size());
  if (!isContainerId(name)) return {};
  return {Resolution::Kind::kContainer, {std::string(name), runtime_}};
}

SkipPrefixResolver::SkipPrefixResolver(std::string prefix) : prefix_(std::move(prefix)) {}

Resolution SkipPrefixResolver::resolve(std::string_view name) const {
  if (!name.starts_with(prefix_)) return {};
  return {Resolution::Kind::kSkip, {}};
}

Resolution RawResolver::resolve(std::string_view name) const {
  return {Resolution::Kind::kContainer, {std::string(name), "raw"}};
}

ResolverChain::ResolverChain(std::vector<std::unique_ptr<ContainerResolver>> resolvers)
    : resolvers_(std::move(resolvers)) {}

ResolverChain ResolverChain::standard() {
  std::vector<std::unique_ptr<ContainerResolver>> chain;
  chain.push_back(std::make_unique<SkipPrefixResolver>("crio-conmon-"));
  chain.push_back(std::make_unique<PrefixedIdResolver>("cri-containerd-", ".scope", "containerd"));
  chain.push_back(std::make_unique<PrefixedIdResolver>("crio-", ".scope", "cri-o"));
  chain.push_back(std::make_unique<PrefixedIdResolver>("docker-", ".scope", "docker"));
  chain.push_back(std::make_unique<PrefixedIdResolver>("", "", "cri"));
  chain.push_back(std::make_unique<RawResolver>());
  return ResolverChain(std::move(chain));
}

std::optional<ContainerRef> ResolverChain::resolve(std::string_view name) const {
  for (const auto& resolver : resolvers_) {
    Resolution resolution = resolver->resolve(name);
    if (resolution.kind == Resolution::Kind::kSkip) return std::nullopt;
    if (resolution.kind == Resolution::Kind::kContainer) return std::move(resolution.container);
  }
  return std::nullopt;
}

}  // namespace kubemonitor::cgroup
