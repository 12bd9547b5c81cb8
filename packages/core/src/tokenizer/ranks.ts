/**
 * tiktoken ranks files, the vocabularies Whisper ships: one `base64(token bytes) rank` line per token, where a token's
 * rank is both its id and its merge priority (lower merges first). `multilingual.tiktoken` holds 50257 tokens,
 * `gpt2.tiktoken` (English-only models) 50256; the special tokens follow them (see special-tokens.ts).
 */
import { readFileSync } from 'node:fs';
import { FileError, ModelLoadError } from '../errors.js';
import { assetPath } from '../internal/asset-path.js';

export type VocabularyName = 'multilingual' | 'gpt2';

export interface Ranks {
  /** Token id by its bytes, written as a binary string (one char code 0–255 per byte). */
  readonly idByBytes: ReadonlyMap<string, number>;
  /** Every token's bytes in id order: token `id` is `bytes[offsets[id]] … bytes[offsets[id + 1] - 1]`. */
  readonly bytes: Uint8Array;
  /** `count + 1` offsets into `bytes`. */
  readonly offsets: Uint32Array;
  readonly count: number;
}

/** The shipped ranks file of a vocabulary, in the package's `assets/`. */
export function vocabularyPath(name: VocabularyName): string {
  return assetPath(`${name}.tiktoken`);
}

/** Parses a ranks file's text. Throws ModelLoadError unless ranks are exactly 0 … n-1, each once. */
export function parseRanks(text: string, path: string): Ranks {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const tokens: Buffer[] = new Array(lines.length);
  let totalBytes = 0;
  for (const [lineIndex, line] of lines.entries()) {
    const [encoded, rankText, extra] = line.split(' ');
    const rank = Number(rankText);
    if (
      encoded === undefined ||
      extra !== undefined ||
      !Number.isInteger(rank) ||
      rank < 0 ||
      rank >= lines.length
    ) {
      throw new ModelLoadError(`[parseRanks] malformed line ${lineIndex + 1}: ${JSON.stringify(line)}`, {
        path,
      });
    }
    if (tokens[rank] !== undefined) {
      throw new ModelLoadError(`[parseRanks] rank given twice: ${rank}`, { path });
    }
    const bytes = Buffer.from(encoded, 'base64');
    tokens[rank] = bytes;
    totalBytes += bytes.length;
  }
  const idByBytes = new Map<string, number>();
  const bytes = new Uint8Array(totalBytes);
  const offsets = new Uint32Array(tokens.length + 1);
  let offset = 0;
  for (const [id, token] of tokens.entries()) {
    idByBytes.set(token.toString('latin1'), id);
    bytes.set(token, offset);
    offset += token.length;
    offsets[id + 1] = offset;
  }
  if (idByBytes.size !== tokens.length) {
    throw new ModelLoadError(
      `[parseRanks] two ranks share the same bytes (${tokens.length - idByBytes.size})`,
      {
        path,
      },
    );
  }
  return { idByBytes, bytes, offsets, count: tokens.length };
}

const loaded = new Map<VocabularyName, Ranks>();

/** The ranks of a shipped vocabulary, read once per process. Throws FileError when the asset is missing. */
export function loadRanks(name: VocabularyName): Ranks {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const path = vocabularyPath(name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FileError('E_FILE_READ', `[loadRanks] cannot read the ${name} vocabulary: ${path}`, {
      path,
      cause,
    });
  }
  const ranks = parseRanks(text, path);
  loaded.set(name, ranks);
  return ranks;
}
