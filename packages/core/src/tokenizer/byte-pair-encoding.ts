/**
 * Byte-level BPE as tiktoken runs it: a piece's UTF-8 bytes start as single-byte tokens and the adjacent pair whose
 * concatenation has the lowest rank merges first (the leftmost on a tie), until no adjacent pair is a token. A piece
 * that is itself a token is taken whole.
 */

import { preTokenize } from './pre-tokenizer.js';
import type { Ranks } from './ranks.js';

const NOT_A_TOKEN = Number.POSITIVE_INFINITY;

/** Token ids of one piece, given as a binary string (one char code per byte). */
export function encodePiece(piece: string, ranks: Ranks): number[] {
  const whole = ranks.idByBytes.get(piece);
  if (whole !== undefined) return [whole];
  // starts[i] is where part i begins; pairRanks[i] is the rank of parts i and i+1 merged.
  const starts: number[] = [];
  for (let i = 0; i <= piece.length; i++) starts.push(i);
  const rankOf = (i: number): number =>
    i + 2 < starts.length
      ? (ranks.idByBytes.get(piece.slice(starts[i], starts[i + 2])) ?? NOT_A_TOKEN)
      : NOT_A_TOKEN;
  const pairRanks = starts.slice(0, -1).map((_, i) => rankOf(i));
  for (;;) {
    let best = -1;
    let bestRank = NOT_A_TOKEN;
    for (let i = 0; i < pairRanks.length; i++) {
      const rank = pairRanks[i]!;
      if (rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    starts.splice(best + 1, 1);
    pairRanks.splice(best + 1, 1);
    pairRanks[best] = rankOf(best);
    if (best > 0) pairRanks[best - 1] = rankOf(best - 1);
  }
  const ids: number[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    ids.push(ranks.idByBytes.get(piece.slice(starts[i], starts[i + 1]))!);
  }
  return ids;
}

/**
 * Token ids of plain text: pre-tokenized with GPT-2's pattern, each piece UTF-8 encoded and merged. Lone UTF-16
 * surrogates become U+FFFD, as tiktoken does. Special-token text such as `<|endoftext|>` is ordinary text here.
 */
export function encodeText(text: string, ranks: Ranks): number[] {
  const ids: number[] = [];
  for (const piece of preTokenize(text)) {
    for (const id of encodePiece(Buffer.from(piece, 'utf8').toString('latin1'), ranks)) ids.push(id);
  }
  return ids;
}
