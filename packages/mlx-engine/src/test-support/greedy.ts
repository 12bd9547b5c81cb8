/**
 * A plain greedy loop over the engine's decode steps, with the logit rules transformers' `generate` applies in
 * `<|notimestamps|>` mode: `suppress_tokens` at every step, `begin_suppress_tokens` at the first. It exists to show
 * the engine's decode steps reproduce the reference's greedy tokens; the product's decoding runs natively (issue
 * "Transcription end to end").
 */
import type { EncoderOutput } from '../encoder-output.js';
import type { WhisperModel } from '../whisper-model.js';

export interface GreedyRules {
  /** Never emitted. */
  readonly suppress: readonly number[];
  /** Not emitted as the first new token. */
  readonly beginSuppress: readonly number[];
  readonly endOfText: number;
  readonly maxNewTokens: number;
}

function argmax(values: Float32Array, banned: ReadonlySet<number>): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let id = 0; id < values.length; id++) {
    if (!banned.has(id) && values[id]! > bestValue) {
      bestValue = values[id]!;
      best = id;
    }
  }
  return best;
}

/** The new tokens after `prompt` (end-of-text not included), greedy under `rules`. */
export async function greedyTokens(
  model: WhisperModel,
  audio: EncoderOutput,
  prompt: readonly number[],
  rules: GreedyRules,
): Promise<number[]> {
  const always = new Set(rules.suppress);
  const first = new Set([...rules.suppress, ...rules.beginSuppress]);
  await using session = model.newDecoderSession(audio);
  let logits = await session.append(Int32Array.from(prompt), prompt.length);
  const tokens: number[] = [];
  for (let step = 0; step < rules.maxNewTokens; step++) {
    const next = argmax(logits, step === 0 ? first : always);
    if (next === rules.endOfText) break;
    tokens.push(next);
    if (step + 1 < rules.maxNewTokens) logits = await session.append(Int32Array.of(next), 1);
  }
  return tokens;
}

/** The language token transformers' detection picks: the most likely language token after <|startoftranscript|>. */
export async function detectedLanguageToken(
  model: WhisperModel,
  audio: EncoderOutput,
  startOfTranscript: number,
  languageTokens: readonly number[],
): Promise<number> {
  await using session = model.newDecoderSession(audio);
  const logits = await session.append(Int32Array.of(startOfTranscript), 1);
  return languageTokens.reduce((best, id) => (logits[id]! > logits[best]! ? id : best));
}
