import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { Tokenizer } from './tokenizer.js';

interface OracleFixture {
  encode: { text: string; ids: number[] }[];
  decode_prefixes: { text: string; prefixes: { ids: number[]; decoded: string }[] }[];
  non_speech_tokens: number[];
}

/** Written by tools/fixtures/text/make_tokenizer_fixtures.py with tools/train/bpe.py (Hugging Face files). */
const oracle = JSON.parse(
  readFileSync(new URL('./fixtures/bpe-oracle.json', import.meta.url), 'utf8'),
) as OracleFixture;

const multilingual = Tokenizer.forModel({ vocabSize: 51865 });
const english = Tokenizer.forModel({ vocabSize: 51864 });
const largeV3 = Tokenizer.forModel({ vocabSize: 51866 });

/** The id of the token made of exactly these bytes. */
function idOfBytes(tokenizer: Tokenizer, bytes: number[]): number {
  const { bytes: all, offsets } = tokenizer.tokenBytes();
  for (let id = 0; id < tokenizer.nTextTokens; id++) {
    const token = all.subarray(offsets[id], offsets[id + 1]);
    if (token.length === bytes.length && token.every((byte, i) => byte === bytes[i])) return id;
  }
  throw new Error(`no token has bytes ${bytes}`);
}

describe('encode: parity with the bpe.py oracle (multilingual)', () => {
  test('the fixture covers the whole corpus', () => {
    expect(oracle.encode.length).toBeGreaterThanOrEqual(50);
  });

  test.each(oracle.encode.map((c) => [c.text, c.ids] as const))('%j', (text, ids) => {
    expect(multilingual.encode(text)).toEqual(ids);
    expect(multilingual.decode(ids)).toBe(text);
  });
});

describe('encode: known GPT-2 ids (English-only)', () => {
  test.each([
    ['Hello world', [15496, 995]],
    [' Hello world', [18435, 995]],
    ['hello world', [31373, 995]],
    [' ', [220]],
    ['\n', [198]],
  ])('%j', (text, ids) => {
    expect(english.encode(text)).toEqual(ids);
  });

  test('round-trips the oracle corpus', () => {
    for (const { text } of oracle.encode) expect(english.decode(english.encode(text))).toBe(text);
  });
});

describe('decode', () => {
  test('round-trips text, a leading BOM included', () => {
    for (const text of ['\ufeffhi', ' \n\n ', '', 'x'.repeat(1000), ' a  b   c    d']) {
      expect(multilingual.decode(multilingual.encode(text))).toBe(text);
    }
  });

  test('lone surrogates encode as U+FFFD, as tiktoken does', () => {
    expect(multilingual.encode('a\ud800b')).toEqual(multilingual.encode('a\ufffdb'));
    expect(multilingual.encode('\udfff')).toEqual(multilingual.encode('\ufffd'));
    expect(multilingual.decode(multilingual.encode('x\ud83dy'))).toBe('x\ufffdy');
  });

  test.each(
    oracle.decode_prefixes.flatMap((c) => c.prefixes.map((p) => [c.text, p.ids, p.decoded] as const)),
  )('prefix of %j: %j decodes to %j', (_, ids, decoded) => {
    expect(multilingual.decode(ids)).toBe(decoded);
  });

  test('half a character decodes to U+FFFD; both halves together to the character', () => {
    const [first, second] = [13125, 222];
    expect(multilingual.decode([first])).toBe('\ufffd');
    expect(multilingual.decode([first, second])).toBe('😀');
    expect([...multilingual.decodeBytes([first, second])]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });

  test('invalid UTF-8 decodes as Python does with errors="replace"', () => {
    const byte = (value: number) => idOfBytes(multilingual, [value]);
    const a = multilingual.encode('a')[0]!;
    expect(multilingual.decode([byte(0x80)])).toBe('\ufffd');
    expect(multilingual.decode([byte(0xf0), byte(0x9f), byte(0x98), a])).toBe('\ufffda');
    expect(multilingual.decode([byte(0xed), byte(0xa0), byte(0x80)])).toBe('\ufffd\ufffd\ufffd');
    expect(multilingual.decode([byte(0xc0), byte(0xaf)])).toBe('\ufffd\ufffd');
  });

  test('drops special and timestamp tokens', () => {
    const { startOfTranscript, transcribe, timestampBegin, endOfText } = multilingual.special;
    const ids = [
      startOfTranscript,
      50259,
      transcribe,
      timestampBegin,
      ...multilingual.encode(' Hi.'),
      endOfText,
    ];
    expect(multilingual.decode(ids)).toBe(' Hi.');
  });

  test('decodeWithTimestamps renders every token as Whisper does', () => {
    const { startOfTranscript, transcribe, timestampBegin, endOfText } = multilingual.special;
    const ids = [
      startOfTranscript,
      multilingual.languageToken('en'),
      transcribe,
      timestampBegin,
      ...multilingual.encode(' Hello world.'),
      timestampBegin + 54,
      13125,
      endOfText,
    ];
    expect(multilingual.decodeWithTimestamps(ids)).toBe(
      '<|startoftranscript|><|en|><|transcribe|><|0.00|> Hello world.<|1.08|>\ufffd<|endoftext|>',
    );
  });

  test.each([-1, 51865, 1.5, Number.NaN])('rejects id %d', (id) => {
    expect(() => multilingual.decode([id])).toThrow(InvalidArgumentError);
    expect(() => multilingual.decodeWithTimestamps([id])).toThrow(/token id outside 0 … 51864/);
  });
});

describe('tokenBytes', () => {
  test('holds every text token, in id order', () => {
    const { bytes, offsets } = multilingual.tokenBytes();
    expect(offsets).toHaveLength(50258);
    expect(offsets[50257]).toBe(bytes.length);
    const token = (id: number) => Buffer.from(bytes.subarray(offsets[id], offsets[id + 1])).toString();
    expect(token(220)).toBe(' ');
    expect(token(2425)).toBe(' Hello');
    expect(english.tokenBytes().offsets).toHaveLength(50257);
    expect(Buffer.from(english.decodeBytes([15496, 995])).toString()).toBe('Hello world');
  });
});

describe('forModel', () => {
  test('shares one tokenizer per vocabulary size', () => {
    expect(Tokenizer.forModel({ vocabSize: 51865 })).toBe(multilingual);
    expect(largeV3).not.toBe(multilingual);
    expect([english.multilingual, multilingual.multilingual, largeV3.multilingual]).toEqual([
      false,
      true,
      true,
    ]);
  });

  test('rejects a size no Whisper model has', () => {
    expect(() => Tokenizer.forModel({ vocabSize: 51867 })).toThrow(InvalidArgumentError);
  });
});

describe('special tokens by name', () => {
  test('names and ids', () => {
    expect(multilingual.specialTokenText(50259)).toBe('<|en|>');
    expect(multilingual.specialTokenText(50362)).toBe('<|nospeech|>');
    expect(multilingual.specialTokenText(51864)).toBe('<|30.00|>');
    expect(multilingual.specialTokenText(100)).toBeUndefined();
    expect(multilingual.specialTokenId('<|notimestamps|>')).toBe(50363);
    expect(english.specialTokenId('<|notimestamps|>')).toBe(50362);
    expect(largeV3.specialTokenId('<|yue|>')).toBe(50358);
    expect(multilingual.specialTokenId('<|yue|>')).toBeUndefined();
    expect(multilingual.specialTokenId('<|nocaptions|>')).toBeUndefined();
  });
});

describe('languages', () => {
  test('language tokens by code or name', () => {
    expect(multilingual.languageToken('en')).toBe(50259);
    expect(multilingual.languageToken('ja')).toBe(50266);
    expect(multilingual.languageToken('German')).toBe(50261);
    expect(multilingual.languageToken('mandarin')).toBe(50260);
    expect(multilingual.languageToken('su')).toBe(50357);
    expect(largeV3.languageToken('cantonese')).toBe(50358);
    expect(english.languageToken('en')).toBe(50258);
  });

  test('tokens back to codes', () => {
    expect(multilingual.tokenLanguage(50266)).toBe('ja');
    expect(multilingual.tokenLanguage(50357)).toBe('su');
    expect(multilingual.tokenLanguage(50358)).toBeUndefined();
    expect(largeV3.tokenLanguage(50358)).toBe('yue');
    expect(multilingual.tokenLanguage(50258)).toBeUndefined();
    expect(multilingual.languageTokens()).toHaveLength(99);
    expect(largeV3.languageTokens().at(-1)).toBe(50358);
  });

  test('an unsupported language names the supported ones', () => {
    expect(() => multilingual.languageToken('yue')).toThrow(InvalidArgumentError);
    expect(() => multilingual.languageToken('klingon')).toThrow(
      /unsupported language: "klingon"; supported: en \(english\), zh \(chinese\), de \(german\)/,
    );
  });
});

describe('timestamps', () => {
  test('ids and seconds', () => {
    const begin = multilingual.special.timestampBegin;
    expect(multilingual.timestampS(begin + 54)).toBe(1.08);
    expect(multilingual.timestampS(begin + 1500)).toBe(30);
    expect(multilingual.timestampToken(1.08)).toBe(begin + 54);
    expect(multilingual.timestampToken(0.011)).toBe(begin + 1);
    expect(multilingual.timestampToken(30)).toBe(51864);
    expect(multilingual.isTimestamp(begin - 1)).toBe(false);
    expect(multilingual.isTimestamp(51864)).toBe(true);
    expect(() => multilingual.timestampS(begin - 1)).toThrow(InvalidArgumentError);
    expect(() => multilingual.timestampToken(30.02)).toThrow(/outside 0 … 30: 30.02/);
    expect(() => multilingual.timestampToken(-0.02)).toThrow(InvalidArgumentError);
  });
});

describe('sotSequence', () => {
  test('multilingual', () => {
    expect(multilingual.sotSequence({ language: 'en', task: 'transcribe' })).toEqual([50258, 50259, 50359]);
    expect(multilingual.sotSequence({ language: 'en', task: 'transcribe', timestamps: false })).toEqual([
      50258, 50259, 50359, 50363,
    ]);
    expect(multilingual.sotSequence({ language: 'German', task: 'translate' })).toEqual([
      50258, 50261, 50358,
    ]);
    expect(multilingual.sotSequence()).toEqual([50258]);
    expect(largeV3.sotSequence({ language: 'yue', task: 'transcribe' })).toEqual([50258, 50358, 50360]);
    expect(largeV3.sotSequence({ language: 'en', task: 'translate', timestamps: false })).toEqual([
      50258, 50259, 50359, 50364,
    ]);
  });

  test('English-only: <|startoftranscript|> alone; no other language, no translation', () => {
    expect(english.sotSequence()).toEqual([50257]);
    expect(english.sotSequence({ language: 'en', task: 'transcribe', timestamps: false })).toEqual([
      50257, 50362,
    ]);
    expect(() => english.sotSequence({ language: 'de' })).toThrow(/supported: en \(english\)$/);
    expect(() => english.sotSequence({ task: 'translate' })).toThrow(/only transcribe: translate/);
  });

  test('rejects an unknown task', () => {
    expect(() => multilingual.sotSequence({ task: 'summarize' as 'transcribe' })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('suppression', () => {
  test('non-speech tokens equal the oracle and the published multilingual suppress_tokens', () => {
    expect(multilingual.nonSpeechTokens()).toEqual(oracle.non_speech_tokens);
    expect(largeV3.nonSpeechTokens()).toEqual(oracle.non_speech_tokens);
  });

  test('English-only non-speech tokens equal the published tiny.en suppress_tokens', () => {
    expect(english.nonSpeechTokens()).toEqual([
      1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 357, 366, 438,
      532, 685, 705, 796, 930, 1058, 1220, 1267, 1279, 1303, 1343, 1377, 1391, 1635, 1782, 1875, 2162, 2361,
      2488, 3467, 4008, 4211, 4600, 4808, 5299, 5855, 6329, 7203, 9609, 9959, 10563, 10786, 11420, 11709,
      11907, 13163, 13697, 13700, 14808, 15306, 16410, 16791, 17992, 19203, 19510, 20724, 22305, 22935, 27007,
      30109, 30420, 33409, 34949, 40283, 40493, 40549, 47282, 49146,
    ]);
  });

  test('suppressTokens adds the task, start and no-speech specials, sorted and once each', () => {
    const specials = [50258, 50358, 50359, 50360, 50361, 50362];
    expect(multilingual.suppressTokens()).toEqual([...oracle.non_speech_tokens, ...specials]);
    expect(multilingual.suppressTokens([])).toEqual(specials);
    expect(multilingual.suppressTokens([50362, 220, 220])).toEqual([220, ...specials]);
    expect(multilingual.suppressTokens([-1, 1])).toEqual(multilingual.suppressTokens());
    expect(english.suppressTokens([])).toEqual([50257, 50357, 50358, 50359, 50360, 50361]);
    expect(() => multilingual.suppressTokens([-2])).toThrow(InvalidArgumentError);
  });

  test("suppressTokens takes -1 as the model's own default set when it names one", () => {
    const specials = [50258, 50358, 50359, 50360, 50361, 50362];
    const withoutColon = oracle.non_speech_tokens.filter((id: number) => id !== 25);
    expect(multilingual.suppressTokens([-1], withoutColon)).toEqual([...withoutColon, ...specials]);
    expect(multilingual.suppressTokens([-1], withoutColon)).not.toContain(25);
    expect(multilingual.suppressTokens([7], [])).toEqual([7, ...specials]);
    expect(() => multilingual.suppressTokens([-1], [51865])).toThrow(InvalidArgumentError);
  });
});

describe('splitToWordTokens', () => {
  const words = (tokenizer: Tokenizer, ids: number[], language: string) =>
    tokenizer.splitToWordTokens(ids, language).map((w) => w.word);

  test('at spaces, with punctuation on its own and contractions kept whole', () => {
    const ids = multilingual.encode(" Hello, world! I don't know.");
    expect(words(multilingual, ids, 'en')).toEqual([
      ' Hello',
      ',',
      ' world',
      '!',
      ' I',
      " don't",
      ' know',
      '.',
    ]);
    const split = multilingual.splitToWordTokens(ids, 'en');
    expect(split.flatMap((w) => w.tokens)).toEqual(ids);
  });

  test('a word split into several tokens stays one word', () => {
    const ids = multilingual.encode(' naïve café');
    expect(ids).toEqual([1667, 15487, 303, 25118]);
    expect(words(multilingual, ids, 'fr')).toEqual([' naïve', ' café']);
  });

  test('special and timestamp tokens are words of their own', () => {
    const { timestampBegin, endOfText } = multilingual.special;
    const ids = [timestampBegin, ...multilingual.encode(' Hi there'), timestampBegin + 50, endOfText];
    expect(words(multilingual, ids, 'english')).toEqual([
      '<|0.00|>',
      ' Hi',
      ' there',
      '<|1.00|>',
      '<|endoftext|>',
    ]);
  });

  test('by character for Japanese, where a character may take several tokens', () => {
    expect(words(multilingual, [27311, 31348], 'ja')).toEqual(['日本', '語']);
    expect(multilingual.splitToWordTokens([13125, 222, 28864, 231], 'zh')).toEqual([
      { word: '😀', tokens: [13125, 222] },
      { word: '🎉', tokens: [28864, 231] },
    ]);
  });

  test('an invalid byte that no later token completes is a word of its own', () => {
    expect(multilingual.splitToWordTokens([13125], 'ja')).toEqual([{ word: '\ufffd', tokens: [13125] }]);
  });

  test('English without spaces between character groups merges them', () => {
    expect(words(multilingual, [13125, 222, 28864, 231], 'en')).toEqual(['😀🎉']);
  });
});
