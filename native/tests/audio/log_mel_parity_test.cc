// Parity with the TypeScript reference on real recordings: the fixtures packages/audio's log-mel.test.ts
// checks (packages/audio/src/mel/fixtures, made by tools/fixtures/mel/make_mel_fixtures.py: float64 numpy
// results stored as 16-bit steps, at most 1.53e-5 off), within the same 1e-4.
//
// python3 (standard library only) turns manifest.json and the gzipped fixtures into a tab-separated index and
// raw uint16 files; the WAV inputs are parsed here and the FLAC one decoded with ffmpeg, as the TypeScript
// test does.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "audio/audio_test_support.h"
#include "audio/log_mel.h"
#include "formats/test_files.h"

namespace verbatim {
namespace {

using test_support::DecodeLittleEndianPcm16;
using test_support::LittleEndian16;
using test_support::ReadWavPcm16;
using test_support::RepoPath;
using test_support::RunShell;
using test_support::ShellQuote;
using test_support::SpeechPath;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

/** The parity budget of log-mel.test.ts (it includes the fixtures' quantisation). */
constexpr double kParityTolerance = 1e-4;
const char* const kFixturesDir = "packages/audio/src/mel/fixtures";

struct ClipSource {
  std::string path;  // under ../shared/speech
  std::size_t start = 0;
  long long end = -1;  // exclusive; -1 = to the end
};

struct Clip {
  std::size_t sample_count = 0;
  std::string pcm_sha256;
  std::vector<ClipSource> sources;
};

struct Fixture {
  std::string name;
  std::string kind;  // "window" (ComputeLogMel) or "frames" (ComputeLogMelFrames)
  std::string clip;
  int n_mels = 0;
  std::size_t n_frames = 0;
  std::size_t stored_frames = 0;
  double tail_value = 0;  // every frame from stored_frames on (window fixtures of short clips)
  double offset = 0;      // value = offset + code * step
  double step = 0;
};

struct Manifest {
  std::map<std::string, Clip> clips;
  std::vector<Fixture> fixtures;
};

/**
 * Reads manifest.json through python3 into `scratch`: index.tsv (lines "clip", "source" and "fixture", fields
 * as below, numbers as Python's repr: exact) and <fixture name>.u16 (the gunzipped codes).
 */
Manifest ReadManifest(const ScratchDir& scratch) {
  const std::string script =
      "import gzip, json, sys\n"
      "fixtures_dir, out = sys.argv[1], sys.argv[2]\n"
      "manifest = json.load(open(f'{fixtures_dir}/manifest.json'))\n"
      "with open(f'{out}/index.tsv', 'w') as index:\n"
      "    for name, clip in manifest['clips'].items():\n"
      "        print('clip', name, clip['sampleCount'], clip['pcmSha256'], sep='\\t', file=index)\n"
      "        for s in clip['sources']:\n"
      "            end = -1 if s['end'] is None else s['end']\n"
      "            print('source', name, s['path'], s['start'], end, sep='\\t', file=index)\n"
      "    for f in manifest['fixtures']:\n"
      "        tail = 'nan' if f['tailValue'] is None else repr(f['tailValue'])\n"
      "        print('fixture', f['name'], f['kind'], f['clip'], f['nMels'], f['nFrames'], "
      "f['storedFrames'],\n"
      "              tail, repr(f['offset']), repr(f['step']), sep='\\t', file=index)\n"
      "        codes = gzip.decompress(open(f\"{fixtures_dir}/{f['file']}\", 'rb').read())\n"
      "        open(f\"{out}/{f['name']}.u16\", 'wb').write(codes)\n";
  const std::string command = "python3 -c " + ShellQuote(script) + " " + ShellQuote(RepoPath(kFixturesDir)) +
                              " " + ShellQuote(scratch.path());
  Manifest manifest;
  if (!RunShell(command)) {
    ADD_FAILURE() << "python3 could not read the fixture manifest: " << command;
    return manifest;
  }
  std::ifstream index(scratch.Join("index.tsv"));
  std::string line;
  while (std::getline(index, line)) {
    std::istringstream fields(line);
    std::string type;
    std::getline(fields, type, '\t');
    std::vector<std::string> values;
    for (std::string value; std::getline(fields, value, '\t');)
      values.push_back(value);
    if (type == "clip") {
      Clip& clip = manifest.clips[values.at(0)];
      clip.sample_count = std::stoull(values.at(1));
      clip.pcm_sha256 = values.at(2);
    } else if (type == "source") {
      manifest.clips[values.at(0)].sources.push_back(
          {values.at(1), std::stoull(values.at(2)), std::stoll(values.at(3))});
    } else if (type == "fixture") {
      manifest.fixtures.push_back({values.at(0), values.at(1), values.at(2), std::stoi(values.at(3)),
                                   std::stoull(values.at(4)), std::stoull(values.at(5)),
                                   std::stod(values.at(6)), std::stod(values.at(7)),
                                   std::stod(values.at(8))});
    }
  }
  return manifest;
}

/** Any other format through ffmpeg to raw s16le in `scratch`, as the fixture script decodes it. */
std::vector<std::int16_t> DecodeWithFfmpeg(const std::string& path, const ScratchDir& scratch) {
  const std::string raw = scratch.Join("decoded.s16");
  const std::string command =
      "ffmpeg -v error -y -i " + ShellQuote(path) + " -f s16le -acodec pcm_s16le " + ShellQuote(raw);
  if (!RunShell(command)) {
    ADD_FAILURE() << "ffmpeg (needed for the FLAC input) failed: " << command;
    return {};
  }
  const std::string bytes = ReadFile(raw);
  return DecodeLittleEndianPcm16(bytes.data(), bytes.size() / 2);
}

/** sha256 of the samples as little-endian int16 bytes (what the manifest records), through sha256sum. */
std::string PcmSha256(const std::vector<std::int16_t>& pcm, const ScratchDir& scratch) {
  std::string bytes(pcm.size() * 2, '\0');
  for (std::size_t i = 0; i < pcm.size(); i++) {
    const auto value = static_cast<std::uint16_t>(pcm[i]);
    bytes[2 * i] = static_cast<char>(value & 0xff);
    bytes[2 * i + 1] = static_cast<char>(value >> 8);
  }
  const std::string pcm_path = scratch.Join("clip.s16");
  const std::string digest_path = scratch.Join("clip.sha256");
  WriteFile(pcm_path, bytes);
  if (!RunShell("sha256sum " + ShellQuote(pcm_path) + " > " + ShellQuote(digest_path)))
    return "";
  return ReadFile(digest_path).substr(0, 64);
}

/** A clip's samples as float32 (int16 / 32768, exact): each source sliced [start, end) and all concatenated.
 */
std::vector<float> LoadClip(const Clip& clip, const ScratchDir& scratch) {
  std::vector<std::int16_t> pcm;
  for (const ClipSource& source : clip.sources) {
    const std::string path = SpeechPath(source.path);
    const bool is_wav = path.size() >= 4 && path.compare(path.size() - 4, 4, ".wav") == 0;
    const std::vector<std::int16_t> samples = is_wav ? ReadWavPcm16(path) : DecodeWithFfmpeg(path, scratch);
    const std::size_t end =
        source.end < 0 ? samples.size() : std::min<std::size_t>(source.end, samples.size());
    pcm.insert(pcm.end(), samples.begin() + std::min(source.start, end), samples.begin() + end);
  }
  // The same samples the script read, or the comparison means nothing.
  EXPECT_EQ(pcm.size(), clip.sample_count);
  EXPECT_EQ(PcmSha256(pcm, scratch), clip.pcm_sha256);
  std::vector<float> samples(pcm.size());
  for (std::size_t i = 0; i < pcm.size(); i++)
    samples[i] = pcm[i] / 32768.0f;
  return samples;
}

/** Largest |actual - reference| over the stored frames, and over later frames against the tail value. */
double MaxDifference(const std::vector<float>& actual, const Fixture& fixture, const ScratchDir& scratch) {
  const std::string codes = ReadFile(scratch.Join(fixture.name + ".u16"));
  EXPECT_EQ(codes.size(), 2 * static_cast<std::size_t>(fixture.n_mels) * fixture.stored_frames);
  if (codes.size() != 2 * static_cast<std::size_t>(fixture.n_mels) * fixture.stored_frames)
    return INFINITY;
  double max = 0;
  for (int m = 0; m < fixture.n_mels; m++) {
    for (std::size_t t = 0; t < fixture.n_frames; t++) {
      const double expected =
          t < fixture.stored_frames
              ? fixture.offset + LittleEndian16(&codes[2 * (m * fixture.stored_frames + t)]) * fixture.step
              : fixture.tail_value;
      max = std::max(max, std::abs(actual[m * fixture.n_frames + t] - expected));
    }
  }
  return max;
}

TEST(LogMelParity, MatchesTheTypeScriptReferenceFixtures) {
  const ScratchDir scratch;
  const Manifest manifest = ReadManifest(scratch);
  ASSERT_FALSE(manifest.fixtures.empty());
  std::map<std::string, std::vector<float>> clip_samples;
  for (const Fixture& fixture : manifest.fixtures) {
    SCOPED_TRACE(fixture.name);
    if (clip_samples.count(fixture.clip) == 0) {
      clip_samples[fixture.clip] = LoadClip(manifest.clips.at(fixture.clip), scratch);
    }
    const std::vector<float>& samples = clip_samples[fixture.clip];
    std::vector<float> actual(static_cast<std::size_t>(fixture.n_mels) * fixture.n_frames);
    if (fixture.kind == "window") {
      ASSERT_EQ(fixture.n_frames, kWindowFrames);
      ComputeLogMel(samples.data(), samples.size(), fixture.n_mels, actual.data());
    } else {
      ASSERT_EQ(fixture.kind, "frames");
      ASSERT_EQ(fixture.n_frames, LogMelFrameCount(samples.size()));
      ComputeLogMelFrames(samples.data(), samples.size(), fixture.n_mels, actual.data(), 1);
    }
    const double difference = MaxDifference(actual, fixture, scratch);
    std::printf("  %-42s max |native - fixture| = %.3g\n", fixture.name.c_str(), difference);
    EXPECT_LE(difference, kParityTolerance);
  }
}

}  // namespace
}  // namespace verbatim
