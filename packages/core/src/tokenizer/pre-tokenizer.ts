/**
 * GPT-2's pre-tokenizer, which Whisper uses for both vocabularies: text is cut into pieces (contractions, letter runs,
 * digit runs, symbol runs, whitespace) and BPE runs inside each piece only.
 *
 * The reference pattern is `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. Its `\s` is
 * Unicode White_Space in tiktoken's and Hugging Face's regex engines; JavaScript's `\s` differs (it adds U+FEFF and
 * lacks U+0085), so the property is spelled out.
 */
const GPT2_PIECE =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** The pieces of `text` in order; their concatenation is `text`. */
export function preTokenize(text: string): string[] {
  return text.match(GPT2_PIECE) ?? [];
}
