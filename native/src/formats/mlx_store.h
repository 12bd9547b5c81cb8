// MLX community layout (mlx-examples whisper/convert.py): config.json with OpenAI's dimensions and
// weights.safetensors or weights.npz under OpenAI's names, conv weights as [out, kernel, in], no encoder
// positional embedding, and optionally 2–8-bit affine-quantized linear and embedding weights.
#pragma once

#include <memory>
#include <string>

#include "formats/json.h"
#include "formats/weight_store.h"

namespace verbatim {

constexpr const char kMlxSafetensorsFile[] = "weights.safetensors";
constexpr const char kMlxNpzFile[] = "weights.npz";

/**
 * Opens an MLX model directory whose config.json has been parsed. Names become Hugging Face names; conv
 * weights are transposed to [out, in, kernel] and quantized weights dequantized to f32, once, on first Get;
 * "model.encoder.embed_positions.weight" is computed (Whisper's sinusoids) when the file lacks it.
 * @throws Error kModelLoad: bad config or weights file, quantized tensors without "quantization" in
 * config.json or with scales / biases that do not fit.
 */
std::unique_ptr<WeightStore> OpenMlxStore(const std::string& directory,
                                          const JsonValue& config,
                                          const std::string& config_path);

}  // namespace verbatim
