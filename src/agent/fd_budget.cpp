#include "agent/fd_budget.h"

#include <sys/resource.h>

#include <algorithm>

namespace kubemonitor::agent {

size_t raiseDescriptorLimit(size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const size_t soft = limit.rlim_cur == RLIM_INFINITY ? wanted + kReservedDescriptors : static_cast<size_t>(limit.rlim_cur);
  return soft > kReservedDescriptors ? std::min(wanted, soft - kReservedDescriptors) : 0;
}

}  // namespace kubemonitor::agent
