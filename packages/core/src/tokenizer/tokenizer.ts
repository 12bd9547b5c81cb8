/**
 * Whisper's tokenizer (openai/whisper tokenizer.py) for the three vocabularies: byte-level BPE from the shipped
 * tiktoken ranks, the special, language and timestamp tokens, the decoder prompt, the suppressed non-speech tokens and
 * the grouping of tokens into words. Instances are immutable and shared: `Tokenizer.forModel` returns one per
 * vocabulary size, and is safe to call from anywhere.
 */
import { TOKENS_PER_SECOND } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import type { Task } from '../options.js';
import { encodeText } from './byte-pair-encoding.js';
import type { WhisperLanguage } from './languages.js';
import { languageCode } from './languages.js';
import { nonSpeechTokens } from './non-speech-tokens.js';
import type { Ranks } from './ranks.js';
import { loadRanks } from './ranks.js';
import type { SpecialTokenIds, VocabularyLayout, WhisperVocabSize } from './special-tokens.js';
import { N_TIMESTAMP_TOKENS, specialTokenTexts, vocabularyLayout } from './special-tokens.js';
import type { WordTokens } from './word-tokens.js';
import { LANGUAGES_SPLIT_BY_CHARACTER, splitTokensOnSpaces, splitTokensOnUnicode } from './word-tokens.js';

export interface TokenizerOptions {
  /** The model's vocabulary size (`n_vocab`): 51864 (English-only), 51865 (multilingual) or 51866 (large-v3 on). */
  vocabSize: number;
}

export interface SotSequenceOptions {
  /** Language code or name; undefined leaves the language token out (as before language detection). */
  language?: string | undefined;
  /** Undefined leaves the task token out. */
  task?: Task | undefined;
  /** When false, `<|notimestamps|>` ends the sequence. Default: true. */
  timestamps?: boolean | undefined;
}

/** Every token's bytes for ids below `<|endoftext|>`: token `id` is `bytes.subarray(offsets[id], offsets[id + 1])`. */
export interface TokenBytesTable {
  readonly bytes: Uint8Array;
  /** `nTextTokens + 1` offsets into `bytes`. */
  readonly offsets: Uint32Array;
}

const byVocabSize = new Map<WhisperVocabSize, Tokenizer>();

export class Tokenizer {
  readonly vocabSize: WhisperVocabSize;
  readonly multilingual: boolean;
  /** The number of BPE (text) tokens; ids from here on are special. */
  readonly nTextTokens: number;
  /** The languages with a token in this vocabulary, in token order. */
  readonly languages: readonly WhisperLanguage[];
  readonly special: SpecialTokenIds;
  readonly #ranks: Ranks;
  readonly #specialTexts: readonly string[];
  readonly #specialIdByText: ReadonlyMap<string, number>;
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  #nonSpeech: readonly number[] | undefined;

  private constructor(layout: VocabularyLayout, ranks: Ranks) {
    this.vocabSize = layout.vocabSize;
    this.multilingual = layout.vocabulary === 'multilingual';
    this.nTextTokens = layout.nTextTokens;
    this.languages = layout.languages;
    this.special = Object.freeze({ ...layout.ids });
    this.#ranks = ranks;
    this.#specialTexts = specialTokenTexts(layout);
    this.#specialIdByText = new Map(this.#specialTexts.map((text, i) => [text, layout.nTextTokens + i]));
  }

  /**
   * The tokenizer of a model with `vocabSize` tokens. The ranks file is read on first use of its vocabulary.
   * Throws InvalidArgumentError for a size no Whisper model has, FileError when the shipped vocabulary is missing.
   */
  static forModel(options: TokenizerOptions): Tokenizer {
    const layout = vocabularyLayout(options.vocabSize);
    const cached = byVocabSize.get(layout.vocabSize);
    if (cached !== undefined) return cached;
    const ranks = loadRanks(layout.vocabulary);
    if (ranks.count !== layout.nTextTokens) {
      throw new InvalidArgumentError(
        `[Tokenizer.forModel] the ${layout.vocabulary} vocabulary has ${ranks.count} tokens, expected: ${layout.nTextTokens}`,
      );
    }
    const tokenizer = new Tokenizer(layout, ranks);
    byVocabSize.set(layout.vocabSize, tokenizer);
    return tokenizer;
  }

  /** Token ids of plain text; never special ids (`<|endoftext|>` in the text is encoded as ordinary text). */
  encode(text: string): number[] {
    return encodeText(text, this.#ranks);
  }

  /** The text of the ids below `<|endoftext|>`; special and timestamp tokens are dropped. Invalid UTF-8 → U+FFFD. */
  decode(ids: readonly number[]): string {
    return this.#decoder.decode(this.decodeBytes(ids));
  }

  /**
   * Every token as Whisper's `decode_with_timestamps` renders it: text tokens as text, special tokens by name and
   * timestamps as `<|1.08|>`.
   */
  decodeWithTimestamps(ids: readonly number[]): string {
    let text = '';
    let run: number[] = [];
    for (const id of ids) {
      this.#checkId(id, 'decodeWithTimestamps');
      if (id < this.nTextTokens) {
        run.push(id);
        continue;
      }
      // tiktoken decodes the text's bytes joined with the specials' names; names are ASCII and never complete a
      // UTF-8 sequence, so decoding the runs between them separately gives the same text.
      text += this.#decoder.decode(this.decodeBytes(run)) + this.#specialTexts[id - this.nTextTokens];
      run = [];
    }
    return text + this.#decoder.decode(this.decodeBytes(run));
  }

  /** The raw bytes of the ids below `<|endoftext|>`, concatenated; other ids are skipped. */
  decodeBytes(ids: readonly number[]): Uint8Array {
    const { bytes, offsets } = this.#ranks;
    let length = 0;
    for (const id of ids) {
      this.#checkId(id, 'decodeBytes');
      if (id < this.nTextTokens) length += offsets[id + 1]! - offsets[id]!;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const id of ids) {
      if (id >= this.nTextTokens) continue;
      const piece = bytes.subarray(offsets[id]!, offsets[id + 1]!);
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Every text token's bytes in one table (the native decoder's copy of the vocabulary). Shared: do not modify. */
  tokenBytes(): TokenBytesTable {
    return { bytes: this.#ranks.bytes, offsets: this.#ranks.offsets };
  }

  /** The name of a special or timestamp token (`<|en|>`, `<|1.08|>`), or undefined for a text token. */
  specialTokenText(id: number): string | undefined {
    this.#checkId(id, 'specialTokenText');
    return id < this.nTextTokens ? undefined : this.#specialTexts[id - this.nTextTokens];
  }

  /** The id of a special or timestamp token by name, or undefined when this vocabulary has no such token. */
  specialTokenId(text: string): number | undefined {
    return this.#specialIdByText.get(text);
  }

  /**
   * The id of a language's token, by code or name (`de`, `German`). Throws InvalidArgumentError naming the supported
   * languages when this vocabulary has none for it (e.g. `yue` before large-v3).
   */
  languageToken(language: string): number {
    const code = languageCode(language, this.languages);
    return this.special.firstLanguage + this.languages.findIndex((entry) => entry.code === code);
  }

  /** The language code of a language token, or undefined for any other id. */
  tokenLanguage(id: number): string | undefined {
    return this.languages[id - this.special.firstLanguage]?.code;
  }

  /** The ids of all language tokens, in order (the candidates of language detection). */
  languageTokens(): number[] {
    return this.languages.map((_, i) => this.special.firstLanguage + i);
  }

  /** True for `<|0.00|>` … `<|30.00|>`. */
  isTimestamp(id: number): boolean {
    return id >= this.special.timestampBegin && id < this.vocabSize;
  }

  /** The time of a timestamp token in seconds (`<|1.08|>` → 1.08). Throws InvalidArgumentError for another id. */
  timestampS(id: number): number {
    if (!this.isTimestamp(id)) {
      throw new InvalidArgumentError(`[Tokenizer.timestampS] not a timestamp token: ${id}`);
    }
    return (id - this.special.timestampBegin) / TOKENS_PER_SECOND;
  }

  /** The timestamp token nearest to `seconds`, 0 ≤ seconds ≤ 30. Throws InvalidArgumentError outside. */
  timestampToken(seconds: number): number {
    const index = Math.round(seconds * TOKENS_PER_SECOND);
    if (!(index >= 0 && index < N_TIMESTAMP_TOKENS)) {
      throw new InvalidArgumentError(`[Tokenizer.timestampToken] seconds outside 0 … 30: ${seconds}`);
    }
    return this.special.timestampBegin + index;
  }

  /**
   * The decoder prompt: `<|startoftranscript|>`, the language, the task, and `<|notimestamps|>` when timestamps are
   * off. English-only vocabularies take neither language nor task token (Whisper's `.en` models): their sequence is
   * `<|startoftranscript|>` alone, and asking for another language or for translation throws InvalidArgumentError.
   */
  sotSequence(options: SotSequenceOptions = {}): number[] {
    const sequence = [this.special.startOfTranscript];
    if (this.multilingual) {
      if (options.language !== undefined) sequence.push(this.languageToken(options.language));
      if (options.task !== undefined) sequence.push(this.#taskToken(options.task));
    } else {
      if (options.language !== undefined) languageCode(options.language, this.languages.slice(0, 1));
      if (options.task !== undefined && options.task !== 'transcribe') {
        throw new InvalidArgumentError(
          `[Tokenizer.sotSequence] English-only models only transcribe: ${options.task}`,
        );
      }
    }
    if (options.timestamps === false) sequence.push(this.special.noTimestamps);
    return sequence;
  }

  /** Whisper's `non_speech_tokens`: symbols never spoken, sorted. */
  nonSpeechTokens(): readonly number[] {
    this.#nonSpeech ??= Object.freeze(nonSpeechTokens((text) => this.encode(text)));
    return this.#nonSpeech;
  }

  /**
   * The ids the decoder never samples (openai/whisper decoding.py `_get_suppress_tokens`): `suppressTokens` with -1
   * standing for `defaultSet` (the non-speech tokens unless the model names its own, as a Hugging Face model's
   * generation_config.json `suppress_tokens` does), plus the task, start and no-speech specials; sorted, each once.
   * Throws InvalidArgumentError for an id outside the vocabulary other than -1.
   */
  suppressTokens(
    suppressTokens: readonly number[] = [-1],
    defaultSet: readonly number[] = this.nonSpeechTokens(),
  ): number[] {
    const ids = new Set<number>();
    for (const id of suppressTokens) {
      if (id === -1) {
        for (const fromDefault of defaultSet) {
          this.#checkId(fromDefault, 'suppressTokens');
          ids.add(fromDefault);
        }
      } else {
        this.#checkId(id, 'suppressTokens');
        ids.add(id);
      }
    }
    const { transcribe, translate, startOfTranscript, startOfPrev, startOfLm, noSpeech } = this.special;
    for (const id of [transcribe, translate, startOfTranscript, startOfPrev, startOfLm, noSpeech])
      ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /**
   * Groups tokens into words as Whisper's word timestamps do: by character for zh, ja, th, lo, my and yue, otherwise
   * at spaces with punctuation and specials on their own. `language` is a code or name.
   */
  splitToWordTokens(ids: readonly number[], language: string): WordTokens[] {
    const decode = (group: readonly number[]) => this.decodeWithTimestamps(group);
    return LANGUAGES_SPLIT_BY_CHARACTER.has(languageCode(language))
      ? splitTokensOnUnicode(ids, decode)
      : splitTokensOnSpaces(ids, decode, this.special.endOfText);
  }

  #taskToken(task: Task): number {
    if (task === 'transcribe') return this.special.transcribe;
    if (task === 'translate') return this.special.translate;
    throw new InvalidArgumentError(
      `[Tokenizer.sotSequence] task must be transcribe or translate: ${String(task)}`,
    );
  }

  #checkId(id: number, operation: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new InvalidArgumentError(
        `[Tokenizer.${operation}] token id outside 0 … ${this.vocabSize - 1}: ${id}`,
      );
    }
  }
}
