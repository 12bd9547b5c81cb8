/**
 * British to American spellings (Whisper's english.json: "colour" → "color", "organise" → "organize"), applied word
 * by word. The map ships in the package's assets and is read once, on first use.
 */
import { readFileSync } from 'node:fs';
import { FileError } from '../errors.js';
import { assetPath } from '../internal/asset-path.js';
import { splitWords } from './python-text.js';

let shippedSpellings: ReadonlyMap<string, string> | undefined;

/** The shipped english.json. Throws FileError when the asset is missing or not JSON. */
export function englishSpellings(): ReadonlyMap<string, string> {
  if (shippedSpellings !== undefined) return shippedSpellings;
  const path = assetPath('english.json');
  try {
    shippedSpellings = new Map(
      Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>),
    );
  } catch (cause) {
    throw new FileError('E_FILE_READ', `[englishSpellings] cannot read the spelling map: ${path}`, {
      path,
      cause,
    });
  }
  return shippedSpellings;
}

export class EnglishSpellingNormalizer {
  readonly #spellings: ReadonlyMap<string, string>;

  /** `spellings` defaults to Whisper's english.json. */
  constructor(spellings: ReadonlyMap<string, string> = englishSpellings()) {
    this.#spellings = spellings;
  }

  /** The words of `text` with their American spellings, joined by single spaces. */
  normalize(text: string): string {
    return splitWords(text)
      .map((word) => this.#spellings.get(word) ?? word)
      .join(' ');
  }
}
