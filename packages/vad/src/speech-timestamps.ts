/**
 * Speech spans with the semantics of snakers4/silero-vad's get_speech_timestamps (v6 utils_vad.py): hysteresis
 * between `threshold` and `negThreshold`, a minimum silence to end speech, a minimum speech length, padding split
 * halfway between close neighbours, and overlong speech split at its longest (or last) inner silence. Positions are
 * window starts (multiples of 512 samples) before padding, so the spans are sample-accurate in the 16 kHz signal.
 */

import { VAD_SAMPLE_RATE_HZ, WINDOW_SAMPLES } from './constants.js';
import type { VadAudioInput } from './internal/vad-input.js';
import { type SpeechProbabilityOptions, speechProbabilities } from './speech-probabilities.js';
import type { SpeechSpan } from './speech-span.js';
import {
  type ResolvedSpeechTimestampOptions,
  resolveSpeechTimestampOptions,
  type SpeechTimestampOptions,
} from './speech-timestamp-options.js';

export interface SpeechTimestampsResult {
  /** Speech spans in the 16 kHz signal, in order, not overlapping. */
  readonly spans: readonly SpeechSpan[];
  /** Length of the 16 kHz signal in samples. */
  readonly durationSamples: number;
  /** 16000: the rate of every sample position above. */
  readonly sampleRateHz: number;
  /** The options the spans were computed with, defaults filled in. */
  readonly options: ResolvedSpeechTimestampOptions;
  /** One speech probability per 512-sample window (see speechProbabilities). */
  readonly probabilities: Float32Array;
  /** The first window of each piece the probabilities were computed in (see speechProbabilities). */
  readonly pieceStartWindows: readonly number[];
}

/**
 * Finds the speech in `audio` (16 kHz samples, or an AudioBuffer at any rate, resampled to 16 kHz first).
 * @throws InvalidArgumentError for bad audio or options; as SileroModel.load and SileroModel.run otherwise.
 */
export async function speechTimestamps(
  audio: VadAudioInput,
  options: SpeechTimestampOptions & SpeechProbabilityOptions = {},
): Promise<SpeechTimestampsResult> {
  const resolved = resolveSpeechTimestampOptions(options);
  const { model, pieceS, maxParallelPieces, threads, onProgress, intraOpThreads } = options;
  const computed = await speechProbabilities(audio, {
    ...(model !== undefined && { model }),
    ...(pieceS !== undefined && { pieceS }),
    ...(maxParallelPieces !== undefined && { maxParallelPieces }),
    ...(threads !== undefined && { threads }),
    ...(onProgress !== undefined && { onProgress }),
    ...(intraOpThreads !== undefined && { intraOpThreads }),
  });
  return {
    spans: speechSpansFromProbabilities(computed.probabilities, computed.durationSamples, resolved),
    durationSamples: computed.durationSamples,
    sampleRateHz: VAD_SAMPLE_RATE_HZ,
    options: resolved,
    probabilities: computed.probabilities,
    pieceStartWindows: computed.pieceStartWindows,
  };
}

/** A silence inside speech that may become a split point: where it starts and how long it lasted, in samples. */
interface InnerSilence {
  readonly startSample: number;
  readonly lengthSamples: number;
}

/**
 * The spans that per-window probabilities describe: probabilities[w] belongs to samples [512·w, 512·w + 512) of a
 * signal of `durationSamples` samples. Pure; speechTimestamps is this applied to the model's probabilities.
 * @throws InvalidArgumentError for bad options.
 */
export function speechSpansFromProbabilities(
  probabilities: ArrayLike<number>,
  durationSamples: number,
  options: SpeechTimestampOptions = {},
): SpeechSpan[] {
  const o = resolveSpeechTimestampOptions(options);
  const samplesPerMs = VAD_SAMPLE_RATE_HZ / 1000;
  const minSpeechSamples = o.minSpeechDurationMs * samplesPerMs;
  const minSilenceSamples = o.minSilenceDurationMs * samplesPerMs;
  const padSamples = o.speechPadMs * samplesPerMs;
  const minSplitSilenceSamples = o.minSilenceAtMaxSpeechMs * samplesPerMs;
  // Leaves room for one window and both pads, so a padded span stays within maxSpeechDurationS.
  const maxSpeechSamples = o.maxSpeechDurationS * VAD_SAMPLE_RATE_HZ - WINDOW_SAMPLES - 2 * padSamples;

  const spans: { startSample: number; endSample: number }[] = [];
  /** Start of the speech in progress; undefined outside speech. */
  let speechStart: number | undefined;
  /** Start of the silence in progress inside speech; 0 when there is none (a silence never starts at sample 0). */
  let silenceStart = 0;
  let splitCandidates: InnerSilence[] = [];

  for (let window = 0; window < probabilities.length; window++) {
    const probability = probabilities[window]!;
    const position = window * WINDOW_SAMPLES;
    const isSpeech = probability >= o.threshold;

    if (isSpeech && silenceStart !== 0) {
      const lengthSamples = position - silenceStart;
      if (lengthSamples > minSplitSilenceSamples)
        splitCandidates.push({ startSample: silenceStart, lengthSamples });
      silenceStart = 0;
    }
    if (isSpeech && speechStart === undefined) {
      speechStart = position;
      continue;
    }
    if (speechStart !== undefined && position - speechStart > maxSpeechSamples) {
      const split = chooseSplit(splitCandidates, o.useMaxPossibleSilenceAtMaxSpeech);
      if (split === undefined) {
        // No usable silence: cut right here and wait for speech to start again.
        spans.push({ startSample: speechStart, endSample: position });
        speechStart = undefined;
        silenceStart = 0;
        splitCandidates = [];
        continue;
      }
      spans.push({ startSample: speechStart, endSample: split.startSample });
      const resumedAt = split.startSample + split.lengthSamples;
      speechStart = resumedAt;
      splitCandidates = splitCandidates.filter((silence) => silence.startSample > resumedAt);
      silenceStart = 0;
    }
    if (probability < o.negThreshold && speechStart !== undefined) {
      if (silenceStart === 0) silenceStart = position;
      if (position - silenceStart < minSilenceSamples) continue;
      if (silenceStart - speechStart > minSpeechSamples) {
        spans.push({ startSample: speechStart, endSample: silenceStart });
      }
      speechStart = undefined;
      silenceStart = 0;
      splitCandidates = [];
    }
  }
  if (speechStart !== undefined && durationSamples - speechStart > minSpeechSamples) {
    spans.push({ startSample: speechStart, endSample: durationSamples });
  }
  padSpans(spans, padSamples, durationSamples);
  return spans;
}

function chooseSplit(candidates: readonly InnerSilence[], longest: boolean): InnerSilence | undefined {
  if (!longest) return candidates.at(-1);
  let best: InnerSilence | undefined;
  for (const candidate of candidates) {
    if (best === undefined || candidate.lengthSamples > best.lengthSamples) best = candidate;
  }
  return best;
}

/**
 * Widens each span by `padSamples` on both sides, clipped to the signal; where two spans are closer than two pads,
 * each takes half of the gap between them (the earlier the smaller half). Whole samples, rounded down.
 */
function padSpans(
  spans: { startSample: number; endSample: number }[],
  padSamples: number,
  durationSamples: number,
) {
  spans.forEach((span, i) => {
    if (i === 0) span.startSample = Math.trunc(Math.max(0, span.startSample - padSamples));
    const next = spans[i + 1];
    if (next === undefined) {
      span.endSample = Math.trunc(Math.min(durationSamples, span.endSample + padSamples));
      return;
    }
    const gap = next.startSample - span.endSample;
    if (gap < 2 * padSamples) {
      const half = Math.floor(gap / 2);
      span.endSample += half;
      next.startSample = Math.max(0, next.startSample - half);
    } else {
      span.endSample = Math.trunc(Math.min(durationSamples, span.endSample + padSamples));
      next.startSample = Math.trunc(Math.max(0, next.startSample - padSamples));
    }
  });
}
