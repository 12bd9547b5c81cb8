#include "tensor/tensor.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/fail.h"

namespace verbatim {

std::size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
      return 2;
  }
  return 0;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, void* data, std::shared_ptr<void> owner, Device device)
    : dtype_(dtype), device_(device), shape_(std::move(shape)), data_(data), owner_(std::move(owner)) {}

Tensor Tensor::Zeros(DType dtype, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const std::size_t bytes = static_cast<std::size_t>(n) * DTypeSize(dtype);
  // 64-byte alignment: a cache line, and what AVX-512 loads like best.
  const std::size_t rounded = (bytes + 63) / 64 * 64;
  void* memory = rounded == 0 ? nullptr : std::aligned_alloc(64, rounded);
  if (rounded != 0 && memory == nullptr) Fail(ErrorCode::kOom, "Tensor::Zeros", "cannot allocate bytes: ", bytes);
  if (memory != nullptr) std::memset(memory, 0, rounded);
  std::shared_ptr<void> owner(memory, [](void* p) { std::free(p); });
  return Tensor(dtype, std::move(shape), memory, std::move(owner));
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

Tensor Tensor::View(std::vector<int64_t> shape, int64_t first_element) const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  if (first_element < 0 || n < 0 || first_element + n > numel()) {
    Fail(ErrorCode::kInternal, "Tensor::View", "a view of ", verbatim::ShapeString(shape), " at element ",
         first_element, " does not fit in ", ShapeString());
  }
  void* start = static_cast<char*>(data_) + static_cast<std::size_t>(first_element) * DTypeSize(dtype_);
  return Tensor(dtype_, std::move(shape), start, owner_, device_);
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

std::string Tensor::ShapeString() const { return verbatim::ShapeString(shape_); }

}  // namespace verbatim
