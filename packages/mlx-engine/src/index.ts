export type { DecodeOptions, DecodeResult, DecodeWindowOptions } from './decode-options.js';
export { DECODE_DEFAULTS } from './decode-options.js';
export type { AppendOptions, DecoderSession } from './decoder-session.js';
export type { EncoderOutput } from './encoder-output.js';
export type { EngineDevice, GpuMemory, LoadModelOptions } from './load-model.js';
export { GPU_MEMORY_MODES, loadModel } from './load-model.js';
export type { EngineBackend, ModelFormat, ModelInfo, SpecialTokenIds, WeightDtype } from './model-info.js';
export type { WhisperModel } from './whisper-model.js';
