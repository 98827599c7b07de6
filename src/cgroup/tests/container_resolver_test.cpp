#include "cgroup/container_resolver.h"

#include <gtest/gtest.h>

namespace kubemonitor::cgroup {
namespace {

const std::string kId(64, 'a');

TEST(ContainerResolver, EachRuntimeNaming) {
  const auto chain = ResolverChain::standard();
  struct Case {
    std::string name, runtime;
  };
  for (const auto& c : {Case{"cri-containerd-" + kId + ".scope", "containerd"}, Case{"crio-" + kId + ".scope", "cri-o"},
                        Case{"crio-" + kId, "cri-o"}, Case{"docker-" + kId + ".scope", "docker"}, Case{kId, "cri"}}) {
    auto ref = chain.resolve(c.name);
    ASSERT_TRUE(ref.has_value()) << c.name;
    EXPECT_EQ(ref->id, kId) << c.name;
    EXPECT_EQ(ref->runtime, c.runtime) << c.name;
  }
}

TEST(ContainerResolver, ConmonIsSkipped) {
  const auto chain = ResolverChain::standard();
  EXPECT_FALSE(chain.resolve("crio-conmon-" + kId + ".scope").has_value());
  EXPECT_FALSE(chain.resolve("crio-conmon-" + kId).has_value());
}

TEST(ContainerResolver, AnythingElseIsRawLast) {
  const auto chain = ResolverChain::standard();
  auto short_id = chain.resolve("cri-containerd-abc.scope");  // not 64 hex: not containerd's
  ASSERT_TRUE(short_id.has_value());
  EXPECT_EQ(short_id->runtime, "raw");
  EXPECT_EQ(short_id->id, "cri-containerd-abc.scope");
  EXPECT_EQ(chain.resolve(std::string(64, 'A'))->runtime, "raw");  // upper case is not an id
}

}  // namespace
}  // namespace kubemonitor::cgroup
