/**
 * Whisper's special tokens, numbered right after the BPE tokens (openai/whisper tokenizer.py `get_encoding`):
 * `<|endoftext|>`, `<|startoftranscript|>`, one token per language, `<|translate|>`, `<|transcribe|>`,
 * `<|startoflm|>`, `<|startofprev|>`, `<|nospeech|>` (`<|nocaptions|>` in older Hugging Face files),
 * `<|notimestamps|>`, then 1501 timestamps `<|0.00|>` … `<|30.00|>`.
 *
 * Three vocabularies exist: 51864 tokens (English-only `.en` models: GPT-2's 50256 BPE tokens, still 99 language
 * tokens), 51865 (multilingual: 50257 BPE tokens, 99 languages) and 51866 (large-v3 on: `<|yue|>` added).
 */
import { CHUNK_LENGTH_S, TIMESTAMP_RESOLUTION_S } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import type { WhisperLanguage } from './languages.js';
import { N_LANGUAGES_BEFORE_V3, WHISPER_LANGUAGES } from './languages.js';
import type { VocabularyName } from './ranks.js';

export const WHISPER_VOCAB_SIZES = [51864, 51865, 51866] as const;
export type WhisperVocabSize = (typeof WHISPER_VOCAB_SIZES)[number];

/** 1501 timestamp tokens: 0 to 30 s in 0.02 s steps. */
export const N_TIMESTAMP_TOKENS = Math.round(CHUNK_LENGTH_S / TIMESTAMP_RESOLUTION_S) + 1;

/** Whisper's names for the special tokens that are neither languages nor timestamps, in id order. */
const CONTROL_TOKENS_AFTER_LANGUAGES = [
  '<|translate|>',
  '<|transcribe|>',
  '<|startoflm|>',
  '<|startofprev|>',
  '<|nospeech|>',
  '<|notimestamps|>',
] as const;

export interface SpecialTokenIds {
  readonly endOfText: number;
  readonly startOfTranscript: number;
  /** The id of the first language token (`<|en|>`); language i is `firstLanguage + i`. */
  readonly firstLanguage: number;
  readonly translate: number;
  readonly transcribe: number;
  readonly startOfLm: number;
  readonly startOfPrev: number;
  readonly noSpeech: number;
  readonly noTimestamps: number;
  /** `<|0.00|>`; timestamp i (i × 0.02 s) is `timestampBegin + i`, the last is `<|30.00|>` = vocabulary size - 1. */
  readonly timestampBegin: number;
}

export interface VocabularyLayout {
  readonly vocabSize: WhisperVocabSize;
  readonly vocabulary: VocabularyName;
  /** The number of BPE tokens, which is also the id of `<|endoftext|>`. */
  readonly nTextTokens: number;
  readonly languages: readonly WhisperLanguage[];
  readonly ids: SpecialTokenIds;
}

export function isWhisperVocabSize(value: unknown): value is WhisperVocabSize {
  return (WHISPER_VOCAB_SIZES as readonly unknown[]).includes(value);
}

/** Where every special token sits in a vocabulary. Throws InvalidArgumentError for another size. */
export function vocabularyLayout(vocabSize: number): VocabularyLayout {
  if (!isWhisperVocabSize(vocabSize)) {
    throw new InvalidArgumentError(
      `[vocabularyLayout] no Whisper vocabulary has this many tokens (expected ${WHISPER_VOCAB_SIZES.join(', ')}): ${vocabSize}`,
    );
  }
  const multilingual = vocabSize !== 51864;
  const nTextTokens = multilingual ? 50257 : 50256;
  const languages = WHISPER_LANGUAGES.slice(0, N_LANGUAGES_BEFORE_V3 + (vocabSize === 51866 ? 1 : 0));
  const firstLanguage = nTextTokens + 2;
  const translate = firstLanguage + languages.length;
  const ids: SpecialTokenIds = {
    endOfText: nTextTokens,
    startOfTranscript: nTextTokens + 1,
    firstLanguage,
    translate,
    transcribe: translate + 1,
    startOfLm: translate + 2,
    startOfPrev: translate + 3,
    noSpeech: translate + 4,
    noTimestamps: translate + 5,
    timestampBegin: translate + 6,
  };
  return { vocabSize, vocabulary: multilingual ? 'multilingual' : 'gpt2', nTextTokens, languages, ids };
}

/** `<|1.08|>` for 1.08 s (index 54): the text Whisper gives timestamp token `timestampBegin + index`. */
export function timestampTokenText(index: number): string {
  const centiseconds = index * 2;
  return `<|${Math.floor(centiseconds / 100)}.${String(centiseconds % 100).padStart(2, '0')}|>`;
}

/** Every special token's text in id order, from `<|endoftext|>` to `<|30.00|>`. */
export function specialTokenTexts(layout: VocabularyLayout): string[] {
  return [
    '<|endoftext|>',
    '<|startoftranscript|>',
    ...layout.languages.map((language) => `<|${language.code}|>`),
    ...CONTROL_TOKENS_AFTER_LANGUAGES,
    ...Array.from({ length: N_TIMESTAMP_TOKENS }, (_, index) => timestampTokenText(index)),
  ];
}
