#include "audio/audio_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "audio/mel_block_kernel.h"
#include "formats/test_files.h"

namespace verbatim::test_support {

std::vector<const MelBlockKernel*> SupportedMelBlockKernels() {
  std::vector<const MelBlockKernel*> kernels;
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (CpuSupports(level))
      kernels.push_back(&MelBlockKernelFor(level));
  }
  return kernels;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

bool RunShell(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

std::string RepoPath(const std::string& relative) {
  return std::string(VERBATIM_REPO_ROOT) + "/" + relative;
}

std::string SpeechPath(const std::string& relative) {
  const char* shared = std::getenv("VERBATIM_SHARED");
  if (shared != nullptr && *shared != '\0')
    return std::string(shared) + "/speech/" + relative;
  return RepoPath("../shared/speech/" + relative);
}

namespace {

std::uint32_t LittleEndian32(const char* bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

}  // namespace

std::uint16_t LittleEndian16(const char* bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

std::vector<std::int16_t> DecodeLittleEndianPcm16(const char* bytes, std::size_t n_samples) {
  std::vector<std::int16_t> samples(n_samples);
  for (std::size_t i = 0; i < n_samples; i++)
    samples[i] = static_cast<std::int16_t>(LittleEndian16(bytes + 2 * i));
  return samples;
}

std::vector<std::int16_t> ReadWavPcm16(const std::string& path) {
  const std::string bytes = testing::ReadFile(path);
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(&bytes[8], "WAVE", 4) != 0) {
    ADD_FAILURE() << "not a RIFF/WAVE file: " << path;
    return {};
  }
  bool format_checked = false;
  for (std::size_t at = 12; at + 8 <= bytes.size();) {
    const std::uint32_t size = LittleEndian32(&bytes[at + 4]);
    const std::size_t body = at + 8;
    if (std::memcmp(&bytes[at], "fmt ", 4) == 0) {
      const int format = LittleEndian16(&bytes[body]);
      const int channels = LittleEndian16(&bytes[body + 2]);
      const std::uint32_t rate_hz = LittleEndian32(&bytes[body + 4]);
      const int bits = LittleEndian16(&bytes[body + 14]);
      if (format != 1 || channels != 1 || rate_hz != 16000 || bits != 16) {
        ADD_FAILURE() << "expected 16 kHz mono 16-bit PCM, got format " << format << ", " << channels
                      << " ch, " << rate_hz << " Hz, " << bits << " bit: " << path;
        return {};
      }
      format_checked = true;
    } else if (std::memcmp(&bytes[at], "data", 4) == 0) {
      if (!format_checked) {
        ADD_FAILURE() << "data chunk before fmt chunk: " << path;
        return {};
      }
      return DecodeLittleEndianPcm16(&bytes[body], std::min<std::size_t>(size, bytes.size() - body) / 2);
    }
    at = body + size + (size & 1);  // chunks are padded to even sizes
  }
  ADD_FAILURE() << "no data chunk: " << path;
  return {};
}

}  // namespace verbatim::test_support
