/**
 * The whisper.cpp layout: one ggml-model.bin (f16) or ggml-model-f32.bin with hparams, OpenAI's mel filters, the
 * BPE vocabulary as raw bytes and every tensor under its OpenAI name, as convert-pt-to-ggml.py writes them.
 */
import { join } from 'node:path';
import type { Dtype } from '../float-encoding.js';
import { withFileSink } from '../formats/byte-sink.js';
import { ggmlHeader, readTiktoken, writeGgml } from '../formats/ggml.js';
import { readNpz } from '../formats/npz.js';
import type { StoredTensor } from '../formats/stored-tensor.js';
import { seededStoredTensor } from '../formats/stored-tensor.js';
import type { TensorSpec } from '../whisper-tensors.js';
import { architectureSpec, whisperTensors } from '../whisper-tensors.js';

export type GgmlDtype = Extract<Dtype, 'f32' | 'f16'>;
const CONV_BIASES = new Set(['encoder.conv1.bias', 'encoder.conv2.bias']);
/** Tensors an f16 file still stores as f32 (besides every 1-D tensor). */
const F32_IN_F16_FILES = new Set([
  ...CONV_BIASES,
  'encoder.positional_embedding',
  'decoder.positional_embedding',
]);
const ENGLISH_END_OF_TEXT = '<|endoftext|>';

/** whisper.cpp's rule: in an f16 file, 1-D tensors, conv biases and positional embeddings stay f32. */
export function ggmlTensorDtype(tensor: TensorSpec, fileDtype: GgmlDtype): GgmlDtype {
  if (fileDtype === 'f32' || tensor.shape.length < 2 || F32_IN_F16_FILES.has(tensor.openaiName)) return 'f32';
  return 'f16';
}

/** Every tensor in OpenAI order; conv biases as [n, 1], as convert-pt-to-ggml.py reshapes them. */
export function ggmlTensors(architecture: string, seed: number, dtype: GgmlDtype): StoredTensor[] {
  return whisperTensors(architecture).map((tensor) =>
    seededStoredTensor(seed, tensor, ggmlTensorDtype(tensor, dtype), {
      name: tensor.openaiName,
      ...(CONV_BIASES.has(tensor.openaiName) ? { shape: [tensor.shape[0]!, 1] } : {}),
    }),
  );
}

/**
 * The BPE tokens as raw bytes: multilingual.tiktoken's 50257, or gpt2.tiktoken's 50256 plus `<|endoftext|>` (the
 * released ggml-*.en.bin files were converted from a vocab.json that still held it).
 */
export function ggmlVocabulary(nVocab: number, assetsDir: string): Uint8Array[] {
  const multilingual = nVocab >= 51865;
  const tokens = readTiktoken(
    join(assetsDir, 'whisper', multilingual ? 'multilingual.tiktoken' : 'gpt2.tiktoken'),
  );
  return multilingual ? tokens : [...tokens, Buffer.from(ENGLISH_END_OF_TEXT, 'utf8')];
}

/** Magic, hparams, mel filters and vocabulary of the architecture's file. */
export function ggmlFileHeader(architecture: string, dtype: GgmlDtype, assetsDir: string): Buffer {
  const spec = architectureSpec(architecture);
  const filters = readNpz(join(assetsDir, 'whisper', 'mel_filters.npz')).get(`mel_${spec.nMels}`);
  if (filters === undefined)
    throw new RangeError(`[ggmlFileHeader] mel_filters.npz has no mel_${spec.nMels}`);
  return ggmlHeader(spec, dtype, filters, ggmlVocabulary(spec.nVocab, assetsDir));
}

export interface GgmlLayoutOptions {
  readonly architecture: string;
  readonly seed: number;
  readonly dtype: GgmlDtype;
  /** shared/assets, for mel_filters.npz and the .tiktoken vocabularies. */
  readonly assetsDir: string;
}

/** Writes ggml-model.bin (f16) or ggml-model-f32.bin into `dir`; returns its path. */
export function writeGgmlLayout(dir: string, options: GgmlLayoutOptions): string[] {
  const { architecture, seed, dtype, assetsDir } = options;
  const path = join(dir, dtype === 'f32' ? 'ggml-model-f32.bin' : 'ggml-model.bin');
  const header = ggmlFileHeader(architecture, dtype, assetsDir);
  withFileSink(path, (sink) => writeGgml(sink, header, ggmlTensors(architecture, seed, dtype)));
  return [path];
}
