import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTranscripts } from './compare.mjs';
import { halfToFloat, readSplit } from './synth-corpus.mjs';

describe('halfToFloat', () => {
  it('decodes normal, subnormal, signed, infinite and NaN patterns exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x8000)).toBe(-0);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});

describe('readSplit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verbatim-demo-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'shards'));
  // shard test-00000: two utterances, [1, -2] and [0.5]
  const pcm = Buffer.alloc(6);
  for (const [i, bits] of [0x3c00, 0xc000, 0x3800].entries()) pcm.writeUInt16LE(bits, 2 * i);
  writeFileSync(join(dir, 'shards', 'test-00000.f16'), pcm);
  const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
  const entry = (id: string, split: string, offset: number, n: number, sha: string) =>
    JSON.stringify({
      id,
      split,
      text: ` ${id} text `,
      shard: 'test-00000',
      offset,
      num_samples: n,
      sha1: sha,
    });
  writeFileSync(
    join(dir, 'manifest.jsonl'),
    [
      entry('u1', 'test', 0, 2, sha1(pcm.subarray(0, 4))),
      entry('v1', 'valid', 0, 1, sha1(pcm.subarray(0, 2))),
      entry('u2', 'test', 2, 1, sha1(pcm.subarray(4, 6))),
    ].join('\n'),
  );

  it('reads one split in manifest order with its samples', () => {
    const clips = readSplit(dir, 'test');
    expect(clips.map((c) => [c.id, c.text, Array.from(c.samples)])).toEqual([
      ['u1', 'u1 text', [1, -2]],
      ['u2', 'u2 text', [0.5]],
    ]);
    expect(readSplit(dir, 'test', 1).map((c) => c.id)).toEqual(['u1']);
  });

  it('refuses audio that differs from the manifest', () => {
    writeFileSync(join(dir, 'manifest.jsonl'), entry('u1', 'test', 0, 2, '0'.repeat(40)));
    expect(() => readSplit(dir, 'test')).toThrow(/u1: audio differs from the manifest/);
  });
});

describe('compareTranscripts', () => {
  it('gives both word error rates after the normaliser and the share of identical texts', () => {
    const result = compareTranscripts([
      { id: 'a', reference: 'Twenty-one apples.', ours: ' 21 apples.', theirs: ' 21 apples.' },
      { id: 'b', reference: 'The colour red', ours: ' The color red', theirs: ' The colour, red!' },
      { id: 'c', reference: 'the cat sat down', ours: ' the cat sat', theirs: ' the cat sat down' },
    ]);
    expect(result.clips).toBe(3);
    expect(result.werOurs).toBeCloseTo(1 / 9, 12); // 'down' deleted, of 2 + 3 + 4 words
    expect(result.werTheirs).toBe(0);
    expect(result.identicalText).toBeCloseTo(1 / 3, 12);
    expect(result.sameNormalizedText).toBeCloseTo(2 / 3, 12);
    expect(result.differing).toEqual([{ id: 'c', ours: 'the cat sat', theirs: 'the cat sat down' }]);
  });

  it('refuses an empty set', () => {
    expect(() => compareTranscripts([])).toThrow(/no clips/);
  });
});
