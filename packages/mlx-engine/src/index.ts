export type { AppendOptions, DecoderSession } from './decoder-session.js';
export type { EncoderOutput } from './encoder-output.js';
export type { LoadModelOptions } from './load-model.js';
export { loadModel } from './load-model.js';
export type { EngineBackend, ModelFormat, ModelInfo, WeightDtype } from './model-info.js';
export type { WhisperModel } from './whisper-model.js';
