// A fixed pool of worker threads for data-parallel loops. The calling thread works too, so a pool of n
// threads starts n - 1 workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace verbatim {

/** Hardware threads this process may run on (its CPU affinity mask), at least 1. */
int AvailableHardwareThreads();

class ThreadPool {
 public:
  /** The body of a loop: `task` in [0, n_tasks), `worker` in [0, n_threads) (for per-thread scratch memory).
   */
  using TaskFunction = std::function<void(int64_t task, int worker)>;

  /**
   * @param n_threads threads including the caller; 0 = AvailableHardwareThreads().
   * @throws Error kInvalidArg when n_threads < 0.
   */
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }

  /**
   * Runs fn(task, worker) for every task in [0, n_tasks), spread over all threads, and returns when all are
   * done. Tasks are handed out one at a time, so uneven tasks and a busy core balance out; the caller never
   * waits for a worker that has not started (on a loaded machine a worker may not run for milliseconds). If
   * tasks throw, the first exception is rethrown here after every started task has ended. Concurrent callers
   * serialise; fn must not call ParallelFor itself (it would deadlock).
   */
  void ParallelFor(int64_t n_tasks, const TaskFunction& fn);

 private:
  struct Loop;

  void WorkerLoop(int worker);
  /** Waits until the generation differs from `seen` or the pool stops; false when stopping. */
  bool WaitForLoop(uint64_t seen);
  static void RunTasks(Loop& loop, int worker);

  const int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex caller_mutex_;  // one loop at a time

  // The running loop (on the caller's stack) or nullptr. A worker announces itself in n_attached_ before
  // reading it, and the caller clears it and waits for n_attached_ to drain before the loop goes out of
  // scope.
  std::atomic<Loop*> loop_{nullptr};
  std::atomic<int> n_attached_{0};

  // Idle workers spin briefly on generation_ (decoder steps issue many short loops back to back, and waking a
  // sleeping thread costs tens of microseconds), then sleep on wake_.
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

}  // namespace verbatim
