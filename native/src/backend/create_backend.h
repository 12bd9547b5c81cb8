// Picking the compute backend for a model: the device the caller asked for, or the best one present.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"

namespace verbatim {

struct BackendChoice {
  std::unique_ptr<Backend> backend;
  /** Why the choice differs from what was asked ("auto" without a usable GPU); empty otherwise. */
  std::string note;
};

/** Whether this build contains the CUDA backend (nvcc was present when it was compiled). */
bool CudaCompiledIn();

/**
 * device "cpu": the CPU backend with `n_threads`; "cuda" (or "cuda:N"): GPU N, failing with Error kBackend
 * naming what is missing; "auto": CUDA when a usable GPU is present, else the CPU backend with `note` saying
 * why. `gpu_memory` "fast" or "lean" (ModelLoadParams::gpu_memory), for a GPU.
 * @throws Error kInvalidArg for any other device name or gpu_memory.
 */
BackendChoice CreateBackend(const std::string& device, int n_threads, const std::string& gpu_memory = "fast");

}  // namespace verbatim
