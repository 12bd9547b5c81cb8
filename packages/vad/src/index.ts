export type { TimeMapEdge } from './chunk-time-map.js';
export { ChunkTimeMap } from './chunk-time-map.js';
export { CONTEXT_SAMPLES, VAD_SAMPLE_RATE_HZ, WINDOW_SAMPLES } from './constants.js';
export type { VadAudioInput } from './internal/vad-input.js';
export type { MergeChunksOptions, SpeechChunk } from './merge-chunks.js';
export { chunkAudio, mergeChunks } from './merge-chunks.js';
export type {
  SileroModelOptions,
  SileroModelSource,
  SileroRunResult,
  SileroVersion,
} from './silero-model.js';
export { SILERO_VERSIONS, SileroModel, sileroModelPath } from './silero-model.js';
export type { SileroVadOptions } from './silero-vad.js';
export { SileroVad } from './silero-vad.js';
export type { SileroWorkersOptions } from './silero-workers.js';
export { SileroWorkers } from './silero-workers.js';
export type { SpeechProbabilities, SpeechProbabilityOptions } from './speech-probabilities.js';
export { DEFAULT_MAX_PARALLEL_PIECES, DEFAULT_PIECE_S, speechProbabilities } from './speech-probabilities.js';
export type { SpeechSpan } from './speech-span.js';
export type { ResolvedSpeechTimestampOptions, SpeechTimestampOptions } from './speech-timestamp-options.js';
export {
  DEFAULT_SPEECH_TIMESTAMP_OPTIONS,
  resolveSpeechTimestampOptions,
} from './speech-timestamp-options.js';
export type { SpeechTimestampsResult } from './speech-timestamps.js';
export { speechSpansFromProbabilities, speechTimestamps } from './speech-timestamps.js';
