/**
 * The languages Whisper knows, in the order of their tokens (openai/whisper tokenizer.py `LANGUAGES`): `<|en|>` is
 * the first language token, `<|yue|>` the hundredth and only in vocabularies of 51866 tokens (large-v3 on).
 */
import { InvalidArgumentError } from '../errors.js';

export interface WhisperLanguage {
  /** The code in the language token: `en` for `<|en|>`. */
  readonly code: string;
  /** Whisper's lower-case English name. */
  readonly name: string;
}

const CODES_AND_NAMES =
  'en english|zh chinese|de german|es spanish|ru russian|ko korean|fr french|ja japanese|pt portuguese|tr turkish|' +
  'pl polish|ca catalan|nl dutch|ar arabic|sv swedish|it italian|id indonesian|hi hindi|fi finnish|vi vietnamese|' +
  'he hebrew|uk ukrainian|el greek|ms malay|cs czech|ro romanian|da danish|hu hungarian|ta tamil|no norwegian|' +
  'th thai|ur urdu|hr croatian|bg bulgarian|lt lithuanian|la latin|mi maori|ml malayalam|cy welsh|sk slovak|' +
  'te telugu|fa persian|lv latvian|bn bengali|sr serbian|az azerbaijani|sl slovenian|kn kannada|et estonian|' +
  'mk macedonian|br breton|eu basque|is icelandic|hy armenian|ne nepali|mn mongolian|bs bosnian|kk kazakh|' +
  'sq albanian|sw swahili|gl galician|mr marathi|pa punjabi|si sinhala|km khmer|sn shona|yo yoruba|so somali|' +
  'af afrikaans|oc occitan|ka georgian|be belarusian|tg tajik|sd sindhi|gu gujarati|am amharic|yi yiddish|lo lao|' +
  'uz uzbek|fo faroese|ht haitian creole|ps pashto|tk turkmen|nn nynorsk|mt maltese|sa sanskrit|' +
  'lb luxembourgish|my myanmar|bo tibetan|tl tagalog|mg malagasy|as assamese|tt tatar|haw hawaiian|ln lingala|' +
  'ha hausa|ba bashkir|jw javanese|su sundanese|yue cantonese';

/** All 100 languages in token order. */
export const WHISPER_LANGUAGES: readonly WhisperLanguage[] = Object.freeze(
  CODES_AND_NAMES.split('|').map((entry) => {
    const space = entry.indexOf(' ');
    return Object.freeze({ code: entry.slice(0, space), name: entry.slice(space + 1) });
  }),
);

/** Vocabularies before large-v3 have tokens for the first 99 languages (all but `yue`). */
export const N_LANGUAGES_BEFORE_V3 = 99;

/** Other names Whisper accepts for a language (tokenizer.py `TO_LANGUAGE_CODE`). */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  burmese: 'my',
  valencian: 'ca',
  flemish: 'nl',
  haitian: 'ht',
  letzeburgesch: 'lb',
  pushto: 'ps',
  panjabi: 'pa',
  moldavian: 'ro',
  moldovan: 'ro',
  sinhalese: 'si',
  castilian: 'es',
  mandarin: 'zh',
};

const CODE_BY_NAME = new Map<string, string>([
  ...WHISPER_LANGUAGES.map((language): [string, string] => [language.name, language.code]),
  ...Object.entries(NAME_ALIASES),
]);
const CODES = new Set(WHISPER_LANGUAGES.map((language) => language.code));

/**
 * The code of a language given by code or name, case-insensitively (`"German"` → `de`, `"mandarin"` → `zh`), or
 * undefined when Whisper does not know it.
 */
export function findLanguageCode(codeOrName: string): string | undefined {
  const key = codeOrName.toLowerCase();
  return CODES.has(key) ? key : CODE_BY_NAME.get(key);
}

/** Like findLanguageCode, but throws InvalidArgumentError naming the supported languages. */
export function languageCode(codeOrName: string, supported = WHISPER_LANGUAGES): string {
  const code = findLanguageCode(codeOrName);
  if (code === undefined || !supported.some((language) => language.code === code)) {
    const list = supported.map((language) => `${language.code} (${language.name})`).join(', ');
    throw new InvalidArgumentError(
      `[languageCode] unsupported language: ${JSON.stringify(codeOrName)}; supported: ${list}`,
    );
  }
  return code;
}
