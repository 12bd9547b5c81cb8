// Weights that live in page-locked host memory and visit the device a group at a time (an encoder layer's
// matrices), copied on a stream of their own while the group before computes: a backend asked to keep its
// memory low holds two layers of the encoder on the device instead of all of them (large-v3: 78 MB instead of
// 1.27 GB). The copies are the bus's work, not the GPU's: at a batch of windows a layer computes for several
// times as long as its weights take to cross (39 MB, ~1.5 ms at 25 GB/s).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tensor/tensor.h"

namespace verbatim {

class StreamedWeights {
 public:
  /** Device memory of `bytes`, ordered on the compute stream (the backend's stream-ordered allocator). */
  using Allocate = std::function<std::shared_ptr<void>(std::size_t bytes)>;

  /** @param compute the stream every operation runs on. @throws Error kBackend when CUDA fails. */
  StreamedWeights(int device, cudaStream_t compute, Allocate allocate);
  ~StreamedWeights();
  StreamedWeights(const StreamedWeights&) = delete;
  StreamedWeights& operator=(const StreamedWeights&) = delete;

  /**
   * A page-locked copy of `host_weight`, as a Tensor on Device::kCuda whose data is that host memory: a
   * kernel may read it over the bus (one address space), and Resident gives the device copy once prefetched.
   */
  Tensor Keep(const Tensor& host_weight);

  /**
   * Starts copying `weights` (Keep's) to the device on the copy stream, into the slot that the call before
   * the last one filled, once the operations issued so far — the last users of that slot's weights — are
   * done.
   */
  void Prefetch(const std::vector<const Tensor*>& weights);

  /**
   * The device copy of `weight` where it is prefetched (the compute stream then waits for its copy), else
   * `weight` itself: a kept weight that is not, read over the bus (counted in misses()), or any other tensor.
   */
  Tensor Resident(const Tensor& weight);

  std::size_t host_bytes() const { return host_bytes_; }
  /** Operations that read a kept weight over the bus because it was not prefetched. */
  int64_t misses() const { return misses_; }
  /** Prefetch calls that copied a group. */
  int64_t copies() const { return copies_; }

 private:
  struct Slot {
    std::shared_ptr<void> memory;  // device memory of `bytes`
    std::size_t bytes = 0;
    std::unordered_map<const void*, void*> device_of;  // a kept weight's host data → its device copy
    cudaEvent_t copied = nullptr;                      // recorded on the copy stream after the group's copies
    bool waited = true;  // whether the compute stream already waits for `copied`
  };

  int device_;
  cudaStream_t compute_, copy_ = nullptr;
  Allocate allocate_;
  cudaEvent_t issued_ = nullptr;  // the compute stream's work so far, which a slot's refill waits for
  Slot slots_[2];
  int next_slot_ = 0;
  std::unordered_set<const void*> kept_;
  std::size_t host_bytes_ = 0;
  int64_t misses_ = 0, copies_ = 0;
};

}  // namespace verbatim
