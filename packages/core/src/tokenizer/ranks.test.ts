import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { bytesToHfToken, hfTokenToBytes } from './gpt2-byte-unicode.js';
import { loadRanks, parseRanks, vocabularyPath } from './ranks.js';
import { readGgmlVocabulary, readHfTokenizerJson } from './test-support/shared-assets.js';

/**
 * whisper.cpp's converter stored each token as text: bytes that are not valid UTF-8 on their own became U+FFFD. So a
 * ggml token equals ours exactly when ours is valid UTF-8, and equals ours decoded with replacement otherwise.
 */
function asWhisperCppStoresIt(bytes: Uint8Array): Buffer {
  return Buffer.from(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
}

/** Tokens whisper.cpp kept byte for byte: 50257 less the 1476 that are not valid UTF-8 on their own. */
const EXACT_IN_GGML_TINY = 48781;
/** 50256 less 344. */
const EXACT_IN_GGML_TINY_EN = 49912;

function tokenOf(ranks: ReturnType<typeof loadRanks>, id: number): Uint8Array {
  return ranks.bytes.subarray(ranks.offsets[id], ranks.offsets[id + 1]);
}

/** Compares whisper.cpp's tokens with ours: the ids that differ, and how many are byte-identical. */
function compareWithGgml(ranks: ReturnType<typeof loadRanks>, ggml: Uint8Array[]) {
  const mismatches = ggml.flatMap((bytes, id) =>
    asWhisperCppStoresIt(tokenOf(ranks, id)).equals(bytes) ? [] : [id],
  );
  const exact = ggml.filter((bytes, id) => Buffer.compare(bytes, tokenOf(ranks, id)) === 0).length;
  return { mismatches, exact };
}

describe('shipped vocabularies', () => {
  test('live in packages/core/assets', () => {
    expect(vocabularyPath('multilingual')).toMatch(/packages\/core\/assets\/multilingual\.tiktoken$/);
    expect(existsSync(vocabularyPath('gpt2'))).toBe(true);
  });

  test('multilingual: 50257 tokens, each equal to the Hugging Face vocab entry of the same id', () => {
    const ranks = loadRanks('multilingual');
    expect(ranks.count).toBe(50257);
    const vocab = readHfTokenizerJson().model.vocab;
    const textTokens = Object.entries(vocab).filter(([, id]) => id < 50257);
    expect(textTokens).toHaveLength(50257);
    const mismatches = textTokens.filter(([token, id]) => bytesToHfToken(tokenOf(ranks, id)) !== token);
    expect(mismatches).toEqual([]);
    expect(vocab['<|endoftext|>']).toBe(50257);
  });

  test("multilingual: every token's bytes equal whisper.cpp's tiny vocabulary", () => {
    const ranks = loadRanks('multilingual');
    const ggml = readGgmlVocabulary('tiny');
    expect(ggml).toHaveLength(50257);
    expect(compareWithGgml(ranks, ggml)).toEqual({ mismatches: [], exact: EXACT_IN_GGML_TINY });
  });

  test("gpt2 (English-only): 50256 tokens, equal to whisper.cpp's tiny.en vocabulary, then <|endoftext|>", () => {
    const ranks = loadRanks('gpt2');
    expect(ranks.count).toBe(50256);
    const ggml = readGgmlVocabulary('tiny.en');
    expect(ggml).toHaveLength(50257);
    expect(Buffer.from(ggml[50256]!).toString()).toBe('<|endoftext|>');
    expect(compareWithGgml(ranks, ggml.slice(0, 50256))).toEqual({
      mismatches: [],
      exact: EXACT_IN_GGML_TINY_EN,
    });
  });

  test('the byte table and the lookup agree, and every single byte is a token', () => {
    const ranks = loadRanks('multilingual');
    expect(ranks.offsets[ranks.count]).toBe(ranks.bytes.length);
    for (const id of [0, 1, 220, 50256]) {
      expect(ranks.idByBytes.get(Buffer.from(tokenOf(ranks, id)).toString('latin1'))).toBe(id);
    }
    for (let byte = 0; byte < 256; byte++) expect(ranks.idByBytes.has(String.fromCharCode(byte))).toBe(true);
    expect(Buffer.from(tokenOf(ranks, 220)).toString()).toBe(' ');
  });
});

describe('parseRanks', () => {
  test('reads base64 tokens and their ranks', () => {
    const ranks = parseRanks('YQ== 1\nYg== 0\nYWI= 2\n', 'x.tiktoken');
    expect(ranks.count).toBe(3);
    expect([...ranks.idByBytes]).toEqual([
      ['b', 0],
      ['a', 1],
      ['ab', 2],
    ]);
    expect([...ranks.offsets]).toEqual([0, 1, 2, 4]);
  });

  test.each([
    ['a rank outside 0 … n-1', 'YQ== 1\n', /malformed line 1/],
    ['a missing rank', 'YQ==\n', /malformed line 1/],
    ['a duplicate rank', 'YQ== 0\nYg== 0\n', /rank given twice: 0/],
    ['a duplicate token', 'YQ== 0\nYQ== 1\n', /share the same bytes/],
  ])('rejects %s', (_, text, message) => {
    expect(() => parseRanks(text, 'x.tiktoken')).toThrow(ModelLoadError);
    expect(() => parseRanks(text, 'x.tiktoken')).toThrow(message);
  });
});

describe("GPT-2's byte-to-unicode map", () => {
  test('spells a space Ġ, a newline Ċ, printable bytes as themselves', () => {
    expect(bytesToHfToken(Uint8Array.from([0x20, 0x0a, 0x41, 0xe9, 0xad, 0x00]))).toBe('ĠĊAéŃĀ');
    expect([...hfTokenToBytes('ĠĊAéŃĀ')!]).toEqual([0x20, 0x0a, 0x41, 0xe9, 0xad, 0x00]);
  });

  test('is a bijection on 256 bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const spelled = bytesToHfToken(all);
    expect(new Set(spelled).size).toBe(256);
    expect([...hfTokenToBytes(spelled)!]).toEqual([...all]);
    expect(hfTokenToBytes('€')).toBeUndefined();
  });
});
