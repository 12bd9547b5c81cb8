// Writing small model files by hand for the loader tests: scratch directories, safetensors, .npy and .npz
// (zip64 on request), and MLX's packing of quantized codes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace verbatim::testing {

/** Success when `text` contains `part`; otherwise a failure that shows both. */
::testing::AssertionResult ContainsText(const std::string& text, const std::string& part);

/** A fresh directory under the test temp dir, removed with everything in it when the object goes. */
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  /** path() + "/" + name, after creating the subdirectory `name` when asked. */
  std::string Join(const std::string& name) const { return path_ + "/" + name; }
  std::string MakeSubdir(const std::string& name) const;

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);
/** The first `n_bytes` of `from`, written to `to` (a truncated copy). */
void WriteTruncatedCopy(const std::string& from, const std::string& to, std::size_t n_bytes);
void Symlink(const std::string& target, const std::string& link);

/** The raw little-endian bytes of values. */
template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

struct TensorBytes {
  std::string name;
  std::string dtype;  // safetensors dtype ("F32", "U32", …) or npy descr ("<f4", …)
  std::vector<int64_t> shape;
  std::string data;
};

/** A safetensors file as the reference writer makes it (header padded with spaces to 8 bytes). */
std::string SafetensorsFile(const std::vector<TensorBytes>& tensors);

/** A .npy array: version 1 (u16 header length) or 2 (u32), header padded so data starts at a multiple of 64.
 */
std::string NpyArray(const TensorBytes& tensor, int version = 1);

/**
 * An .npz (stored zip) of NAME.npy members. `force_zip64` writes the central directory's sizes and offsets as
 * 0xFFFFFFFF with a zip64 extra field, and a zip64 end record, as writers do past 4 GiB. `method` is the
 * compression method written in the headers (0 stored; 8 claims deflate, for the error test).
 */
std::string NpzFile(const std::vector<TensorBytes>& tensors,
                    bool force_zip64 = false,
                    uint16_t method = 0,
                    int npy_version = 1);

/** Codes of `bits` bits each packed into uint32 words, element e at bits [e·bits, (e+1)·bits) (MLX's order).
 */
std::vector<uint32_t> PackCodes(const std::vector<uint32_t>& codes, int bits);

/** IEEE binary16 of a float that is exactly representable in it (the test values are). */
uint16_t ExactHalf(float value);

}  // namespace verbatim::testing
