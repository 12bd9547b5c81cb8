/** speechTimestamps on real recordings: behaviour checked against properties of the audio itself. */

import { resample, resampledLength } from '@verbatim/audio';
import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { speechTimestamps } from './speech-timestamps.js';
import { useSileroModels } from './test-support/models.js';
import { readSpeech, speechWavs } from './test-support/speech.js';

const jfk = readSpeech('jfk/jfk.wav').samples;
const FRAME = 1600; // 100 ms

function frameDb(samples: Float32Array, frame: number): number {
  let sum = 0;
  for (let i = frame * FRAME; i < (frame + 1) * FRAME; i++) sum += samples[i]! ** 2;
  return 10 * Math.log10(sum / FRAME + 1e-12);
}

/** Runs of at least `minFrames` consecutive 100 ms frames below `db`, as [first, last] frame. */
function quietRuns(samples: Float32Array, db: number, minFrames: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  const frames = Math.floor(samples.length / FRAME);
  for (let f = 0; f <= frames; f++) {
    const quiet = f < frames && frameDb(samples, f) < db;
    if (quiet && start < 0) start = f;
    if (!quiet && start >= 0) {
      if (f - start >= minFrames) runs.push([start, f - 1]);
      start = -1;
    }
  }
  return runs;
}

describe('speechTimestamps on speech', () => {
  const models = useSileroModels();

  it('finds jfk’s four phrases: loud frames inside spans, the long pauses outside (both versions)', async () => {
    // From the audio alone: 100 ms frames at −20 dBFS or louder are speech; runs of ≥ 5 frames under −35 dBFS are
    // pauses (jfk: 2.2–3.1 s, 4.3–5.3 s, 7.6–8.0 s). A pause may lose 200 ms at its start to a word's quiet tail
    // (v6 hears the end of "not" until 4.42 s) and 100 ms at its end to padding.
    const pauses = quietRuns(jfk, -35, 5);
    expect(pauses).toEqual([
      [22, 31],
      [43, 53],
      [76, 80],
    ]);
    for (const model of [models.v5, models.v6]) {
      const { spans } = await speechTimestamps(jfk, { model });
      for (let f = 0; f < jfk.length / FRAME - 1; f++) {
        if (frameDb(jfk, f) < -20) continue;
        const mid = f * FRAME + FRAME / 2;
        expect(
          spans.some((s) => s.startSample <= mid && mid < s.endSample),
          `frame ${f}`,
        ).toBe(true);
      }
      for (const [first, last] of pauses) {
        const from = (first + 2) * FRAME;
        const to = last * FRAME;
        expect(
          spans.every((s) => s.endSample <= from || s.startSample >= to),
          `pause ${first}–${last}`,
        ).toBe(true);
      }
    }
  });

  it('gives jfk’s spans sample-accurately (pinned), v5’s matching whisper.cpp’s count of 344 windows and 5 spans', async () => {
    // whisper.cpp tests/test-vad.cpp asserts 344 probabilities and 5 segments for jfk with Silero v5.1.2 and these
    // defaults: an independent implementation of the same algorithm. The exact samples were recorded from this
    // package: window starts (multiples of 512) moved by the 480-sample pad.
    const fromV5 = await speechTimestamps(jfk, { model: models.v5 });
    expect(fromV5.probabilities.length).toBe(344);
    expect(fromV5.spans.map((s) => [s.startSample, s.endSample])).toEqual([
      [4640, 35808],
      [53280, 60384],
      [64032, 69600],
      [86048, 122336],
      [130592, 169952],
    ]);
    const fromV6 = await speechTimestamps(jfk, { model: models.v6 });
    expect(fromV6.spans.map((s) => [s.startSample, s.endSample])).toEqual([
      [5152, 36320],
      [52256, 71136],
      [86048, 122848],
      [130592, 169952],
    ]);
    expect(fromV6.options.threshold).toBe(0.5);
    expect(fromV6.sampleRateHz).toBe(16000);
    expect(fromV6.durationSamples).toBe(176000);
  });

  it('finds no speech in silence, and none in a single sample', async () => {
    const silence = await speechTimestamps(new Float32Array(5 * 16000), { model: models.v6 });
    expect(silence.spans).toEqual([]);
    expect(Math.max(...silence.probabilities)).toBeLessThan(0.1);
    const one = await speechTimestamps(Float32Array.of(0.5), { model: models.v6 });
    expect(one.probabilities.length).toBe(1);
    expect(one.spans).toEqual([]);
    const none = await speechTimestamps(new Float32Array(0), { model: models.v6 });
    expect(none.probabilities.length).toBe(0);
    expect(none.spans).toEqual([]);
  });

  it('resamples 8 kHz input through @verbatim/audio and finds its speech', async () => {
    const [prompt] = speechWavs(8000).filter((row) => row.path.endsWith('/agent-alreadyon.wav'));
    const audio = readSpeech(prompt!.path);
    expect(audio.sampleRateHz).toBe(8000);
    const result = await speechTimestamps(audio, { model: models.v6 });
    expect(result.durationSamples).toBe(resampledLength(audio.samples.length, 8000, 16000));
    const manual = await speechTimestamps(resample(audio.samples, 8000, 16000), { model: models.v6 });
    expect(result.spans).toEqual(manual.spans);
    // "That agent is already logged on. Please enter your agent number followed by the pound key." fills most of
    // the 5.5 s prompt.
    const speechS = result.spans.reduce((sum, s) => sum + (s.endSample - s.startSample), 0) / 16000;
    expect(speechS).toBeGreaterThan(3);
    expect(speechS).toBeLessThanOrEqual(result.durationSamples / 16000);
  });

  it('handles clipped and out-of-range samples, and rejects non-finite ones naming the sample', async () => {
    // Eight times louder, hard-clipped at ±1: the speech is still found where it was.
    const clipped = jfk.map((x) => Math.max(-1, Math.min(1, 8 * x)));
    const unclipped = jfk.map((x) => 8 * x);
    const reference = (await speechTimestamps(jfk, { model: models.v6 })).spans;
    for (const loud of [clipped, unclipped]) {
      const { spans, probabilities } = await speechTimestamps(loud, { model: models.v6 });
      expect(probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
      for (const s of reference) {
        const mid = (s.startSample + s.endSample) / 2;
        expect(spans.some((t) => t.startSample <= mid && mid < t.endSample)).toBe(true);
      }
    }
    const broken = jfk.slice();
    broken[1234] = Number.NaN;
    await expect(speechTimestamps(broken, { model: models.v6 })).rejects.toThrow(
      /sample 1234 is not finite: NaN/,
    );
    await expect(speechTimestamps('jfk.wav' as unknown as Float32Array)).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(speechTimestamps({ samples: jfk, sampleRateHz: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});
