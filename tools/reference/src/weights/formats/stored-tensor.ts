/** A tensor as a container stores it: its name and shape there, its dtype, and how to stream its bytes. */
import type { Dtype } from '../float-encoding.js';
import { bytesPerElement, encodeValues } from '../float-encoding.js';
import { tensorChunks, tensorValues } from '../seeded-tensor.js';
import type { TensorSpec } from '../whisper-tensors.js';
import { elementCount } from '../whisper-tensors.js';
import type { ByteSink } from './byte-sink.js';

export interface StoredTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  readonly byteLength: number;
  /** Writes the tensor's bytes; may be called more than once (the values are regenerated each time). */
  writeTo(sink: ByteSink): void;
}

export interface StoredTensorOptions {
  /** Name in the container (default: the Hugging Face name). */
  readonly name?: string;
  /** Shape in the container when it only adds size-1 axes (e.g. ggml's conv bias [n, 1]); default: the PyTorch shape. */
  readonly shape?: readonly number[];
  /** Axis permutation applied to the values (MLX conv weights: [0, 2, 1]). Held whole in memory: small tensors only. */
  readonly axes?: readonly number[];
}

/** Row-major transpose of `values` (shape `shape`) by `axes`. */
export function permuteAxes(
  values: Float32Array,
  shape: readonly number[],
  axes: readonly number[],
): Float32Array {
  const outShape = axes.map((axis) => shape[axis]!);
  const inStrides = shape.map((_, i) => elementCount(shape.slice(i + 1)));
  const out = new Float32Array(values.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let d = 0; d < axes.length; d++) source += index[d]! * inStrides[axes[d]!]!;
    out[o] = values[source]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** A seeded tensor stored in `dtype`, streamed chunk by chunk unless `options.axes` permutes it. */
export function seededStoredTensor(
  seed: number,
  tensor: TensorSpec,
  dtype: Dtype,
  options: StoredTensorOptions = {},
): StoredTensor {
  const axes = options.axes;
  const shape =
    options.shape ?? (axes === undefined ? tensor.shape : axes.map((axis) => tensor.shape[axis]!));
  if (elementCount(shape) !== elementCount(tensor.shape)) {
    throw new RangeError(
      `[seededStoredTensor] shape [${shape}] does not fit ${tensor.hfName} [${tensor.shape}]`,
    );
  }
  return {
    name: options.name ?? tensor.hfName,
    shape,
    dtype,
    byteLength: elementCount(shape) * bytesPerElement(dtype),
    writeTo(sink: ByteSink): void {
      if (axes !== undefined) {
        sink.write(encodeValues(permuteAxes(tensorValues(seed, tensor), tensor.shape, axes), dtype));
        return;
      }
      for (const chunk of tensorChunks(seed, tensor)) sink.write(encodeValues(chunk, dtype));
    },
  };
}
