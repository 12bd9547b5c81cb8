// The computed filter banks against openai/whisper's mel_filters.npz (the copy packages/audio ships), read
// through numpy.
#include "audio/mel_filters.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "audio/audio_constants.h"
#include "audio/audio_test_support.h"
#include "formats/test_files.h"
#include "verbatim/engine.h"

namespace verbatim {
namespace {

using test_support::RepoPath;
using test_support::RunShell;
using test_support::ShellQuote;
using testing::ReadFile;
using testing::ScratchDir;

/** Every bank of the npz as raw little-endian float32 files mel_80.f32, mel_128.f32 in `directory`. */
void DumpNpz(const std::string& npz_path, const std::string& directory) {
  const std::string script =
      "import sys, numpy as np\n"
      "archive = np.load(sys.argv[1])\n"
      "for n in (80, 128):\n"
      "    archive[f'mel_{n}'].astype('<f4').tofile(f'{sys.argv[2]}/mel_{n}.f32')\n";
  const std::string command =
      "python3 -c " + ShellQuote(script) + " " + ShellQuote(npz_path) + " " + ShellQuote(directory);
  ASSERT_TRUE(RunShell(command)) << "python3 with numpy is needed to read the npz: " << command;
}

TEST(MelFilters, EqualWhispersNpzBitForBit) {
  const ScratchDir scratch;
  DumpNpz(RepoPath("packages/audio/assets/mel_filters.npz"), scratch.path());
  for (int n_mels : {80, 128}) {
    SCOPED_TRACE("n_mels " + std::to_string(n_mels));
    const std::string bytes = ReadFile(scratch.Join("mel_" + std::to_string(n_mels) + ".f32"));
    const MelFilterBank& bank = WhisperMelFilters(n_mels);
    ASSERT_EQ(bytes.size(), bank.weights.size() * sizeof(float));
    std::vector<float> expected(bank.weights.size());
    std::memcpy(expected.data(), bytes.data(), bytes.size());
    double max_difference = 0;
    int n_different = 0;
    for (std::size_t i = 0; i < expected.size(); i++) {
      max_difference = std::max(max_difference, std::abs(static_cast<double>(bank.weights[i]) - expected[i]));
      n_different += bank.weights[i] != expected[i];
    }
    EXPECT_EQ(max_difference, 0.0);
    EXPECT_EQ(n_different, 0);
  }
}

TEST(MelFilters, NonZeroRangesBoundEveryWeight) {
  for (int n_mels : {80, 128}) {
    const MelFilterBank& bank = WhisperMelFilters(n_mels);
    ASSERT_EQ(bank.n_mels, n_mels);
    for (int m = 0; m < n_mels; m++) {
      ASSERT_LT(bank.first_bin[m], bank.end_bin[m]) << "filter " << m << " is empty";
      for (int f = 0; f < kFrequencyBins; f++) {
        const bool inside = f >= bank.first_bin[m] && f < bank.end_bin[m];
        if (!inside) {
          EXPECT_EQ(bank.weights[m * kFrequencyBins + f], 0.0f) << "filter " << m << " bin " << f;
        }
      }
      EXPECT_NE(bank.weights[m * kFrequencyBins + bank.first_bin[m]], 0.0f);
      EXPECT_NE(bank.weights[m * kFrequencyBins + bank.end_bin[m] - 1], 0.0f);
    }
  }
}

TEST(MelFilters, RejectsOtherBinCountsNamingTheValue) {
  try {
    WhisperMelFilters(64);
    FAIL() << "no error for 64 bins";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_STREQ(error.what(), "[WhisperMelFilters] n_mels must be 80 or 128: 64");
  }
}

}  // namespace
}  // namespace verbatim
