/** The vocabulary's bytes in the shape the engine's compression ratio reads. */

import type { TokenBytesTable, Tokenizer } from '@verbatim/core';

/**
 * Every token's bytes for a model of `nVocab` tokens: the text tokens' own, and none for the special and timestamp
 * tokens, which whisper's decode leaves out of the text it compresses. `nVocab + 1` offsets.
 */
export function modelTokenBytes(tokenizer: Tokenizer, nVocab: number): TokenBytesTable {
  const { bytes, offsets } = tokenizer.tokenBytes();
  const all = new Uint32Array(nVocab + 1);
  all.set(offsets.subarray(0, tokenizer.nTextTokens + 1));
  all.fill(offsets[tokenizer.nTextTokens]!, tokenizer.nTextTokens + 1);
  return { bytes: bytes.subarray(0, offsets[tokenizer.nTextTokens]!), offsets: all };
}
