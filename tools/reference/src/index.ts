export type {
  GenerateMode,
  GenerateModeName,
  GreedyDecodingModel,
  GreedyWindowOptions,
} from './fixtures/generate-like-transformers.js';
export {
  GENERATE_MODES,
  generateFixtureMode,
  generateLikeTransformers,
  MAX_SEEK_ROUNDS,
  melFrom,
  retrieveSegment,
} from './fixtures/generate-like-transformers.js';
export { loadReferenceClip, SPEECH_DIR, samplesSha256 } from './fixtures/reference-clips.js';
export type {
  ReferenceArchitecture,
  ReferenceClip,
  ReferenceFixture,
  TopKLogits,
} from './fixtures/reference-fixture.js';
export {
  CI_ARCHITECTURES,
  loadReferenceFixture,
  REFERENCE_ARCHITECTURES,
  REFERENCE_FIXTURE_DIR,
} from './fixtures/reference-fixture.js';
export type { ParityResult, Precision } from './fixtures/tolerance.js';
export {
  checkParity,
  firstTokenMismatch,
  RELATIVE_L2_TOLERANCE,
  relativeL2Error,
} from './fixtures/tolerance.js';
export type { Dtype } from './weights/float-encoding.js';
export {
  bfloat16BitsToNumber,
  bytesPerElement,
  DTYPES,
  decodeValues,
  encodeValues,
  float16BitsToNumber,
  float32BitsToBfloat16Bits,
  float32BitsToFloat16Bits,
  isDtype,
} from './weights/float-encoding.js';
export type { ByteSink } from './weights/formats/byte-sink.js';
export { FileSink, HashSink, withFileSink } from './weights/formats/byte-sink.js';
export { ggmlHeader, ggmlTensorHeader, readTiktoken, writeGgml } from './weights/formats/ggml.js';
export type { NpyArray } from './weights/formats/npz.js';
export { npyHeader, parseNpy, readNpz, writeNpz } from './weights/formats/npz.js';
export type { JsonValue, PythonJsonOptions } from './weights/formats/python-json.js';
export {
  dumpPythonJson,
  float,
  JsonFloat,
  parsePythonJson,
  pythonFloatRepr,
} from './weights/formats/python-json.js';
export type { SafetensorsEntry, SafetensorsHeader } from './weights/formats/safetensors.js';
export {
  planShards,
  readSafetensorsBytes,
  readSafetensorsHeader,
  SHARD_INDEX_FILE,
  safetensorsHeader,
  shardFileName,
  writeSafetensors,
  writeShardedSafetensors,
} from './weights/formats/safetensors.js';
export type { StoredTensor, StoredTensorOptions } from './weights/formats/stored-tensor.js';
export { permuteAxes, seededStoredTensor } from './weights/formats/stored-tensor.js';
export type { GgmlDtype, GgmlLayoutOptions } from './weights/layouts/ggml.js';
export {
  ggmlFileHeader,
  ggmlTensorDtype,
  ggmlTensors,
  ggmlVocabulary,
  writeGgmlLayout,
} from './weights/layouts/ggml.js';
export type { HfLayoutOptions } from './weights/layouts/hf.js';
export { HF_SAFETENSORS_METADATA, hfTensors, writeHfLayout } from './weights/layouts/hf.js';
export {
  ALIGNMENT_HEADS,
  alignmentHeads,
  configJson,
  generationConfigJson,
  hubName,
  preprocessorConfigJson,
  TRANSFORMERS_VERSION,
  transformersJson,
} from './weights/layouts/hf-config.js';
export {
  bpeMerges,
  byteToUnicode,
  HF_TOKENIZER_ASSETS,
  TOKENIZER_FILES,
  tokenizerFiles,
} from './weights/layouts/hf-tokenizer.js';
export type { MlxContainer, MlxLayoutOptions } from './weights/layouts/mlx.js';
export { MLX_CONV_AXES, mlxConfigJson, mlxTensors, writeMlxLayout } from './weights/layouts/mlx.js';
export type { AddedToken } from './weights/layouts/special-tokens.js';
export { LANGUAGES, N_TIMESTAMP_TOKENS, SpecialTokens } from './weights/layouts/special-tokens.js';
export type { Layout, WriteLayoutOptions } from './weights/layouts/write-layout.js';
export {
  DEFAULT_MAX_SHARD_BYTES,
  defaultAssetsDir,
  isLayout,
  LAYOUTS,
  writeLayout,
} from './weights/layouts/write-layout.js';
export {
  elementBits,
  fillUniform,
  fmix32,
  fnv1a32,
  MAX_SEED,
  MAX_TENSOR_ELEMENTS,
  tensorKeys,
  uniformFromBits,
  uniformScale,
} from './weights/seeded-generator.js';
export { CHUNK_ELEMENTS, fillTensorValues, tensorChunks, tensorValues } from './weights/seeded-tensor.js';
export { sinusoids } from './weights/sinusoids.js';
export type { TensorInit, TensorSpec } from './weights/whisper-tensors.js';
export {
  architectureSpec,
  BIAS_STD,
  elementCount,
  isArchitectureName,
  LAYER_NORM_STD,
  mlxName,
  openaiDimensions,
  tensorByHfName,
  WEIGHT_STD,
  whisperTensors,
} from './weights/whisper-tensors.js';
