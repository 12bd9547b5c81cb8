// The cross-language contract: python/record_hashes.py recorded these hashes with numpy; the TypeScript generator
// must reproduce every one. This test never runs Python: the committed fixture is the contract.
import { readFileSync } from 'node:fs';
import { WHISPER_ARCHITECTURES } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import type { Dtype } from './float-encoding.js';
import { encodeValues } from './float-encoding.js';
import { HashSink } from './formats/byte-sink.js';
import { writeSafetensors } from './formats/safetensors.js';
import { HF_SAFETENSORS_METADATA, hfTensors } from './layouts/hf.js';
import { tensorChunks } from './seeded-tensor.js';
import { openaiDimensions, tensorByHfName } from './whisper-tensors.js';

interface Fixture {
  readonly spec_version: number;
  readonly seed: number;
  readonly architectures: Record<string, Record<string, number>>;
  readonly files: Record<string, string>;
  readonly tensors: Record<string, string>;
}

const FIXTURE: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/weight-hashes.json', import.meta.url), 'utf8'),
);

/** `large-v3/f16/model.decoder.layers.0.fc1.weight` → its parts. */
function parseKey(key: string): [string, Dtype, string] {
  const [architecture, dtype, ...rest] = key.split('/');
  return [architecture!, dtype as Dtype, rest.join('/')];
}

describe('weight hashes recorded by the numpy implementation', () => {
  it('describes the same architectures as @verbatim/core', () => {
    const fromCore = Object.fromEntries(
      Object.entries(WHISPER_ARCHITECTURES).map(([name, spec]) => [name, openaiDimensions(spec)]),
    );
    expect(FIXTURE.architectures).toEqual(fromCore);
    expect(FIXTURE.spec_version).toBe(1);
  });

  it.each(Object.entries(FIXTURE.files))('%s', (key, expected) => {
    const [architecture, dtype] = parseKey(key);
    const sink = new HashSink();
    writeSafetensors(sink, hfTensors(architecture, FIXTURE.seed, dtype), HF_SAFETENSORS_METADATA);
    expect(sink.hexDigest()).toBe(expected);
  });

  it.each(Object.entries(FIXTURE.tensors))('%s', (key, expected) => {
    const [architecture, dtype, name] = parseKey(key);
    const sink = new HashSink();
    for (const chunk of tensorChunks(FIXTURE.seed, tensorByHfName(architecture, name))) {
      sink.write(encodeValues(chunk, dtype));
    }
    expect(sink.hexDigest()).toBe(expected);
  });
});
