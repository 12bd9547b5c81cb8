import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeValues } from '../float-encoding.js';
import { GGML_MAGIC } from '../formats/ggml.js';
import { tensorValues } from '../seeded-tensor.js';
import { elementCount, whisperTensors } from '../whisper-tensors.js';
import { ggmlTensorDtype } from './ggml.js';
import { defaultAssetsDir, writeLayout } from './write-layout.js';

const SEED = 1234;
const ASSETS = defaultAssetsDir();
const TEST_FILES = join(ASSETS, 'whisper-cpp-testfiles');
const workDir = mkdtempSync(join(tmpdir(), 'reference-ggml-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface GgmlTensorRecord {
  readonly name: string;
  readonly ne: number[];
  readonly ftype: number;
  readonly data: Buffer;
}

/** Reads a ggml model file the way whisper_model_load does. */
function parseGgml(file: Buffer) {
  let at = 0;
  const int = () => {
    const value = file.readInt32LE(at);
    at += 4;
    return value;
  };
  const hparams = Array.from({ length: 12 }, int);
  const [nMel, nBins] = [int(), int()];
  at += 4 * nMel * nBins;
  const melEnd = at;
  const vocabulary = Array.from({ length: int() }, () => {
    const length = int();
    at += length;
    return file.subarray(at - length, at);
  });
  const vocabularyEnd = at;
  const tensors: GgmlTensorRecord[] = [];
  while (at < file.byteLength) {
    const [nDims, nameLength, ftype] = [int(), int(), int()];
    const ne = Array.from({ length: nDims }, int);
    const name = file.subarray(at, at + nameLength).toString('utf8');
    at += nameLength;
    const bytes = elementCount(ne) * (ftype === 0 ? 4 : 2);
    tensors.push({ name, ne, ftype, data: file.subarray(at, at + bytes) });
    at += bytes;
  }
  return { hparams, melEnd, vocabulary, vocabularyEnd, tensors, end: at };
}

/** whisper.cpp's for-tests files store each token as UTF-8 text with invalid bytes replaced by U+FFFD. */
const asReplacedText = (token: Uint8Array) => Buffer.from(Buffer.from(token).toString('utf8'), 'utf8');

describe.each([
  ['tiny', 'for-tests-ggml-tiny.bin'],
  ['tiny.en', 'for-tests-ggml-tiny.en.bin'],
])('ggml layout, %s, f16', (architecture, testFile) => {
  const referenceFile = readFileSync(join(TEST_FILES, testFile));
  const reference = parseGgml(referenceFile);
  let file: Buffer;
  let parsed: ReturnType<typeof parseGgml>;
  beforeAll(() => {
    const [path] = writeLayout(join(workDir, architecture), { layout: 'ggml-f16', architecture, seed: SEED });
    file = readFileSync(path!);
    parsed = parseGgml(file);
  });

  it(`has the hparams and mel filters of whisper.cpp's ${testFile}, byte for byte`, () => {
    expect(parsed.hparams[0]).toBe(GGML_MAGIC);
    expect(parsed.hparams.at(-1)).toBe(1);
    expect(file.subarray(0, parsed.melEnd).equals(referenceFile.subarray(0, parsed.melEnd))).toBe(true);
  });

  it('has the same vocabulary, as raw bytes where the test file holds replacement characters', () => {
    expect(parsed.vocabulary).toHaveLength(reference.vocabulary.length);
    expect(
      parsed.vocabulary.every((token, i) => asReplacedText(token).equals(reference.vocabulary[i]!)),
    ).toBe(true);
    expect(reference.tensors).toHaveLength(0);
  });

  it('stores every tensor under its OpenAI name, dims innermost first, f16 only where whisper.cpp expects it', () => {
    const specs = whisperTensors(architecture);
    expect(parsed.tensors.map((t) => t.name)).toEqual(specs.map((t) => t.openaiName));
    expect(parsed.end).toBe(file.byteLength);
    const byName = new Map(parsed.tensors.map((t) => [t.name, t]));
    expect(byName.get('encoder.conv1.weight')).toMatchObject({ ne: [3, 80, 384], ftype: 1 });
    expect(byName.get('encoder.conv1.bias')).toMatchObject({ ne: [1, 384], ftype: 0 });
    expect(byName.get('encoder.positional_embedding')).toMatchObject({ ne: [384, 1500], ftype: 0 });
    expect(byName.get('decoder.positional_embedding')).toMatchObject({ ne: [384, 448], ftype: 0 });
    expect(byName.get('decoder.token_embedding.weight')?.ftype).toBe(1);
    expect(byName.get('decoder.blocks.0.mlp.0.weight')).toMatchObject({ ne: [384, 1536], ftype: 1 });
    expect(byName.get('decoder.ln.weight')).toMatchObject({ ne: [384], ftype: 0 });
    for (const spec of specs.filter((_, i) => i % 11 === 0)) {
      const dtype = ggmlTensorDtype(spec, 'f16');
      expect(byName.get(spec.openaiName)?.data.equals(encodeValues(tensorValues(SEED, spec), dtype))).toBe(
        true,
      );
    }
  });
});

describe('ggml layout, tiny, f32', () => {
  it('stores every tensor as f32 with ftype 0 in the header', () => {
    const [path] = writeLayout(join(workDir, 'tiny-f32'), {
      layout: 'ggml-f32',
      architecture: 'tiny',
      seed: SEED,
    });
    const parsed = parseGgml(readFileSync(path!));
    expect(parsed.hparams.at(-1)).toBe(0);
    expect(parsed.tensors.every((t) => t.ftype === 0)).toBe(true);
    const fc1 = whisperTensors('tiny').find((t) => t.openaiName === 'encoder.blocks.3.mlp.0.weight')!;
    const stored = parsed.tensors.find((t) => t.name === fc1.openaiName)!;
    expect(stored.data.equals(Buffer.from(tensorValues(SEED, fc1).buffer))).toBe(true);
  });
});
