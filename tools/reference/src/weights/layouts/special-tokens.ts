/**
 * Whisper's special token ids for each vocabulary: 51864 tokens (English-only, GPT-2 BPE), 51865 (multilingual),
 * 51866 (large-v3 on: `<|yue|>` inserted after `<|su|>`, so every later special moves up by one).
 */
import { InvalidArgumentError } from '@verbatim/core';

/** Language codes in token order (openai/whisper tokenizer.py LANGUAGES); yue only from large-v3 on. */
export const LANGUAGES = (
  'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml ' +
  'cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am ' +
  'yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue'
).split(' ');
const LANGUAGES_BEFORE_V3 = 99;
/** <|0.00|> … <|30.00|>, 0.02 s apart. */
export const N_TIMESTAMP_TOKENS = 1501;
const TIMESTAMP_STEP_S = 0.02;
/** The token of a single space: suppressed as the first sampled token. */
export const SPACE_TOKEN = 220;

/** OpenAI's tokenizer.non_speech_tokens (symbols never spoken) in the GPT-2 BPE. */
const NON_SPEECH_TOKENS_ENGLISH = [
  1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 357, 366, 438, 532,
  685, 705, 796, 930, 1058, 1220, 1267, 1279, 1303, 1343, 1377, 1391, 1635, 1782, 1875, 2162, 2361, 2488,
  3467, 4008, 4211, 4600, 4808, 5299, 5855, 6329, 7203, 9609, 9959, 10563, 10786, 11420, 11709, 11907, 13163,
  13697, 13700, 14808, 15306, 16410, 16791, 17992, 19203, 19510, 20724, 22305, 22935, 27007, 30109, 30420,
  33409, 34949, 40283, 40493, 40549, 47282, 49146,
];
/** The same in the multilingual BPE. */
const NON_SPEECH_TOKENS_MULTILINGUAL = [
  1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 359, 503, 522, 542,
  873, 893, 902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246, 3253, 3268, 3536, 3846, 3961, 4183, 4667,
  6585, 6647, 7273, 9061, 9383, 10428, 10929, 11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618,
  16553, 16604, 18362, 18956, 20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470,
  36865, 42863, 47425, 49870, 50254,
];

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  /** Timestamps are added but not special (Hugging Face: special false, normalized true). */
  readonly special: boolean;
}

export class SpecialTokens {
  readonly multilingual: boolean;
  readonly endOfText: number;
  readonly startOfTranscript: number;
  readonly languages: readonly string[];
  readonly translate: number;
  readonly transcribe: number;
  readonly startOfLm: number;
  readonly startOfPrev: number;
  readonly noCaptions: number;
  readonly noTimestamps: number;
  readonly timestampBegin: number;

  /** Throws InvalidArgumentError unless nVocab is 51864, 51865 or 51866. */
  constructor(readonly nVocab: number) {
    this.multilingual = nVocab >= 51865;
    this.endOfText = this.multilingual ? 50257 : 50256;
    this.startOfTranscript = this.endOfText + 1;
    this.languages = LANGUAGES.slice(0, LANGUAGES_BEFORE_V3 + (nVocab >= 51866 ? 1 : 0));
    this.translate = this.startOfTranscript + 1 + this.languages.length;
    this.transcribe = this.translate + 1;
    this.startOfLm = this.translate + 2;
    this.startOfPrev = this.translate + 3;
    this.noCaptions = this.translate + 4;
    this.noTimestamps = this.translate + 5;
    this.timestampBegin = this.translate + 6;
    if (this.timestampBegin + N_TIMESTAMP_TOKENS !== nVocab) {
      throw new InvalidArgumentError(`[SpecialTokens] no Whisper vocabulary has ${nVocab} tokens`);
    }
  }

  /** The id of `<|code|>`. Throws InvalidArgumentError for a language this vocabulary lacks. */
  languageId(code: string): number {
    const index = this.languages.indexOf(code);
    if (index < 0) throw new InvalidArgumentError(`[SpecialTokens] no language token for "${code}"`);
    return this.startOfTranscript + 1 + index;
  }

  /** suppress_tokens of the published configs: the non-speech tokens, then sot and the task/control specials. */
  suppressTokens(): number[] {
    const base = this.multilingual ? NON_SPEECH_TOKENS_MULTILINGUAL : NON_SPEECH_TOKENS_ENGLISH;
    return [
      ...base,
      this.startOfTranscript,
      this.translate,
      this.transcribe,
      this.startOfLm,
      this.startOfPrev,
      this.noCaptions,
    ];
  }

  /** Every added token from `<|endoftext|>` to `<|30.00|>`, in id order. */
  addedTokens(): AddedToken[] {
    const named = [
      '<|endoftext|>',
      '<|startoftranscript|>',
      ...this.languages.map((code) => `<|${code}|>`),
      '<|translate|>',
      '<|transcribe|>',
      '<|startoflm|>',
      '<|startofprev|>',
      '<|nocaptions|>',
      '<|notimestamps|>',
    ];
    return [
      ...named.map((content, i) => ({ id: this.endOfText + i, content, special: true })),
      ...Array.from({ length: N_TIMESTAMP_TOKENS }, (_, i) => ({
        id: this.timestampBegin + i,
        content: `<|${(i * TIMESTAMP_STEP_S).toFixed(2)}|>`,
        special: false,
      })),
    ];
  }
}
