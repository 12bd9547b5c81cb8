/**
 * Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json, vocab.json, merges.txt) for each Whisper
 * vocabulary, derived from the shared whisper-base (multilingual) files:
 *   51865: those files unchanged;
 *   51866: the same BPE, with `<|yue|>` added at 50358 and every later added token moved up by one;
 *   51864: GPT-2's BPE (vocab.json and merges.txt rebuilt from gpt2.tiktoken) with the English-only ids.
 * Written byte for byte as python/whisper_layouts.py writes them (Python `json.dumps`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTiktoken } from '../formats/ggml.js';
import type { JsonValue } from '../formats/python-json.js';
import { dumpPythonJson, parsePythonJson } from '../formats/python-json.js';
import { architectureSpec } from '../whisper-tensors.js';
import type { AddedToken } from './special-tokens.js';
import { SpecialTokens } from './special-tokens.js';

/** Where the shared multilingual tokenizer files are, under shared/assets. */
export const HF_TOKENIZER_ASSETS = 'whisper/hf-onnx-community-whisper-base-tokenizer';
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.json',
  'merges.txt',
] as const;
const MERGES_VERSION_LINE = '#version: 0.2';

/** GPT-2's reversible map from bytes to printable characters, used by byte-level BPE files. */
export function byteToUnicode(): string[] {
  const printable = (from: string, to: string) =>
    Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) => from.charCodeAt(0) + i);
  const direct = new Set([...printable('!', '~'), ...printable('¡', '¬'), ...printable('®', 'ÿ')]);
  const table: string[] = [];
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    table.push(String.fromCharCode(direct.has(byte) ? byte : 256 + extra++));
  }
  return table;
}

/**
 * The merge that made each multi-byte token, in rank order, recovered by running BPE on the token's bytes with
 * lower-ranked tokens only. Throws Error when a token is not the merge of two lower-ranked ones.
 */
export function bpeMerges(tokens: readonly Uint8Array[]): [Uint8Array, Uint8Array][] {
  const key = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
  const rank = new Map(tokens.map((token, r) => [key(token), r]));
  const merges: [Uint8Array, Uint8Array][] = [];
  tokens.forEach((token, r) => {
    if (token.byteLength < 2) return;
    let parts = Array.from(token, (_, i) => token.subarray(i, i + 1));
    while (parts.length > 2) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < parts.length - 1; i++) {
        const pairRank = rank.get(key(Buffer.concat([parts[i]!, parts[i + 1]!])));
        if (pairRank !== undefined && pairRank < r && pairRank < bestRank) {
          best = i;
          bestRank = pairRank;
        }
      }
      if (best < 0) break;
      const merged = Buffer.concat([parts[best]!, parts[best + 1]!]);
      parts = [...parts.slice(0, best), merged, ...parts.slice(best + 2)];
    }
    if (parts.length !== 2)
      throw new Error(`[bpeMerges] token ${r} is not the merge of two lower-ranked tokens`);
    merges.push([parts[0]!, parts[1]!]);
  });
  return merges;
}

function addedTokenEntry(token: AddedToken): Map<string, JsonValue> {
  return new Map<string, JsonValue>([
    ['id', token.id],
    ['content', token.content],
    ['single_word', false],
    ['lstrip', false],
    ['rstrip', false],
    ['normalized', !token.special],
    ['special', token.special],
  ]);
}

function asMap(value: JsonValue | undefined, what: string): Map<string, JsonValue> {
  if (!(value instanceof Map)) throw new SyntaxError(`[tokenizerFiles] ${what} is not a JSON object`);
  return value as Map<string, JsonValue>;
}

/** The four tokenizer files of the architecture's vocabulary, by file name. */
export function tokenizerFiles(architecture: string, assetsDir: string): Map<string, Buffer> {
  const source = join(assetsDir, HF_TOKENIZER_ASSETS);
  const files = new Map(TOKENIZER_FILES.map((name) => [name as string, readFileSync(join(source, name))]));
  const tokens = new SpecialTokens(architectureSpec(architecture).nVocab);
  if (tokens.nVocab === 51865) return files;

  const tokenizer = asMap(parsePythonJson(files.get('tokenizer.json')!.toString('utf8')), 'tokenizer.json');
  const config = asMap(
    parsePythonJson(files.get('tokenizer_config.json')!.toString('utf8')),
    'tokenizer_config',
  );
  const added = tokens.addedTokens();
  if (!tokens.multilingual) {
    const encoder = byteToUnicode();
    const text = (bytes: Uint8Array) => Array.from(bytes, (byte) => encoder[byte]!).join('');
    const bpe = readTiktoken(join(assetsDir, 'whisper', 'gpt2.tiktoken'));
    const vocab = new Map<string, JsonValue>(bpe.map((token, rank) => [text(token), rank]));
    vocab.set('<|endoftext|>', tokens.endOfText);
    const merges = bpeMerges(bpe).map(([left, right]) => `${text(left)} ${text(right)}`);
    const model = asMap(tokenizer.get('model'), 'tokenizer.json model');
    model.set('vocab', vocab);
    model.set('merges', merges);
    const vocabJson = dumpPythonJson(vocab, { indent: 2, sortKeys: true, ensureAscii: false });
    files.set('vocab.json', Buffer.from(`${vocabJson}\n`, 'utf8'));
    files.set('merges.txt', Buffer.from(`${[MERGES_VERSION_LINE, ...merges].join('\n')}\n`, 'utf8'));
  }
  tokenizer.set('added_tokens', added.map(addedTokenEntry));
  const ids = new Map(added.map((token) => [token.content, token.id]));
  const postProcessor = asMap(tokenizer.get('post_processor'), 'post_processor');
  for (const special of asMap(postProcessor.get('special_tokens'), 'special_tokens').values()) {
    const entry = asMap(special, 'special token');
    entry.set('ids', [ids.get(entry.get('id') as string)!]);
  }
  files.set(
    'tokenizer.json',
    Buffer.from(dumpPythonJson(tokenizer, { indent: 2, ensureAscii: false }), 'utf8'),
  );
  config.set(
    'added_tokens_decoder',
    new Map(
      added.map((token) => {
        const entry = addedTokenEntry(token);
        entry.delete('id');
        return [String(token.id), entry];
      }),
    ),
  );
  config.set(
    'additional_special_tokens',
    added.filter((token) => token.special).map((token) => token.content),
  );
  const configJson = dumpPythonJson(config, { indent: 2, sortKeys: true, ensureAscii: false });
  files.set('tokenizer_config.json', Buffer.from(`${configJson}\n`, 'utf8'));
  return files;
}
