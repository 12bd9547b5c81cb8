import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BasicTextNormalizer } from './basic.js';
import { EnglishTextNormalizer } from './english.js';
import { EnglishNumberNormalizer } from './english-numbers.js';

type Recorded<T> = T | { error: string };
type Cases = { text: string; normalized: Recorded<string> }[];

interface HfTextFixtures {
  transformers: string;
  normalizers: Recorded<{
    english: Cases;
    basic: Cases;
    basic_remove_diacritics: Cases;
    basic_split_letters: Cases;
    numbers: Cases;
  }>;
}

/**
 * Written on the GPU machine by tools/fixtures/text/make_text_fixtures_gpu.py: transformers' EnglishTextNormalizer
 * (with Whisper's english.json), BasicTextNormalizer and EnglishNumberNormalizer on our corpus.
 */
const fixtures = JSON.parse(
  readFileSync(new URL('../../../../tools/fixtures/text/out/hf-text-fixtures.json', import.meta.url), 'utf8'),
) as HfTextFixtures;

if ('error' in fixtures.normalizers) throw new Error(`transformers raised: ${fixtures.normalizers.error}`);
const sections = fixtures.normalizers;

const ours: Record<keyof typeof sections, (text: string) => string> = {
  english: (text) => new EnglishTextNormalizer().normalize(text),
  basic: (text) => new BasicTextNormalizer().normalize(text),
  basic_remove_diacritics: (text) => new BasicTextNormalizer({ removeDiacritics: true }).normalize(text),
  basic_split_letters: (text) => new BasicTextNormalizer({ splitLetters: true }).normalize(text),
  numbers: (text) => new EnglishNumberNormalizer().normalize(text),
};

describe.each(Object.keys(ours) as (keyof typeof sections)[])('transformers %s', (name) => {
  test.each(sections[name].map((c) => [c.text, c.normalized] as const))('%j', (text, normalized) => {
    if (typeof normalized !== 'string') throw new Error(`transformers raised: ${normalized.error}`);
    expect(ours[name](text)).toBe(normalized);
  });
});
