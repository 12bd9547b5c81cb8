// Whisper's compression ratio of a decoded text, which flags repetitive (hallucinated) output:
// len(text) / len(zlib.compress(text)) on the UTF-8 bytes of tokenizer.decode(tokens).strip().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace verbatim {

/** The raw bytes of every token of a vocabulary (what the tokenizer's decode concatenates). */
class TokenBytes {
 public:
  /**
   * @param offsets n_vocab + 1 non-decreasing offsets from 0 to n_bytes: token i is [offsets[i],
   * offsets[i + 1]). @throws Error kInvalidArg naming the first offset out of place.
   */
  TokenBytes(const uint8_t* bytes, std::size_t n_bytes, const uint32_t* offsets, std::size_t n_offsets);

  int n_tokens() const { return static_cast<int>(offsets_.size()) - 1; }

  /** The bytes of `tokens` below `first_excluded` (the timestamps are left out, as OpenAI's decode does). */
  std::string Concatenate(const std::vector<int32_t>& tokens, int32_t first_excluded) const;

 private:
  std::string bytes_;
  std::vector<uint32_t> offsets_;
};

/**
 * Python's bytes.decode("utf-8", errors="replace") then str.strip() then .encode("utf-8"): ill-formed
 * sequences become U+FFFD (one per maximal subpart), and Unicode whitespace is stripped from both ends.
 */
std::string NormalizeDecodedText(std::string_view bytes);

/** len(text) / len(zlib.compress(text)) at zlib's default level; 0 for an empty text. */
double CompressionRatio(std::string_view text);

}  // namespace verbatim
