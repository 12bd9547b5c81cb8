import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { resolveSpeechTimestampOptions } from './speech-timestamp-options.js';
import { speechSpansFromProbabilities } from './speech-timestamps.js';

/**
 * Probabilities from a pattern: 'S' a speech window (0.9), '.' a silent one (0.1), 'm' a middling one (0.4: under
 * the 0.5 threshold, over the 0.35 negative threshold). Window w starts at sample 512·w.
 */
function probs(pattern: string): number[] {
  return [...pattern].map((c) => ({ S: 0.9, '.': 0.1, m: 0.4 })[c]!);
}

function spans(pattern: string, options = {}, durationSamples = pattern.length * 512): number[][] {
  return speechSpansFromProbabilities(probs(pattern), durationSamples, options).map((s) => [
    s.startSample,
    s.endSample,
  ]);
}

describe('speechSpansFromProbabilities (Silero get_speech_timestamps semantics, hand-computed spans)', () => {
  it('finds one span and pads it by 480 samples (30 ms) on each side', () => {
    // Speech windows 2..9: starts at 1024, the silence starting at window 10 (5120) lasts ≥ 1600 samples by
    // window 14 (7168 − 5120 = 2048; window 13 gives 1536 < 1600) and ends it. 5120 − 1024 = 4096 > 4000.
    expect(spans('..SSSSSSSS......')).toEqual([[1024 - 480, 5120 + 480]]);
  });

  it('drops speech of minSpeechDurationMs or less (strictly longer is kept)', () => {
    // 8 windows = 4096 samples = 256 ms exactly: not longer than 256 ms, dropped; 9 windows are kept.
    expect(spans('..SSSSSSSS......', { minSpeechDurationMs: 256 })).toEqual([]);
    expect(spans('..SSSSSSSSS......', { minSpeechDurationMs: 256, speechPadMs: 0 })).toEqual([[1024, 5632]]);
    // The default 250 ms (4000 samples): 7 windows (3584) are dropped.
    expect(spans('..SSSSSSS.......')).toEqual([]);
  });

  it('applies hysteresis: a middling window neither starts speech nor ends it', () => {
    expect(spans('mmmmmmmmmm')).toEqual([]);
    // 'm' inside speech keeps it going: one span from window 1 to the silence at window 13.
    expect(spans('.SSSSmmmmSSSS.....', { speechPadMs: 0 })).toEqual([[512, 13 * 512]]);
  });

  it('bridges silences shorter than minSilenceDurationMs', () => {
    // 3 silent windows (1536 < 1600) inside speech do not end it.
    expect(spans('SSSSSS...SSSSSS.....', { speechPadMs: 0 })).toEqual([[0, 15 * 512]]);
    // 5 silent windows (6..10): at window 10, 5120 − 3072 = 2048 ≥ 1600, so the span ends where the silence began.
    expect(spans('SSSSSS.....SSSSSSSS.....', { speechPadMs: 0, minSpeechDurationMs: 0 })).toEqual([
      [0, 3072],
      [11 * 512, 19 * 512],
    ]);
  });

  it('splits the gap halfway when two spans are closer than two pads', () => {
    // Raw spans [0, 4096) and [6656, 10752): gap 2560 < 2 × 1600 (100 ms pads) → each side takes 1280.
    expect(spans('SSSSSSSS.....SSSSSSSS.....', { speechPadMs: 100 })).toEqual([
      [0, 4096 + 1280],
      [6656 - 1280, 10752 + 1600],
    ]);
    // 30 ms pads (2 × 480 < 2560): both padded by 480.
    expect(spans('SSSSSSSS.....SSSSSSSS.....')).toEqual([
      [0, 4096 + 480],
      [6656 - 480, 10752 + 480],
    ]);
  });

  it('ends speech that lasts to the end at the signal length, padding clipped to it', () => {
    // 10 windows of speech, but the signal is 5000 samples long: the span ends at 5000, not 5120 + 480.
    expect(spans('SSSSSSSSSS', {}, 5000)).toEqual([[0, 5000]]);
  });

  describe('maxSpeechDurationS', () => {
    // maxSpeechDurationS 1 with no pad: the limit is 16000 − 512 = 15488 samples, first passed at window 31.
    const options = {
      maxSpeechDurationS: 1,
      speechPadMs: 0,
      minSilenceDurationMs: 1000,
      minSpeechDurationMs: 0,
    };
    // Silence A: windows 4..9 (starts 2048, 3072 long); silence B: windows 14..17 (starts 7168, 2048 long).
    const pattern = `SSSS......SSSS....${'S'.repeat(23)}`;

    it('splits at the longest inner silence by default', () => {
      // Split at A: [0, 2048), speech resumes at 2048 + 3072 = 5120 and runs to the end (41 × 512 = 20992).
      expect(spans(pattern, options)).toEqual([
        [0, 2048],
        [5120, 20992],
      ]);
    });

    it('splits at the last inner silence when useMaxPossibleSilenceAtMaxSpeech is false', () => {
      expect(spans(pattern, { ...options, useMaxPossibleSilenceAtMaxSpeech: false })).toEqual([
        [0, 7168],
        [9216, 20992],
      ]);
    });

    it('ignores silences of minSilenceAtMaxSpeechMs or less as split points', () => {
      // 98 ms = 1568 samples: B (2048) qualifies; with 150 ms (2400) only A does, so the last is A as well.
      expect(
        spans(pattern, { ...options, useMaxPossibleSilenceAtMaxSpeech: false, minSilenceAtMaxSpeechMs: 150 }),
      ).toEqual([
        [0, 2048],
        [5120, 20992],
      ]);
    });

    it('cuts hard at the limit when there is no inner silence, and restarts on the next speech window', () => {
      expect(spans('S'.repeat(41), options)).toEqual([
        [0, 31 * 512],
        [32 * 512, 20992],
      ]);
    });
  });

  it('returns no spans for no windows or all silence', () => {
    expect(speechSpansFromProbabilities([], 0)).toEqual([]);
    expect(spans('.'.repeat(100))).toEqual([]);
  });

  it('compares probabilities exactly as Silero does: ≥ threshold is speech, < negThreshold is silence', () => {
    const at = (p: number) =>
      speechSpansFromProbabilities([p, p, p, p, p, p, p, p, p], 9 * 512, { speechPadMs: 0 });
    expect(at(0.5)).toEqual([{ startSample: 0, endSample: 9 * 512 }]);
    expect(at(Math.fround(0.4999999))).toEqual([]);
    expect(resolveSpeechTimestampOptions().negThreshold).toBe(0.5 - 0.15);
    expect(resolveSpeechTimestampOptions({ threshold: 0.1 }).negThreshold).toBe(0.01);
  });
});

describe('resolveSpeechTimestampOptions', () => {
  it('fills in get_speech_timestamps defaults', () => {
    expect(resolveSpeechTimestampOptions()).toEqual({
      threshold: 0.5,
      negThreshold: 0.5 - 0.15,
      minSpeechDurationMs: 250,
      minSilenceDurationMs: 100,
      speechPadMs: 30,
      maxSpeechDurationS: Number.POSITIVE_INFINITY,
      minSilenceAtMaxSpeechMs: 98,
      useMaxPossibleSilenceAtMaxSpeech: true,
    });
  });

  it('rejects out-of-range values, naming the option and value', () => {
    expect(() => resolveSpeechTimestampOptions({ threshold: 1.5 })).toThrow(/threshold must be .*: 1\.5/);
    expect(() => resolveSpeechTimestampOptions({ minSpeechDurationMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => resolveSpeechTimestampOptions({ maxSpeechDurationS: 0 })).toThrow(/maxSpeechDurationS/);
    expect(() => resolveSpeechTimestampOptions({ speechPadMs: Number.NaN })).toThrow(/speechPadMs/);
  });
});
