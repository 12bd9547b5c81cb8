#include "backend/cpu/thread_pool.h"

#include <sched.h>

#include <chrono>
#include <exception>

#include "core/fail.h"

namespace verbatim {
namespace {

// How long an idle worker polls for the next loop before sleeping: longer than the gap between two operations
// of a decoder step, short enough not to burn a shared core when the engine is idle.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(200);
// A caller waiting for other threads' tasks spins this many times, then yields its core to them.
constexpr int kSpinsBeforeYield = 64;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/** Spins briefly, then yields, until `done` holds. */
template <typename Condition>
void WaitUntil(Condition done) {
  for (int spins = 0; !done(); ++spins) {
    if (spins < kSpinsBeforeYield) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace

struct ThreadPool::Loop {
  const TaskFunction* fn;
  int64_t n_tasks;
  std::atomic<int64_t> next_task{0};
  std::atomic<int64_t> n_finished{0};
  std::mutex exception_mutex;
  std::exception_ptr first_exception;
};

int AvailableHardwareThreads() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
    const int count = CPU_COUNT(&mask);
    if (count > 0)
      return count;
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads == 0 ? AvailableHardwareThreads() : n_threads) {
  if (n_threads < 0)
    Fail(ErrorCode::kInvalidArg, "ThreadPool", "n_threads must be >= 0: ", n_threads);
  workers_.reserve(n_threads_ - 1);
  for (int worker = 1; worker < n_threads_; ++worker)
    workers_.emplace_back([this, worker] { WorkerLoop(worker); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_)
    worker.join();
}

void ThreadPool::ParallelFor(int64_t n_tasks, const TaskFunction& fn) {
  if (n_tasks <= 0)
    return;
  std::lock_guard<std::mutex> caller_lock(caller_mutex_);
  if (workers_.empty() || n_tasks == 1) {
    for (int64_t task = 0; task < n_tasks; ++task)
      fn(task, 0);
    return;
  }
  Loop loop;
  loop.fn = &fn;
  loop.n_tasks = n_tasks;
  loop_ = &loop;
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    ++generation_;
  }
  wake_.notify_all();
  RunTasks(loop, 0);
  WaitUntil([&] { return loop.n_finished.load() == n_tasks; });
  loop_ = nullptr;
  WaitUntil([&] { return n_attached_.load() == 0; });  // a late worker may still hold `loop`, finding no task
  if (loop.first_exception)
    std::rethrow_exception(loop.first_exception);
}

void ThreadPool::RunTasks(Loop& loop, int worker) {
  for (int64_t task = loop.next_task++; task < loop.n_tasks; task = loop.next_task++) {
    try {
      (*loop.fn)(task, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(loop.exception_mutex);
      if (!loop.first_exception)
        loop.first_exception = std::current_exception();
    }
    ++loop.n_finished;
  }
}

bool ThreadPool::WaitForLoop(uint64_t seen) {
  const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  for (int spins = 0; generation_.load() == seen && !stopping_.load(); ++spins) {
    CpuRelax();
    if (spins % 256 == 255 && std::chrono::steady_clock::now() > spin_until) {
      std::unique_lock<std::mutex> lock(sleep_mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen || stopping_.load(); });
    }
  }
  return !stopping_.load();
}

void ThreadPool::WorkerLoop(int worker) {
  uint64_t seen = 0;
  while (WaitForLoop(seen)) {
    seen = generation_.load();
    ++n_attached_;
    Loop* loop = loop_.load();
    if (loop != nullptr)
      RunTasks(*loop, worker);
    --n_attached_;
  }
}

}  // namespace verbatim
