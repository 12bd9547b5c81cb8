import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { specialTokenTexts, timestampTokenText, vocabularyLayout } from './special-tokens.js';
import { readHfTokenizerJson } from './test-support/shared-assets.js';

describe('vocabularyLayout', () => {
  test('51865 (multilingual): the ids every Whisper tool uses', () => {
    const { ids, nTextTokens, languages, vocabulary } = vocabularyLayout(51865);
    expect({ nTextTokens, languages: languages.length, vocabulary }).toEqual({
      nTextTokens: 50257,
      languages: 99,
      vocabulary: 'multilingual',
    });
    expect(ids).toEqual({
      endOfText: 50257,
      startOfTranscript: 50258,
      firstLanguage: 50259,
      translate: 50358,
      transcribe: 50359,
      startOfLm: 50360,
      startOfPrev: 50361,
      noSpeech: 50362,
      noTimestamps: 50363,
      timestampBegin: 50364,
    });
  });

  test('51864 (English-only): GPT-2 text tokens, still 99 language tokens, every special one lower', () => {
    const { ids, nTextTokens, languages, vocabulary } = vocabularyLayout(51864);
    expect({ nTextTokens, languages: languages.length, vocabulary }).toEqual({
      nTextTokens: 50256,
      languages: 99,
      vocabulary: 'gpt2',
    });
    expect(ids).toEqual({
      endOfText: 50256,
      startOfTranscript: 50257,
      firstLanguage: 50258,
      translate: 50357,
      transcribe: 50358,
      startOfLm: 50359,
      startOfPrev: 50360,
      noSpeech: 50361,
      noTimestamps: 50362,
      timestampBegin: 50363,
    });
  });

  test('51866 (large-v3): <|yue|> after <|su|> moves every later special up by one', () => {
    const layout = vocabularyLayout(51866);
    expect(layout.languages.at(-1)).toEqual({ code: 'yue', name: 'cantonese' });
    expect(layout.ids).toEqual({
      endOfText: 50257,
      startOfTranscript: 50258,
      firstLanguage: 50259,
      translate: 50359,
      transcribe: 50360,
      startOfLm: 50361,
      startOfPrev: 50362,
      noSpeech: 50363,
      noTimestamps: 50364,
      timestampBegin: 50365,
    });
  });

  test.each([51864, 51865, 51866])('%i: <|30.00|> is the last token', (vocabSize) => {
    const layout = vocabularyLayout(vocabSize);
    const texts = specialTokenTexts(layout);
    expect(layout.nTextTokens + texts.length).toBe(vocabSize);
    expect(texts[layout.ids.timestampBegin - layout.nTextTokens]).toBe('<|0.00|>');
    expect(texts.at(-1)).toBe('<|30.00|>');
  });

  test.each([0, 50257, 51863, 51867, 51865.5, Number.NaN])('rejects a vocabulary of %d tokens', (size) => {
    expect(() => vocabularyLayout(size)).toThrow(InvalidArgumentError);
    expect(() => vocabularyLayout(size)).toThrow(/no Whisper vocabulary has this many tokens/);
  });
});

describe('against the Hugging Face whisper-base tokenizer.json', () => {
  test('every added token has our id and name (<|nocaptions|> is our <|nospeech|>)', () => {
    const layout = vocabularyLayout(51865);
    const ours = specialTokenTexts(layout).map((content, i) => ({ id: layout.nTextTokens + i, content }));
    const theirs = readHfTokenizerJson().added_tokens.map(({ id, content }) => ({
      id,
      content: content === '<|nocaptions|>' ? '<|nospeech|>' : content,
    }));
    expect(theirs).toHaveLength(1608);
    expect(ours).toEqual(theirs);
  });

  test('timestamps are the only added tokens Hugging Face marks not special', () => {
    const layout = vocabularyLayout(51865);
    const notSpecial = readHfTokenizerJson().added_tokens.filter((token) => !token.special);
    expect(notSpecial.map((token) => token.id)).toEqual(
      Array.from({ length: 1501 }, (_, i) => layout.ids.timestampBegin + i),
    );
  });
});

describe('timestampTokenText', () => {
  test.each([
    [0, '<|0.00|>'],
    [1, '<|0.02|>'],
    [15, '<|0.30|>'],
    [54, '<|1.08|>'],
    [50, '<|1.00|>'],
    [749, '<|14.98|>'],
    [1500, '<|30.00|>'],
  ])('index %i is %s', (index, text) => {
    expect(timestampTokenText(index)).toBe(text);
  });
});
