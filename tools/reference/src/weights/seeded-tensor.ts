/** Values of whole seeded tensors, at once or streamed in chunks. Pure; thread-safe. */
import { fillUniform } from './seeded-generator.js';
import { sinusoids } from './sinusoids.js';
import type { TensorSpec } from './whisper-tensors.js';
import { elementCount } from './whisper-tensors.js';

/** Elements per streamed chunk: 1 Mi float32 values, 4 MiB. */
export const CHUNK_ELEMENTS = 1 << 20;

/** Fills `out` with elements [start, start + out.length) of the tensor, in row-major order of its PyTorch shape. */
export function fillTensorValues(seed: number, tensor: TensorSpec, start: number, out: Float32Array): void {
  const count = elementCount(tensor.shape);
  if (start < 0 || start + out.length > count) {
    throw new RangeError(
      `[fillTensorValues] elements [${start}, ${start + out.length}) outside ${tensor.hfName}`,
    );
  }
  if (tensor.init.kind === 'sinusoids') {
    const [length, channels] = tensor.shape as [number, number];
    out.set(sinusoids(length, channels).subarray(start, start + out.length));
  } else {
    fillUniform(seed, tensor.hfName, tensor.init, start, out);
  }
}

/** The whole tensor as float32 (for tensors small enough to hold; stream large ones with tensorChunks). */
export function tensorValues(seed: number, tensor: TensorSpec): Float32Array {
  const out = new Float32Array(elementCount(tensor.shape));
  fillTensorValues(seed, tensor, 0, out);
  return out;
}

/**
 * The tensor's values in consecutive chunks of at most `chunkElements`. Each yielded array is reused for the next
 * chunk: consume (encode, write, hash) it before advancing.
 */
export function* tensorChunks(
  seed: number,
  tensor: TensorSpec,
  chunkElements: number = CHUNK_ELEMENTS,
): Generator<Float32Array> {
  const count = elementCount(tensor.shape);
  const buffer = new Float32Array(Math.min(chunkElements, count));
  for (let start = 0; start < count; start += chunkElements) {
    const chunk = buffer.subarray(0, Math.min(chunkElements, count - start));
    fillTensorValues(seed, tensor, start, chunk);
    yield chunk;
  }
}
