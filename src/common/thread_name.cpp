#include "common/thread_name.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <string>

namespace kubemonitor {

void nameThisThread(std::string_view name) {
  constexpr size_t kKernelLimit = 15;  // TASK_COMM_LEN − 1
  const std::string truncated(name.substr(0, kKernelLimit));
  (void)::pthread_setname_np(::pthread_self(), truncated.c_str());  // only fails for a too-long name
}

bool lowerThisThreadPriority(int increment) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);  // -1 is a valid nice value: errno tells
  if (now == -1 && errno != 0) return false;
  return ::setpriority(PRIO_PROCESS, tid, now + increment) == 0;
}

}  // namespace kubemonitor
