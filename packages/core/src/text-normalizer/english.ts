/**
 * Whisper's English text normaliser (openai/whisper normalizers/english.py `EnglishTextNormalizer`), the one its WER
 * figures use: lower case; bracketed and parenthesised text and hesitations ("uh", "um", "hmm") removed; contractions
 * and titles expanded ("won't" → "will not", "mr" → "mister"); symbols and diacritics removed; numbers in digits;
 * American spellings; whitespace runs collapsed.
 */
import { BRACKETED, PARENTHESISED, removeSymbolsAndDiacritics } from './basic.js';
import { EnglishNumberNormalizer } from './english-numbers.js';
import { EnglishSpellingNormalizer } from './english-spelling.js';
import { collapseWhitespace, PY_SPACE, WORD_END, WORD_START } from './python-text.js';

const HESITATIONS = new RegExp(`${WORD_START}(hmm|mm|mhm|mmm|uh|um)${WORD_END}`, 'gu');
const SPACE_BEFORE_APOSTROPHE = new RegExp(`[${PY_SPACE}]+'`, 'gu');

/** [pattern, replacement] in the order Whisper applies them; `\b` marks a word boundary. */
const REPLACEMENTS: readonly (readonly [string, string])[] = [
  // common contractions
  ["\\bwon't\\b", 'will not'],
  ["\\bcan't\\b", 'can not'],
  ["\\blet's\\b", 'let us'],
  ["\\bain't\\b", 'aint'],
  ["\\by'all\\b", 'you all'],
  ['\\bwanna\\b', 'want to'],
  ['\\bgotta\\b', 'got to'],
  ['\\bgonna\\b', 'going to'],
  ["\\bi'ma\\b", 'i am going to'],
  ['\\bimma\\b', 'i am going to'],
  ['\\bwoulda\\b', 'would have'],
  ['\\bcoulda\\b', 'could have'],
  ['\\bshoulda\\b', 'should have'],
  ["\\bma'am\\b", 'madam'],
  // titles and prefixes
  ['\\bmr\\b', 'mister '],
  ['\\bmrs\\b', 'missus '],
  ['\\bst\\b', 'saint '],
  ['\\bdr\\b', 'doctor '],
  ['\\bprof\\b', 'professor '],
  ['\\bcapt\\b', 'captain '],
  ['\\bgov\\b', 'governor '],
  ['\\bald\\b', 'alderman '],
  ['\\bgen\\b', 'general '],
  ['\\bsen\\b', 'senator '],
  ['\\brep\\b', 'representative '],
  ['\\bpres\\b', 'president '],
  ['\\brev\\b', 'reverend '],
  ['\\bhon\\b', 'honorable '],
  ['\\basst\\b', 'assistant '],
  ['\\bassoc\\b', 'associate '],
  ['\\blt\\b', 'lieutenant '],
  ['\\bcol\\b', 'colonel '],
  ['\\bjr\\b', 'junior '],
  ['\\bsr\\b', 'senior '],
  ['\\besq\\b', 'esquire '],
  // perfect tenses; "'s done" is ambiguous and left alone
  ["'d been\\b", ' had been'],
  ["'s been\\b", ' has been'],
  ["'d gone\\b", ' had gone'],
  ["'s gone\\b", ' has gone'],
  ["'d done\\b", ' had done'],
  ["'s got\\b", ' has got'],
  // general contractions
  ["n't\\b", ' not'],
  ["'re\\b", ' are'],
  ["'s\\b", ' is'],
  ["'d\\b", ' would'],
  ["'ll\\b", ' will'],
  ["'t\\b", ' not'],
  ["'ve\\b", ' have'],
  ["'m\\b", ' am'],
];

/** Every `\b` in REPLACEMENTS stands before or after a letter, so it is a Unicode word start or end there. */
const REPLACERS = REPLACEMENTS.map(
  ([pattern, replacement]) =>
    [new RegExp(pattern.replace(/^\\b/, WORD_START).replace(/\\b$/, WORD_END), 'gu'), replacement] as const,
);

const COMMA_BETWEEN_DIGITS = /(\p{Nd}),(\p{Nd})/gu;
const PERIOD_NOT_BEFORE_DIGIT = /\.([^0-9]|$)/gu;
const PREFIX_SYMBOL_NOT_BEFORE_DIGIT = /[.$¢€£]([^0-9])/gu;
const PERCENT_NOT_AFTER_DIGIT = /([^0-9])%/gu;
/** Symbols that numbers need: kept through symbol removal. */
const NUMERIC_SYMBOLS = '.%$¢€£';

export class EnglishTextNormalizer {
  readonly #numbers = new EnglishNumberNormalizer();
  readonly #spellings: EnglishSpellingNormalizer;

  /** `spellings` (British → American) defaults to Whisper's english.json. */
  constructor(spellings?: ReadonlyMap<string, string>) {
    this.#spellings = new EnglishSpellingNormalizer(spellings);
  }

  /** The normalised text, as Whisper's normaliser writes it (a leading or trailing space can remain). */
  normalize(text: string): string {
    let s = text.toLowerCase().replace(BRACKETED, '').replace(PARENTHESISED, '');
    s = s.replace(HESITATIONS, '').replace(SPACE_BEFORE_APOSTROPHE, "'");
    for (const [pattern, replacement] of REPLACERS) s = s.replace(pattern, replacement);
    s = s.replace(COMMA_BETWEEN_DIGITS, '$1$2').replace(PERIOD_NOT_BEFORE_DIGIT, ' $1');
    s = removeSymbolsAndDiacritics(s, NUMERIC_SYMBOLS);
    s = this.#spellings.normalize(this.#numbers.normalize(s));
    // symbols that no number claimed
    s = s.replace(PREFIX_SYMBOL_NOT_BEFORE_DIGIT, ' $1').replace(PERCENT_NOT_AFTER_DIGIT, '$1 ');
    return collapseWhitespace(s);
  }
}
