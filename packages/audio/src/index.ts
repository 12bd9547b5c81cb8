// --- Resampling, Whisper log-mel, .npy ---

export type { LogMelFrames } from './mel/log-mel.js';
export { logMelFrames, logMelSpectrogram } from './mel/log-mel.js';
export type { MelFilterBank } from './mel/mel-filters.js';
export { loadMelFilters, N_FREQUENCY_BINS } from './mel/mel-filters.js';
export { readNpzMembers } from './mel/npz.js';
export type { NpyFloat32Array } from './npy.js';
export { decodeNpy, encodeNpy, writeNpy } from './npy.js';
export { Resampler, resample, resampledLength } from './resample/resampler.js';

// --- end resampling, log-mel, .npy ---

// --- Decoding: native WAV reader, ffmpeg/ffprobe, decodeAudioFile/probe entry points ---

export { decodeWithFfmpeg } from './ffmpeg/decode-with-ffmpeg.js';
export type { FfmpegBinaryOptions } from './ffmpeg/ffmpeg-binaries.js';
export { FFMPEG_PATH_ENV, FFPROBE_PATH_ENV } from './ffmpeg/ffmpeg-binaries.js';
export type { FfmpegInput } from './ffmpeg/ffmpeg-input.js';
export { probeWithFfprobe } from './ffmpeg/probe-with-ffprobe.js';
export type { DecodedAudio, LoadAudioOptions } from './load-audio.js';
export { decodeAudioFile, loadAudio, probe } from './load-audio.js';
export type { AudioFormatInfo } from './load-audio-format.js';
export type { DecodedWav, ReadWavOptions, WavFormat } from './wav/read-wav.js';
export { readWav, readWavFormat } from './wav/read-wav.js';
export type { WavContainer } from './wav/wav-header.js';
export { isWavSignature } from './wav/wav-header.js';
// --- end decoding ---
