import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transcriber } from '@verbatim/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalTranscriber } from './eval-transcriber.mjs';
import { readSplit } from './synth-corpus.mjs';

// The shipped demo model (models/verbatim-demo-tiny), the default of `verbatim transcribe`. Five clips of its held-out
// test split (tools/synth corpus seed 777001: sentences and voices training never saw; espeak, flite and festival,
// noise, reverberation, a telephone band) and what transformers' `generate` wrote for them on the GPU machine with the
// committed folder — two of them wrong ("beat" for "meet", "Spite" for "Spike"): verbatim must make the same errors,
// since parity with the reference is the contract, not the truth.
const repo = join(import.meta.dirname, '..', '..', '..');
const modelDir = join(repo, 'models', 'verbatim-demo-tiny');
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'demo-tiny-test-clips');
const reference: {
  model_safetensors_sha256: string;
  hypotheses: { id: string; hyp: string }[];
} = JSON.parse(readFileSync(join(fixtures, 'transformers.json'), 'utf8'));
const clips = readSplit(fixtures, 'test');

function clipById(id: string) {
  const clip = clips.find((c) => c.id === id);
  if (clip === undefined) throw new Error(`fixture clip ${id} is missing from the manifest`);
  return clip;
}

async function transcript(transcriber: Transcriber, samples: Float32Array) {
  const { segments } = await transcriber.transcribe(samples);
  const out = [];
  for await (const segment of segments) out.push(segment);
  return out;
}

describe('models/verbatim-demo-tiny', () => {
  it('holds the weights the reference transcripts were made with', () => {
    const sha256 = createHash('sha256')
      .update(readFileSync(join(modelDir, 'model.safetensors')))
      .digest('hex');
    expect(sha256).toBe(reference.model_safetensors_sha256);
  });

  it("is Whisper tiny's architecture with its measured alignment heads", () => {
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    expect([
      config.d_model,
      config.encoder_layers,
      config.decoder_layers,
      config.encoder_attention_heads,
    ]).toEqual([384, 4, 4, 6]);
    expect([config.num_mel_bins, config.vocab_size]).toEqual([80, 51865]);
    const generation = JSON.parse(readFileSync(join(modelDir, 'generation_config.json'), 'utf8'));
    expect(generation.alignment_heads).toEqual([
      [3, 0],
      [3, 4],
      [2, 1],
      [2, 3],
    ]);
  });

  describe('decoding held-out clips as transformers did (greedy, no timestamps)', () => {
    let transcriber: Transcriber;
    beforeAll(async () => {
      transcriber = await evalTranscriber('demo'); // the alias resolves to the shipped folder
    });
    afterAll(async () => {
      await transcriber?.dispose();
    });

    it.each(reference.hypotheses)("$id gives transformers' text: $hyp", async ({ id, hyp }) => {
      const segments = await transcript(transcriber, clipById(id).samples);
      expect(segments.map((s) => s.text).join('')).toBe(hyp);
    });
  });

  it("with the CLI's defaults (VAD, beam search, timestamps) places each clip's speech inside it", async () => {
    const transcriber = await Transcriber.create({ model: modelDir, language: 'en' });
    try {
      for (const id of ['u0001307', 'u0000999', 'u0004960']) {
        const clip = clipById(id);
        const segments = await transcript(transcriber, clip.samples);
        const durationS = clip.samples.length / 16_000;
        expect(
          segments
            .map((s) => s.text)
            .join('')
            .trim().length,
        ).toBeGreaterThan(0);
        for (const [i, segment] of segments.entries()) {
          expect(segment.startS).toBeGreaterThanOrEqual(0);
          expect(segment.endS).toBeGreaterThan(segment.startS);
          expect(segment.endS).toBeLessThanOrEqual(durationS + 0.02);
          if (i > 0) expect(segment.startS).toBeGreaterThanOrEqual(segments[i - 1].endS);
        }
      }
    } finally {
      await transcriber.dispose();
    }
  });

  // Silero v6 (the default) gives u0000053 — 1.6 s of espeak under reverberation and noise — a speech probability of
  // at most 0.34, so vad mode finds nothing to decode there; v5 hears it (0.84). Decoding follows the VAD's verdict.
  it('decodes only what the VAD calls speech: Silero v6 drops one reverberant clip that v5 keeps', async () => {
    const clip = clipById('u0000053');
    const textWith = async (vad: { model: 'v5' | 'v6' }) => {
      const transcriber = await Transcriber.create({ model: modelDir, language: 'en', vad });
      try {
        return (await transcript(transcriber, clip.samples)).map((s) => s.text).join('');
      } finally {
        await transcriber.dispose();
      }
    };
    expect(await textWith({ model: 'v6' })).toBe('');
    expect(await textWith({ model: 'v5' })).toMatch(/ my Maker\.$/); // beam search over the padded chunk
  });
});
