#pragma once
// For the .cu files only (nvcc): the launchers take Half (uint16_t bits, cuda_kernels.h) so that the C++ side
// never sees CUDA's types; the kernels see the same memory as __half. One definition for every kernel file,
// with the element conversions, the GELU and the IntArray reader that several kernel files use.

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

/** Value i of a host int array a launcher passed (IntArray: inline or in device memory); 0 when none was. */
__device__ inline int32_t At(const IntArray& array, int64_t i) {
  if (!array.present)
    return 0;
  return array.device != nullptr ? array.device[i] : array.values[i];
}

/** An element's value: f32 as it is, f16 widened. */
__device__ inline float AsFloat(float value) {
  return value;
}
__device__ inline float AsFloat(__half value) {
  return __half2float(value);
}

/** `value` stored as element type T: f32 as it is, f16 rounded to nearest. */
template <typename T>
__device__ T StoredAs(float value);
template <>
__device__ inline float StoredAs<float>(float value) {
  return value;
}
template <>
__device__ inline __half StoredAs<__half>(float value) {
  return __float2half_rn(value);
}

/** Whisper's GELU, the exact one (erf), as torch.nn.functional.gelu computes it. */
__device__ inline float Gelu(float x) {
  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

}  // namespace verbatim::cuda_kernels
