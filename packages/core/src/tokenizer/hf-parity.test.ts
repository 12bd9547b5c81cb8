import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Tokenizer } from './tokenizer.js';

/** A call transformers made that raised, recorded instead of its result. */
interface Failure {
  error: string;
}
type Recorded<T> = T | Failure;

interface TokenizerSection {
  class: string;
  encode: { text: string; ids: Recorded<number[]> }[];
  decode: { text: string; decoded: Recorded<string> }[];
  decode_prefixes: { text: string; prefixes: Recorded<{ ids: number[]; decoded: string }[]> }[];
  prefix_tokens: {
    language: string;
    task: 'transcribe' | 'translate';
    timestamps: boolean;
    ids: Recorded<number[]>;
  }[];
  timestamps: Recorded<{ ids: number[]; with_timestamps: string; skip_special: string }>;
}

interface HfTextFixtures {
  transformers: string;
  tokenizers_by_class: Record<string, Recorded<TokenizerSection>>;
}

/**
 * Written on the GPU machine by tools/fixtures/text/make_text_fixtures_gpu.py: transformers' WhisperTokenizer and
 * WhisperTokenizerFast on the whisper-base tokenizer files (51865 tokens).
 */
const fixtures = JSON.parse(
  readFileSync(new URL('../../../../tools/fixtures/text/out/hf-text-fixtures.json', import.meta.url), 'utf8'),
) as HfTextFixtures;

function recorded<T>(value: Recorded<T>): T {
  if (typeof value === 'object' && value !== null && 'error' in value) {
    throw new Error(`transformers raised: ${(value as Failure).error}`);
  }
  return value as T;
}

const tokenizer = Tokenizer.forModel({ vocabSize: 51865 });
const sections = Object.entries(fixtures.tokenizers_by_class);

test('the fixture holds at least one transformers tokenizer', () => {
  expect(sections.length).toBeGreaterThan(0);
});

describe.each(sections)('transformers %s', (_, value) => {
  const section = recorded(value);

  test.each(section.encode.map((c) => [c.text, c.ids] as const))('encode %j', (text, ids) => {
    const theirs = recorded(ids);
    if (theirs.some((id) => id >= tokenizer.nTextTokens)) {
      // transformers matches special-token text such as "<|endoftext|>" in the input; Whisper (tiktoken) and we
      // encode it as ordinary text
      expect(text).toContain('<|');
      expect(tokenizer.encode(text).every((id) => id < tokenizer.nTextTokens)).toBe(true);
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    } else {
      expect(tokenizer.encode(text)).toEqual(theirs);
    }
  });

  test.each(section.decode.map((c, i) => [c.text, section.encode[i]!.ids, c.decoded] as const))(
    'decode %j',
    (_text, ids, decoded) => {
      const theirIds = recorded(ids);
      expect(tokenizer.decodeWithTimestamps(theirIds)).toBe(recorded(decoded));
    },
  );

  test.each(section.decode_prefixes.map((c) => [c.text, c.prefixes] as const))(
    'decode prefixes of %j',
    (_, prefixes) => {
      for (const { ids, decoded } of recorded(prefixes)) expect(tokenizer.decode(ids)).toBe(decoded);
    },
  );

  test.each(section.prefix_tokens.map((c) => [c.language, c.task, c.timestamps, c.ids] as const))(
    'prefix tokens for %s, %s, timestamps %s',
    (language, task, timestamps, ids) => {
      expect(tokenizer.sotSequence({ language, task, timestamps })).toEqual(recorded(ids));
    },
  );

  test('decoding with timestamps', () => {
    const { ids, with_timestamps, skip_special } = recorded(section.timestamps);
    expect(tokenizer.decodeWithTimestamps(ids)).toBe(with_timestamps);
    expect(tokenizer.decode(ids)).toBe(skip_special);
  });
});
