// MLX's affine quantization, undone at load: the engine computes in f32/f16/bf16 for now.
#pragma once

#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/stored_tensor.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * The float shape of a quantized weight: its packed uint32 shape with the last axis × 32 / bits, after
 * checking that `scales` and `biases` hold one value per group of group_size along that axis.
 * @throws Error kModelLoad "[WeightStore] PATH: NAME: …" naming the inconsistency.
 */
std::vector<int64_t> QuantizedWeightShape(const std::string& name,
                                          const StoredTensor& packed,
                                          const StoredTensor& scales,
                                          const StoredTensor& biases,
                                          AffineQuantization quantization);

/**
 * w = scale · q + bias, in float32, for every element: q is the element's `bits`-bit code, taken from a
 * little-endian bit stream of the packed uint32 words (element e at bits [e·bits, (e+1)·bits); for 2, 4 and 8
 * bits that is the low bits of each word first, for 3, 5 and 6 bits codes straddle bytes as MLX packs them).
 * Scales and biases may be f32, f16 or bf16. Call QuantizedWeightShape first; returns an owned f32 tensor.
 * @throws Error kModelLoad for scales / biases of another type; kOom.
 */
Tensor DequantizeAffine(const std::string& name,
                        const StoredTensor& packed,
                        const StoredTensor& scales,
                        const StoredTensor& biases,
                        AffineQuantization quantization);

}  // namespace verbatim
