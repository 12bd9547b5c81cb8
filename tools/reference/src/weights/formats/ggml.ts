/**
 * whisper.cpp's legacy ggml model file (what convert-pt-to-ggml.py writes and whisper_model_load reads):
 *   int32 magic "ggml", 11 int32 hparams (n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *   n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype), int32 n_mel × n_fft_bins and the float32
 *   mel filterbank, int32 token count and (int32 length, bytes) per token, then per tensor: int32 n_dims, name
 *   length, ftype (0 f32, 1 f16), the dimensions innermost first (reversed PyTorch order), the name, the data.
 * All little-endian.
 */
import { readFileSync } from 'node:fs';
import type { ModelSpec } from '@verbatim/core';
import type { Dtype } from '../float-encoding.js';
import type { ByteSink } from './byte-sink.js';
import type { NpyArray } from './npz.js';
import type { StoredTensor } from './stored-tensor.js';

export const GGML_MAGIC = 0x67676d6c;
const GGML_FTYPE: Partial<Record<Dtype, number>> = { f32: 0, f16: 1 };
const INT32_BYTES = 4;

function ftypeOf(dtype: Dtype): number {
  const ftype = GGML_FTYPE[dtype];
  if (ftype === undefined) throw new RangeError(`[ggml] ggml files hold f32 or f16 tensors, not ${dtype}`);
  return ftype;
}

function int32s(values: readonly number[]): Buffer {
  const out = Buffer.alloc(INT32_BYTES * values.length);
  values.forEach((value, i) => {
    out.writeInt32LE(value, INT32_BYTES * i);
  });
  return out;
}

/**
 * float32 data with -0.0 written as +0.0. OpenAI's current mel_filters.npz holds -0.0 at [0, 0]; the ggml files
 * whisper.cpp released (and its for-tests-ggml-*.bin) hold +0.0 there, and this header matches those bytes.
 */
function positiveZeros(data: Uint8Array): Uint8Array {
  const values = new Float32Array(data.byteLength / 4);
  new Uint8Array(values.buffer).set(data);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + 0;
  return new Uint8Array(values.buffer);
}

/** Magic, hparams, mel filters and vocabulary: everything before the first tensor. */
export function ggmlHeader(
  spec: ModelSpec,
  dtype: Dtype,
  melFilters: NpyArray,
  vocabulary: readonly Uint8Array[],
): Buffer {
  if (melFilters.descr !== '<f4' || melFilters.shape.length !== 2) {
    throw new RangeError(
      `[ggmlHeader] mel filters must be float32 [n_mels, n_bins], got ${melFilters.descr}`,
    );
  }
  const hparams = [
    GGML_MAGIC,
    spec.nVocab,
    spec.nAudioCtx,
    spec.nAudioState,
    spec.nAudioHead,
    spec.nAudioLayer,
    spec.nTextCtx,
    spec.nTextState,
    spec.nTextHead,
    spec.nTextLayer,
    spec.nMels,
    ftypeOf(dtype),
  ];
  const parts: Uint8Array[] = [
    int32s(hparams),
    int32s(melFilters.shape),
    positiveZeros(melFilters.data),
    int32s([vocabulary.length]),
  ];
  for (const token of vocabulary) parts.push(int32s([token.byteLength]), token);
  return Buffer.concat(parts);
}

/** The per-tensor header: n_dims, name length, ftype, dims innermost first, name. */
export function ggmlTensorHeader(tensor: StoredTensor): Buffer {
  const name = Buffer.from(tensor.name, 'utf8');
  const dims = [...tensor.shape].reverse();
  return Buffer.concat([
    int32s([tensor.shape.length, name.byteLength, ftypeOf(tensor.dtype), ...dims]),
    name,
  ]);
}

/** Streams a whole ggml model file. */
export function writeGgml(sink: ByteSink, header: Uint8Array, tensors: readonly StoredTensor[]): void {
  sink.write(header);
  for (const tensor of tensors) {
    sink.write(ggmlTensorHeader(tensor));
    tensor.writeTo(sink);
  }
}

/** Token bytes of a .tiktoken file (base64 token, space, rank per line) in rank order. Throws on gaps in ranks. */
export function readTiktoken(path: string): Buffer[] {
  const ranked: [number, Buffer][] = [];
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    if (line.length === 0) continue;
    const [token, rank] = line.split(' ') as [string, string];
    ranked.push([Number(rank), Buffer.from(token, 'base64')]);
  }
  ranked.sort((a, b) => a[0] - b[0]);
  ranked.forEach(([rank], i) => {
    if (rank !== i) throw new SyntaxError(`[readTiktoken] ${path}: rank ${i} is missing`);
  });
  return ranked.map(([, token]) => token);
}
