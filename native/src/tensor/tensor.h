// A tensor: typed, shaped memory that knows which device holds it. Storage is shared: a tensor may view a
// memory-mapped weight file (no copy), an engine-owned buffer, or (later) device memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "verbatim/engine.h"

namespace verbatim {

enum class Device { kCpu, kCuda };

std::size_t DTypeSize(DType dtype);

class Tensor {
 public:
  Tensor() = default;
  /** A view of `data` kept alive by `owner` (a mapping, a buffer, or nullptr when the caller guarantees it). */
  Tensor(DType dtype, std::vector<int64_t> shape, void* data, std::shared_ptr<void> owner, Device device = Device::kCpu);

  /** A new zero-filled CPU tensor. @throws Error kOom. */
  static Tensor Zeros(DType dtype, std::vector<int64_t> shape);

  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim(int axis) const { return shape_.at(axis < 0 ? shape_.size() + axis : axis); }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * DTypeSize(dtype_); }
  bool empty() const { return data_ == nullptr; }

  template <typename T>
  T* data() const { return static_cast<T*>(data_); }
  void* raw() const { return data_; }

  /**
   * A view of `shape` starting `first_element` elements in, sharing the storage (reshapes, one sequence of a
   * batch). @throws Error kInternal when it does not fit inside this tensor.
   */
  Tensor View(std::vector<int64_t> shape, int64_t first_element = 0) const;

  /** "[384, 80, 3]" — for error messages. */
  std::string ShapeString() const;

 private:
  DType dtype_ = DType::kF32;
  Device device_ = Device::kCpu;
  std::vector<int64_t> shape_;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace verbatim
