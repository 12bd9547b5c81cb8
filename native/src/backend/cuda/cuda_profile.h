// GPU time per backend operation, for finding what bounds a run on the GPU machine (which has no Nsight
// Systems). On when VERBATIM_CUDA_PROFILE=1: every operation is bracketed by two CUDA events on the stream,
// so nothing waits for the GPU while it runs; times are collected in batches and printed, grouped by
// operation and shape, to stderr when the backend goes. Off, it costs one null check per operation.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace verbatim {

class CudaProfile {
 public:
  /** A profile when VERBATIM_CUDA_PROFILE=1 asks for one, else null. */
  static std::unique_ptr<CudaProfile> FromEnvironment(cudaStream_t stream);
  explicit CudaProfile(cudaStream_t stream) : stream_(stream) {}
  ~CudaProfile();
  CudaProfile(const CudaProfile&) = delete;
  CudaProfile& operator=(const CudaProfile&) = delete;

  /** Enqueues the start of an operation labelled `label`; End enqueues its end. */
  void Begin(std::string label);
  void End();

 private:
  struct Pending {
    std::string label;
    cudaEvent_t start, stop;
  };
  struct Totals {
    double ms = 0.0;
    double max_ms = 0.0;  // the slowest call: a first call's lazy kernel loading shows here, not in a mean
    int64_t calls = 0;
  };
  cudaEvent_t TakeEvent();
  /** Waits for the pending events and adds their times to the totals (the events are reused). */
  void Collect();
  void Print();

  cudaStream_t stream_;
  std::vector<Pending> pending_;
  std::vector<cudaEvent_t> spare_;
  std::map<std::string, Totals> totals_;
};

/** Brackets one operation when profiling; the label is built only then. */
class ProfileScope {
 public:
  template <typename MakeLabel>
  ProfileScope(CudaProfile* profile, MakeLabel make_label) : profile_(profile) {
    if (profile_ != nullptr)
      profile_->Begin(make_label());
  }
  ~ProfileScope() {
    if (profile_ != nullptr)
      profile_->End();
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  CudaProfile* profile_;
};

}  // namespace verbatim
