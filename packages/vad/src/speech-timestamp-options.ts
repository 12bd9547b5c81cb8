/**
 * Options of speechTimestamps, with snakers4/silero-vad get_speech_timestamps' names (camel-cased) and defaults,
 * resolved once and echoed back in results.
 */

import { InvalidArgumentError } from '@verbatim/core';

export interface SpeechTimestampOptions {
  /** A window whose probability is at least this is speech (default 0.5). */
  threshold?: number;
  /** Inside speech, a window below this is silence (default max(threshold − 0.15, 0.01)). */
  negThreshold?: number;
  /** Spans of this much speech or less (before padding) are dropped (default 250 ms). */
  minSpeechDurationMs?: number;
  /** Silence must last this long to end a span (default 100 ms). */
  minSilenceDurationMs?: number;
  /** Each span is widened by this much on both sides, at most to halfway to its neighbour (default 30 ms). */
  speechPadMs?: number;
  /** Longer speech is split, at its longest inner silence when there is one (default Infinity). */
  maxSpeechDurationS?: number;
  /** Silences this long or shorter are not split points for maxSpeechDurationS (default 98 ms). */
  minSilenceAtMaxSpeechMs?: number;
  /** Split overlong speech at its longest inner silence (default true) instead of its last one. */
  useMaxPossibleSilenceAtMaxSpeech?: boolean;
}

export type ResolvedSpeechTimestampOptions = Required<SpeechTimestampOptions>;

export const DEFAULT_SPEECH_TIMESTAMP_OPTIONS: Readonly<
  Omit<ResolvedSpeechTimestampOptions, 'negThreshold'>
> = {
  threshold: 0.5,
  minSpeechDurationMs: 250,
  minSilenceDurationMs: 100,
  speechPadMs: 30,
  maxSpeechDurationS: Number.POSITIVE_INFINITY,
  minSilenceAtMaxSpeechMs: 98,
  useMaxPossibleSilenceAtMaxSpeech: true,
};

/** Fills in defaults and checks every value. Throws InvalidArgumentError naming the first bad option. */
export function resolveSpeechTimestampOptions(
  options: SpeechTimestampOptions = {},
): ResolvedSpeechTimestampOptions {
  const threshold = options.threshold ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.threshold;
  const resolved: ResolvedSpeechTimestampOptions = {
    threshold,
    negThreshold: options.negThreshold ?? Math.max(threshold - 0.15, 0.01),
    minSpeechDurationMs: options.minSpeechDurationMs ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.minSpeechDurationMs,
    minSilenceDurationMs:
      options.minSilenceDurationMs ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.minSilenceDurationMs,
    speechPadMs: options.speechPadMs ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.speechPadMs,
    maxSpeechDurationS: options.maxSpeechDurationS ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.maxSpeechDurationS,
    minSilenceAtMaxSpeechMs:
      options.minSilenceAtMaxSpeechMs ?? DEFAULT_SPEECH_TIMESTAMP_OPTIONS.minSilenceAtMaxSpeechMs,
    useMaxPossibleSilenceAtMaxSpeech:
      options.useMaxPossibleSilenceAtMaxSpeech ??
      DEFAULT_SPEECH_TIMESTAMP_OPTIONS.useMaxPossibleSilenceAtMaxSpeech,
  };
  for (const name of ['threshold', 'negThreshold'] as const) {
    const value = resolved[name];
    if (!(value >= 0 && value <= 1)) fail(name, value, 'a probability in [0, 1]');
  }
  for (const name of [
    'minSpeechDurationMs',
    'minSilenceDurationMs',
    'speechPadMs',
    'minSilenceAtMaxSpeechMs',
  ] as const) {
    const value = resolved[name];
    if (!(value >= 0 && Number.isFinite(value))) fail(name, value, 'a finite number ≥ 0');
  }
  if (!(resolved.maxSpeechDurationS > 0))
    fail('maxSpeechDurationS', resolved.maxSpeechDurationS, 'a number > 0');
  if (typeof resolved.useMaxPossibleSilenceAtMaxSpeech !== 'boolean') {
    fail('useMaxPossibleSilenceAtMaxSpeech', resolved.useMaxPossibleSilenceAtMaxSpeech, 'a boolean');
  }
  return resolved;
}

function fail(name: string, value: unknown, expected: string): never {
  throw new InvalidArgumentError(`[speechTimestamps] ${name} must be ${expected}: ${String(value)}`);
}
