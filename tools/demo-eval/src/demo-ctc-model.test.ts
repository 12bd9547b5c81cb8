import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The shipped CTC aligner (models/verbatim-demo-ctc): what the alignment package will load. Its accuracy is measured
// by aligner-log-probs.mjs + tools/aligner/score_log_probs.py (MODEL_CARD.md); here, the contract it ships with.
const dir = join(import.meta.dirname, '..', '..', '..', 'models', 'verbatim-demo-ctc');
const vocab: Record<string, number> = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8'));
const alignment = JSON.parse(readFileSync(join(dir, 'alignment.json'), 'utf8'));

describe('models/verbatim-demo-ctc', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.release();
  });

  it('has the documented vocabulary: blank 0, word delimiter 1, apostrophe, a-z', () => {
    const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));
    expect(
      Object.entries(vocab)
        .sort(([, a], [, b]) => a - b)
        .map(([c]) => c),
    ).toEqual(['<pad>', '|', "'", ...letters]);
    expect(alignment.blank).toBe('<pad>');
    expect(alignment.word_delimiter).toBe('|');
    expect(alignment.frame_samples).toBe(320);
  });

  it('gives one row of 29 log-probabilities (summing to 1) per 20 ms frame of any length', async () => {
    for (const samples of [400, 16_000, 16_321]) {
      const audio = new Float32Array(samples).map((_, i) => 0.1 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
      const { log_probs: out } = await session.run({ audio: new ort.Tensor('float32', audio, [1, samples]) });
      const frames = Math.floor((samples - 400) / 320) + 1; // the convolutions' valid frames (400-sample window)
      expect(out.dims).toEqual([1, frames, 29]);
      const data = out.data as Float32Array;
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let v = 0; v < 29; v++) sum += Math.exp(data[f * 29 + v]);
        expect(sum).toBeCloseTo(1, 4);
      }
    }
  });

  it('does not depend on the input level (the graph normalises each row)', async () => {
    const audio = new Float32Array(8000).map((_, i) => Math.sin(i / 7) * Math.sin(i / 900));
    const run = async (gain: number) => {
      const x = audio.map((v) => v * gain);
      const { log_probs: out } = await session.run({ audio: new ort.Tensor('float32', x, [1, x.length]) });
      return out.data as Float32Array;
    };
    const [a, b] = [await run(1), await run(0.05)];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-3);
  });
});
