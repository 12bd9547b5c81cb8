// Whisper's audio front-end constants, each derived from the ones before it (openai/whisper audio.py), with
// units.
#pragma once

#include <cstddef>

namespace verbatim {

/** Whisper's input rate: 16 kHz mono. */
constexpr int kSampleRateHz = 16000;
/** 400 samples (25 ms) per STFT frame. */
constexpr int kFftSize = 400;
/** 160 samples (10 ms) between frames. */
constexpr int kHopSamples = 160;
/** 201 bins in a one-sided 400-point spectrum (0 Hz … 8000 Hz in 40 Hz steps). */
constexpr int kFrequencyBins = kFftSize / 2 + 1;
/** 30 seconds per encoder window. */
constexpr int kWindowSeconds = 30;
/** 480000 samples in a 30-second window. */
constexpr std::size_t kWindowSamples = static_cast<std::size_t>(kWindowSeconds) * kSampleRateHz;
/** 3000 frames in a 30-second window (the centred STFT gives 3001; the last is dropped). */
constexpr std::size_t kWindowFrames = kWindowSamples / kHopSamples;

/** log10 of Whisper's 1e-10 mel floor: the value of a silent frame before the dynamic-range floor. */
constexpr float kSilentLogMel = -10.0f;
/** Values more than 8 below the spectrogram's max (80 dB) are raised to max - 8. */
constexpr float kDynamicRange = 8.0f;
/** The final (x + 4) / 4 centres log-mel values near [-1, 1]. */
constexpr float kLogMelOffset = 4.0f;
constexpr float kLogMelScale = 4.0f;

}  // namespace verbatim
