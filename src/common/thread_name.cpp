#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace kubemonitor {

void nameThisThread(std::string_view name) {
  constexpr size_t kKernelLimit = 15;  // TASK_COMM_LEN − 1
  const std::string truncated(name.substr(0, kKernelLimit));
  (void)::pthread_setname_np(::pthread_self(), truncated.c_str());  // only fails for a too-long name
}

}  // namespace kubemonitor
