// --- Models: resolution by alias or path, downloads from the Hugging Face Hub ---

export { DEMO_MODEL_DIR } from './models/demo-model.js';
export type { HubModelEntry } from './models/model-catalog.js';
export {
  DEFAULT_MODEL,
  DEMO_MODEL_ALIAS,
  hubModelEntry,
  isModelAlias,
  MODEL_ALIASES,
} from './models/model-catalog.js';
export type { ModelErrorOptions, ModelErrorReason } from './models/model-errors.js';
export { isModelResolutionError, MODEL_ERROR_REASONS, ModelResolutionError } from './models/model-errors.js';
export type { ModelLayout, ModelLayoutInfo } from './models/model-layout.js';
export { detectModelLayout } from './models/model-layout.js';
export type { DownloadProgress, ResolvedModelOptions, ResolveModelOptions } from './models/model-options.js';
export {
  DEFAULT_DOWNLOAD_RETRIES,
  DEFAULT_HUB_ENDPOINT,
  DEFAULT_REVISION,
  defaultCacheDir,
  HF_ENDPOINT_ENV,
  HF_HUB_OFFLINE_ENV,
  HF_TOKEN_ENV,
  VERBATIM_CACHE_ENV,
} from './models/model-options.js';
export type { HubModelRef, ModelSource, ResolvedModel } from './models/resolve-model.js';
export { resolveModel } from './models/resolve-model.js';

// --- end models ---

// --- Transcription: transcribe(), Transcriber, options ---

export { GPU_MEMORY_MODES, type GpuMemory } from '@verbatim/mlx-engine';
export type { StageTimes } from './transcribe/stage-times.js';
export { formatStageTimes } from './transcribe/stage-times.js';
export { transcribe } from './transcribe/transcribe.js';
export type { TranscribeInput } from './transcribe/transcribe-input.js';
export type { Transcription, TranscriptionRunInfo } from './transcribe/transcriber.js';
export { Transcriber } from './transcribe/transcriber.js';
export type {
  ComputeType,
  Device,
  ResolvedTranscriptionOptions,
  ResolvedVadOptions,
  TranscribeMode,
  TranscribeProgress,
  TranscriptionOptions,
  VadOptions,
} from './transcribe/transcription-options.js';
export {
  COMPUTE_TYPES,
  DEFAULT_LANGUAGE_DETECTION_WINDOWS,
  DEFAULT_VAD_OPTIONS,
  DEVICES,
  resolveTranscriptionOptions,
} from './transcribe/transcription-options.js';
export { findSpeechChunks } from './transcribe/vad-transcription.js';

// --- end transcription ---
