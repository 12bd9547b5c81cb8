#include "formats/affine_quantization.h"

#include "formats/half_float.h"
#include "formats/little_endian.h"
#include "formats/load_error.h"

namespace verbatim {
namespace {

constexpr int64_t kBitsPerWord = 32;

template <typename... Parts>
[[noreturn]] void FailQuantized(const StoredTensor& packed, const std::string& name, Parts&&... parts) {
  FailLoading(packed.file->path(), "quantized ", name, ": ", std::forward<Parts>(parts)...);
}

/** Reads element `index` of a float tensor of any stored float type (unaligned bytes allowed). */
float LoadFloat(const StoredTensor& tensor, int64_t index) {
  const uint8_t* bytes = tensor.bytes();
  switch (tensor.type) {
    case StoredType::kF32:
      return ReadLittleEndian<float>(bytes + 4 * index);
    case StoredType::kF16:
      return HalfToFloat(ReadLittleEndian<uint16_t>(bytes + 2 * index));
    case StoredType::kBF16:
      return BFloat16ToFloat(ReadLittleEndian<uint16_t>(bytes + 2 * index));
    default:
      return 0;  // excluded by QuantizedWeightShape
  }
}

/** The `bits`-bit code starting at bit `bit` of a little-endian bit stream. */
uint32_t ExtractCode(const uint8_t* stream, uint64_t bit, int bits) {
  const uint64_t byte = bit / 8;
  const unsigned shift = static_cast<unsigned>(bit % 8);
  // A code of at most 8 bits spans at most two bytes; read the second only when the code reaches into it.
  uint32_t window = stream[byte];
  if (shift + static_cast<unsigned>(bits) > 8)
    window |= static_cast<uint32_t>(stream[byte + 1]) << 8;
  return (window >> shift) & ((1u << bits) - 1);
}

}  // namespace

std::vector<int64_t> QuantizedWeightShape(const std::string& name,
                                          const StoredTensor& packed,
                                          const StoredTensor& scales,
                                          const StoredTensor& biases,
                                          AffineQuantization quantization) {
  if (packed.type != StoredType::kU32)
    FailQuantized(packed, name, "packed weight is ", packed.type_name, ", not uint32");
  if (packed.shape.empty())
    FailQuantized(packed, name, "packed weight has no axes");
  for (const StoredTensor* part : {&scales, &biases}) {
    if (!ComputeDType(part->type)) {
      FailQuantized(packed, name, "scales and biases must be f32, f16 or bf16, found ", part->type_name);
    }
  }
  const int64_t packed_columns = packed.shape.back();
  if (packed_columns * kBitsPerWord % quantization.bits != 0) {
    FailQuantized(packed, name, packed_columns, " packed words per row do not hold whole ", quantization.bits,
                  "-bit codes");
  }
  std::vector<int64_t> shape = packed.shape;
  shape.back() = packed_columns * kBitsPerWord / quantization.bits;
  if (shape.back() % quantization.group_size != 0) {
    FailQuantized(packed, name, "rows of ", shape.back(), " values are not whole groups of ",
                  quantization.group_size, " (config.json \"quantization\")");
  }
  std::vector<int64_t> group_shape = shape;
  group_shape.back() /= quantization.group_size;
  if (scales.shape != group_shape || biases.shape != group_shape) {
    FailQuantized(packed, name, quantization.bits, "-bit codes in groups of ", quantization.group_size,
                  " need scales and biases of shape ", ShapeString(group_shape), ", found ",
                  ShapeString(scales.shape), " and ", ShapeString(biases.shape));
  }
  return shape;
}

Tensor DequantizeAffine(const std::string& name,
                        const StoredTensor& packed,
                        const StoredTensor& scales,
                        const StoredTensor& biases,
                        AffineQuantization quantization) {
  const std::vector<int64_t> shape = QuantizedWeightShape(name, packed, scales, biases, quantization);
  Tensor result = Tensor::Zeros(DType::kF32, shape);
  float* out = result.data<float>();
  const int64_t n_groups = scales.numel();
  const int64_t group_size = quantization.group_size;
  for (int64_t group = 0; group < n_groups; ++group) {
    const float scale = LoadFloat(scales, group);
    const float bias = LoadFloat(biases, group);
    for (int64_t i = group * group_size; i < (group + 1) * group_size; ++i) {
      const uint32_t code =
          ExtractCode(packed.bytes(), static_cast<uint64_t>(i) * quantization.bits, quantization.bits);
      out[i] = scale * static_cast<float>(code) + bias;
    }
  }
  return result;
}

}  // namespace verbatim
