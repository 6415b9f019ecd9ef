// libparley-alloc-count.so: counts a process's heap allocations, for the
// figures "allocations and body copies per delivered message" of
// docs/benchmarks.md (scripts/count-allocs). Preloaded into parleyd, it
// wraps malloc, calloc, realloc and aligned allocation (operator new goes
// through malloc in libstdc++), and on SIGUSR1 appends one line to
// $PARLEY_ALLOC_COUNT_FILE: the number of allocations so far, and of those
// at least $PARLEY_ALLOC_COUNT_MIN bytes large (with a padded message body
// that size, the allocations that hold a copy of a body or of a frame
// carrying one). Measurement only: never linked into parleyd.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

std::atomic<std::uint64_t> all{0};
std::atomic<std::uint64_t> large{0};
std::size_t large_from = SIZE_MAX;
int out_fd = -1;

void count(std::size_t size) {
  all.fetch_add(1, std::memory_order_relaxed);
  if (size >= large_from)
    large.fetch_add(1, std::memory_order_relaxed);
}

// Async-signal-safe: digits by hand, one write().
char* put(char* at, std::uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n)
    *at++ = digits[--n];
  return at;
}

void report(int) {
  if (out_fd < 0)
    return;
  char line[64];
  char* at = put(line, all.load());
  *at++ = ' ';
  at = put(at, large.load());
  *at++ = '\n';
  auto saved = errno;
  [[maybe_unused]] auto n = ::write(out_fd, line, static_cast<std::size_t>(at - line));
  errno = saved;
}

__attribute__((constructor)) void start() {
  if (const char* min = std::getenv("PARLEY_ALLOC_COUNT_MIN"))
    large_from = std::strtoull(min, nullptr, 10);
  if (const char* path = std::getenv("PARLEY_ALLOC_COUNT_FILE"))
    out_fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  struct sigaction sa {};
  sa.sa_handler = report;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
}

} // namespace

extern "C" {

void* malloc(std::size_t size) {
  count(size);
  return __libc_malloc(size);
}

void* calloc(std::size_t n, std::size_t size) {
  count(n * size);
  return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t size) {
  count(size);
  return __libc_realloc(p, size);
}

void* memalign(std::size_t alignment, std::size_t size) {
  count(size);
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) {
  count(size);
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  count(size);
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}

} // extern "C"
