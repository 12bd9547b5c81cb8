#include "model/decoding/compression_ratio.h"

#include <zlib.h>

#include "core/fail.h"

namespace verbatim {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

/** Python's str.isspace(): bidirectional class WS, B or S, or general category Zs. */
bool IsPythonSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

/** Decodes UTF-8 as Python does with errors="replace". */
std::u32string DecodeUtf8Replacing(std::string_view bytes) {
  std::u32string out;
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto lead = static_cast<uint8_t>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    int length = 0;
    uint8_t second_low = 0x80, second_high = 0xBF;
    char32_t value = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      value = lead & 0x0F;
      if (lead == 0xE0)
        second_low = 0xA0;
      if (lead == 0xED)
        second_high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      value = lead & 0x07;
      if (lead == 0xF0)
        second_low = 0x90;
      if (lead == 0xF4)
        second_high = 0x8F;  // nothing above U+10FFFF
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    int taken = 1;
    for (; taken < length && i + taken < n; ++taken) {
      const auto byte = static_cast<uint8_t>(bytes[i + taken]);
      const uint8_t low = taken == 1 ? second_low : 0x80, high = taken == 1 ? second_high : 0xBF;
      if (byte < low || byte > high)
        break;
      value = (value << 6) | (byte & 0x3F);
    }
    if (taken == length) {
      out.push_back(value);
    } else {
      out.push_back(kReplacement);  // the maximal subpart read so far is one error
    }
    i += taken;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

TokenBytes::TokenBytes(const uint8_t* bytes,
                       std::size_t n_bytes,
                       const uint32_t* offsets,
                       std::size_t n_offsets)
    : bytes_(reinterpret_cast<const char*>(bytes), n_bytes), offsets_(offsets, offsets + n_offsets) {
  constexpr const char* kOperation = "SetTokenBytes";
  if (offsets_.size() < 2)
    Fail(ErrorCode::kInvalidArg, kOperation, "offsets must hold n_vocab + 1 entries: ", offsets_.size());
  if (offsets_.front() != 0)
    Fail(ErrorCode::kInvalidArg, kOperation, "offsets[0] must be 0: ", offsets_.front());
  for (std::size_t i = 1; i < offsets_.size(); ++i) {
    if (offsets_[i] < offsets_[i - 1] || offsets_[i] > n_bytes) {
      Fail(ErrorCode::kInvalidArg, kOperation, "offsets must not decrease nor pass the ", n_bytes,
           " bytes: offsets[", i, "] = ", offsets_[i]);
    }
  }
  if (offsets_.back() != n_bytes) {
    Fail(ErrorCode::kInvalidArg, kOperation, "the last offset must be the byte count ", n_bytes, ": ",
         offsets_.back());
  }
}

std::string TokenBytes::Concatenate(const std::vector<int32_t>& tokens, int32_t first_excluded) const {
  std::string text;
  for (const int32_t token : tokens) {
    if (token < 0 || token >= first_excluded || token >= n_tokens())
      continue;
    text.append(bytes_, offsets_[token], offsets_[token + 1] - offsets_[token]);
  }
  return text;
}

std::string NormalizeDecodedText(std::string_view bytes) {
  const std::u32string text = DecodeUtf8Replacing(bytes);
  std::size_t first = 0, end = text.size();
  while (first < end && IsPythonSpace(text[first]))
    ++first;
  while (end > first && IsPythonSpace(text[end - 1]))
    --end;
  std::string out;
  for (std::size_t i = first; i < end; ++i)
    AppendUtf8(text[i], out);
  return out;
}

double CompressionRatio(std::string_view text) {
  if (text.empty())
    return 0.0;
  uLongf compressed_size = compressBound(static_cast<uLong>(text.size()));
  std::string compressed(compressed_size, '\0');
  const int status = compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                               reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()),
                               Z_DEFAULT_COMPRESSION);
  if (status != Z_OK)
    Fail(ErrorCode::kInternal, "CompressionRatio", "zlib's compress2 failed: ", status);
  return static_cast<double>(text.size()) / static_cast<double>(compressed_size);
}

}  // namespace verbatim
