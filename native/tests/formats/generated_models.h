// Seeded tiny Whisper weights (tools/reference, seed 1234) in every layout, generated once and shared by all
// test processes (ctest runs each test in its own) through a cache directory keyed by the generator's source.
#pragma once

#include <string>

#include "verbatim/engine.h"

namespace verbatim::testing {

/** The directories (or, for ggml, files) of the generated layouts. Generated on first call; thread-safe. */
struct GeneratedModels {
  std::string hf;                    // model.safetensors, f32
  std::string hf_f16;                // model.safetensors, f16
  std::string hf_sharded;            // two shards + index (--max-shard-mb 100)
  std::string mlx_safetensors;       // weights.safetensors, f32
  std::string mlx_safetensors_bf16;  // weights.safetensors, bf16
  std::string mlx_npz;               // weights.npz, f32
  std::string ggml_f32;              // ggml-model-f32.bin
  std::string ggml_f16;              // ggml-model.bin
  std::string mel_filters_80;  // raw little-endian f32 [80, 201] from shared/assets (for the ggml check)
};

/** @throws std::runtime_error with the generator's output when generation fails. */
const GeneratedModels& Models();

/** tiny's dimensions, as the generator writes them. */
ModelDims TinyDims();

}  // namespace verbatim::testing
