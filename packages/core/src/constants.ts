/**
 * Whisper's fixed audio and timing constants, each named once with its unit and derived from the others where the
 * reference derives it (openai/whisper `audio.py`).
 */

/** Every model input is mono audio at 16000 samples per second. */
export const SAMPLE_RATE_HZ = 16_000;
/** 400 samples (25 ms) per STFT window. */
export const N_FFT = 400;
/** 160 samples (10 ms) between successive STFT frames. */
export const HOP_LENGTH_SAMPLES = 160;
/** 30 seconds of audio in one encoder window. */
export const CHUNK_LENGTH_S = 30;
/** 480000 samples in a 30-second chunk. */
export const N_SAMPLES_PER_CHUNK = CHUNK_LENGTH_S * SAMPLE_RATE_HZ;
/** 3000 mel frames in a 30-second chunk. */
export const N_FRAMES_PER_CHUNK = N_SAMPLES_PER_CHUNK / HOP_LENGTH_SAMPLES;
/** 100 mel frames per second (10 ms each). */
export const FRAMES_PER_SECOND = SAMPLE_RATE_HZ / HOP_LENGTH_SAMPLES;
/** 320 samples per encoder output position: the conv front-end halves the frame rate. */
export const N_SAMPLES_PER_TOKEN = HOP_LENGTH_SAMPLES * 2;
/** 50 encoder positions (audio tokens) per second: 20 ms each. */
export const TOKENS_PER_SECOND = SAMPLE_RATE_HZ / N_SAMPLES_PER_TOKEN;
/** 0.02 s between consecutive timestamp tokens. */
export const TIMESTAMP_RESOLUTION_S = 1 / TOKENS_PER_SECOND;
/** 1500 encoder positions in a 30-second chunk. */
export const N_AUDIO_CTX = N_FRAMES_PER_CHUNK / 2;
/** Mel bin counts the models use: 80 for every model before large-v3, 128 for large-v3 and its descendants. */
export const MEL_BIN_COUNTS = [80, 128] as const;
export type MelBinCount = (typeof MEL_BIN_COUNTS)[number];
/** Floor applied before log10 so silence does not produce -Infinity. */
export const LOG_MEL_FLOOR = 1e-10;
/** Dynamic range kept by the log-mel: values below (max - 8) are raised to it (80 dB in log10 power). */
export const LOG_MEL_DYNAMIC_RANGE = 8;
