/**
 * Whisper's non-speech tokens (openai/whisper tokenizer.py `non_speech_tokens`): symbols that are never spoken, which
 * `suppress_tokens = [-1]` (the default) keeps the decoder from emitting, so it writes words rather than stage
 * directions such as `(laughs)` or `♪`.
 */

/** Symbols suppressed when they encode to one token, alone or after a space. */
const SYMBOLS = [
  ...'"#()*+/:;<=>@[\\]^_`{|}~「」『』',
  ...'<< >> <<< >>> -- --- -( -[ (\' (" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪'.split(' '),
];
/** Musical symbols (U+2640–U+267F): their first token is suppressed even when they take several. */
const MUSICAL_SYMBOLS = [...'♩♪♫♬♭♮♯'];

/** The sorted non-speech token ids of a vocabulary, given its plain-text encoder. */
export function nonSpeechTokens(encode: (text: string) => number[]): number[] {
  // A hyphen or apostrophe is allowed between words, not at the start of one: " -" and " '" are suppressed.
  const result = new Set<number>([encode(' -')[0]!, encode(" '")[0]!]);
  for (const symbol of SYMBOLS) {
    for (const ids of [encode(symbol), encode(` ${symbol}`)]) {
      if (ids.length === 1) result.add(ids[0]!);
    }
  }
  for (const symbol of MUSICAL_SYMBOLS) {
    for (const ids of [encode(symbol), encode(` ${symbol}`)]) result.add(ids[0]!);
  }
  return [...result].sort((a, b) => a - b);
}
