// The safetensors container (Hugging Face, MLX): u64 little-endian header length N, N bytes of JSON
// {"__metadata__": {...}, NAME: {"dtype", "shape", "data_offsets": [begin, end]}, ...}, then the data,
// offsets relative to its start.
#pragma once

#include <memory>
#include <vector>

#include "formats/mapped_file.h"
#include "formats/stored_tensor.h"

namespace verbatim {

/**
 * Reads and validates the header of a mapped safetensors file: every dtype known, every shape × dtype size
 * equal to its byte span, every span inside the file. Tensors are returned in header order, viewing `file`.
 * @throws Error kModelLoad "[WeightStore] PATH: …" naming the problem (truncated file, bad JSON, unknown
 * dtype, size mismatch) and the tensor.
 */
std::vector<NamedTensor> ReadSafetensors(const std::shared_ptr<MappedFile>& file);

}  // namespace verbatim
