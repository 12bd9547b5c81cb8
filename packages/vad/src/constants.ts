/**
 * Silero VAD's fixed framing at 16 kHz, each constant named once with its unit (snakers4/silero-vad `OnnxWrapper`).
 */

import { SAMPLE_RATE_HZ } from '@verbatim/core';

/** The VAD runs on 16000 Hz mono audio; other rates are resampled first. */
export const VAD_SAMPLE_RATE_HZ = SAMPLE_RATE_HZ;
/** 512 new samples (32 ms) per model call: one speech probability per window. */
export const WINDOW_SAMPLES = 512;
/** 64 samples (4 ms) of the previous window prepended to each window; zeros after a reset. */
export const CONTEXT_SAMPLES = 64;
/** 576 samples per model input row: context + window. */
export const INPUT_SAMPLES = CONTEXT_SAMPLES + WINDOW_SAMPLES;
/** The recurrent state: [2, batch, 128] float32, 256 floats per stream. */
export const STATE_WIDTH = 128;
export const STATE_FLOATS_PER_ROW = 2 * STATE_WIDTH;
