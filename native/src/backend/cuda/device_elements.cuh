#pragma once
// For the .cu files only (nvcc): the launchers take Half (uint16_t bits, cuda_kernels.h) so that the C++ side
// never sees CUDA's types; the kernels see the same memory as __half. One definition for every kernel file.

#include <cuda_fp16.h>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** The kernels' view of a launcher's elements: Half is __half, float stays float. */
inline const float* OnDevice(const float* elements) {
  return elements;
}
inline float* OnDevice(float* elements) {
  return elements;
}
inline const __half* OnDevice(const Half* elements) {
  return reinterpret_cast<const __half*>(elements);
}
inline __half* OnDevice(Half* elements) {
  return reinterpret_cast<__half*>(elements);
}

}  // namespace verbatim::cuda_kernels
