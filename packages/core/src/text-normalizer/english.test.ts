import { describe, expect, test } from 'vitest';
import { EnglishTextNormalizer } from './english.js';

const normalizer = new EnglishTextNormalizer();

describe('EnglishTextNormalizer', () => {
  test.each([
    ['Hello, World!', 'hello world'],
    ['Mr. Smith went to Washington.', 'mister smith went to washington'],
    ['Dr. Jones and Mrs. Brown met St. Peter.', 'doctor jones and missus brown met saint peter'],
    ["I won't, I can't, let's go! Y'all ain't ready.", 'i will not i can not let us go you all aint ready'],
    ["I'm gonna wanna gotta do it, ma'am.", 'i am going to want to got to do it madam'],
    [
      "He'd been there. She's been gone. They'd done it. It's got legs.",
      'he had been there she has been gone they had done it it has got legs',
    ],
    [
      "You're right, we've seen it, I'll go, it's fine, he'd know, don't worry.",
      'you are right we have seen it i will go it is fine he would know do not worry',
    ],
    ["i'ma imma woulda coulda shoulda", 'i am going to i am going to would have could have should have'],
    ['Hmm, um, uh, mhm, I think so. mm mmm.', 'i think so'],
    ['[MUSIC] Hello (applause) world <laughs> again', 'hello world again'],
    ['colour favourite organise theatre', 'color favorite organize theater'],
    ['naïve café résumé', 'naive cafe resume'],
    ['Œuvre æther straße', 'oeuvre aether strasse'],
    ['Ærøskøbing Łódź Þingvellir Ðorđe', 'aeroskobing lodz thingvellir dorde'],
    ['co-operate e-mail x-ray', 'co operate e mail x ray'],
    ['The U.S.A. is big.', 'the u s a is big'],
    ['multiple    spaces\tand\ttabs\nnewlines', 'multiple spaces and tabs newlines'],
    ['ALL CAPS SENTENCE', 'all caps sentence'],
    ['smart-phone # hashtag @mention & and', 'smart phone hashtag mention and'],
    ['it costs $3.50', 'it costs $3.50'],
    ['10,000 people and 1,000,000 dollars', '10000 people and $1000000'],
    ["it's 3.14 or so.", 'it is 3.14 or so'],
    ['I have 2 cats and 3 dogs.', 'i have 2 cats and 3 dogs'],
    ['50%', '50%'],
    ['$20 million', '$20000000'],
    ["Let's meet at 10:30 a.m.", 'let us meet at 10 30 a m'],
    ['日本語 text', '日本語 text'],
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (text, normalized) => {
    expect(normalizer.normalize(text)).toBe(normalized);
  });

  test.each([
    // Whisper's known quirks, kept for parity: "o" is a zero, "1" is written "one", "…" leaves periods behind
    ["it's 5 o'clock", 'it is 50 clock'],
    ['oh no', '0 no'],
    ['version 1.2.3', 'version one.2.3'],
    ['192.168.0.1', '192.168.0 one'],
    ['He said "hello" — and left…', 'he said hello and left ..'],
  ])('quirk: %j → %j', (text, normalized) => {
    expect(normalizer.normalize(text)).toBe(normalized);
  });

  test('word boundaries are Unicode-aware: "mr" inside a longer word is left alone', () => {
    expect(normalizer.normalize('mré mr')).toBe('mre mister');
    expect(normalizer.normalize('umé um')).toBe('ume');
  });

  test('a custom spelling map replaces english.json', () => {
    const custom = new EnglishTextNormalizer(new Map([['grey', 'gray']]));
    expect(custom.normalize('Grey colour')).toBe('gray colour');
  });
});
