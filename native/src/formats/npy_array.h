// One .npy array (format versions 1.0, 2.0 and 3.0) inside a mapped file, read in place.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "formats/mapped_file.h"
#include "formats/stored_tensor.h"

namespace verbatim {

/**
 * Parses the .npy header of the `size` bytes at `offset` in `file` (an .npz member) and returns the array's
 * data as a StoredTensor: '<f4' → kF32, '<f2' → kF16, '<u4' → kU32 (MLX's packed quantized weights), anything
 * else kOther with the descr as type_name. `what` names the array in errors.
 * @throws Error kModelLoad "[WeightStore] PATH: WHAT: …" (bad magic or header, Fortran order, size mismatch).
 */
StoredTensor ReadNpyArray(const std::shared_ptr<MappedFile>& file,
                          uint64_t offset,
                          uint64_t size,
                          const std::string& what);

}  // namespace verbatim
