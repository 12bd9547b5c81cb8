#include "backend/cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "verbatim/engine.h"

namespace verbatim {
namespace {

TEST(ThreadPool, RunsEveryTaskExactlyOnceWithValidWorkerIndices) {
  for (int n_threads : {1, 2, 3}) {
    ThreadPool pool(n_threads);
    EXPECT_EQ(pool.n_threads(), n_threads);
    for (int64_t n_tasks : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> runs(n_tasks);
      std::atomic<bool> bad_worker{false};
      pool.ParallelFor(n_tasks, [&](int64_t task, int worker) {
        ++runs[task];
        if (worker < 0 || worker >= n_threads)
          bad_worker = true;
      });
      for (int64_t task = 0; task < n_tasks; ++task)
        EXPECT_EQ(runs[task].load(), 1);
      EXPECT_FALSE(bad_worker);
    }
  }
}

TEST(ThreadPool, ZeroThreadsMeansTheMachine) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.n_threads(), AvailableHardwareThreads());
}

TEST(ThreadPool, NegativeThreadCountIsInvalid) {
  try {
    ThreadPool pool(-1);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_STREQ(error.what(), "[ThreadPool] n_threads must be >= 0: -1");
  }
}

TEST(ThreadPool, RethrowsTheFirstExceptionAfterAllTasksEnd) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.ParallelFor(100,
                                [](int64_t task, int) {
                                  if (task == 17)
                                    throw std::runtime_error("task 17");
                                }),
               std::runtime_error);
  // Still usable afterwards.
  std::atomic<int> count{0};
  pool.ParallelFor(50, [&](int64_t, int) { ++count; });
  EXPECT_EQ(count.load(), 50);
}

TEST(ThreadPool, ConcurrentCallersSerialise) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int caller = 0; caller < 3; ++caller) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round)
        pool.ParallelFor(10, [&](int64_t task, int) { total += task; });
    });
  }
  for (std::thread& caller : callers)
    caller.join();
  EXPECT_EQ(total.load(), 3 * 200 * 45);
}

}  // namespace
}  // namespace verbatim
