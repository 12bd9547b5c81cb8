// Helpers for the audio tests: the block kernels this CPU runs, and for checks against files made by other
// tools (numpy, ffmpeg) shell commands, repository paths and the shared recordings (16-bit WAV). Scratch
// directories and whole-file reads and writes are tests/formats/test_files.h's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace verbatim {

struct MelBlockKernel;

namespace test_support {

/** Every log-mel block kernel this CPU runs, scalar first. */
std::vector<const MelBlockKernel*> SupportedMelBlockKernels();

/** `text` single-quoted for /bin/sh. */
std::string ShellQuote(const std::string& text);

/** Runs `command` with /bin/sh; returns true when it exits with status 0. */
bool RunShell(const std::string& command);

/** The repository root (VERBATIM_REPO_ROOT) joined with `relative`. */
std::string RepoPath(const std::string& relative);

/**
 * A file of the shared speech recordings: $VERBATIM_SHARED/speech/`relative` when VERBATIM_SHARED is set (the
 * copy carried to the GPU machine, tools/cuda/gpu_check.sh), else ../shared/speech/`relative` beside the
 * checkout.
 */
std::string SpeechPath(const std::string& relative);

/** The little-endian 16-bit value at `bytes`. */
std::uint16_t LittleEndian16(const char* bytes);

/** `n_samples` little-endian int16 values from `bytes`. */
std::vector<std::int16_t> DecodeLittleEndianPcm16(const char* bytes, std::size_t n_samples);

/**
 * The samples of a 16 kHz mono 16-bit PCM WAV file: a RIFF chunk walk. On anything else (or a missing file)
 * the test fails and no samples come back.
 */
std::vector<std::int16_t> ReadWavPcm16(const std::string& path);

}  // namespace test_support
}  // namespace verbatim
