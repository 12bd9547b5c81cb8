/** Decoder outputs built by hand, for the loops that take their decoding as a function (seek loop, chunk loop). */
import { Tokenizer } from '@verbatim/core';
import type { SeekDecode } from '../seek-loop.js';

export const tokenizer = Tokenizer.forModel({ vocabSize: 51865 });
/** `<|s|>` for s seconds. */
export const ts = (seconds: number) => tokenizer.timestampToken(seconds);
export const text = (words: string) => tokenizer.encode(words);

/** A window's result: `tokens`, not silent, decoded at temperature 0 with plausible scores. */
export function decoded(tokens: number[], overrides: Partial<SeekDecode> = {}): SeekDecode {
  return {
    tokens,
    silent: false,
    temperature: 0,
    avgLogprob: -0.25,
    compressionRatio: 1.5,
    noSpeechProb: 0.01,
    ...overrides,
  };
}
