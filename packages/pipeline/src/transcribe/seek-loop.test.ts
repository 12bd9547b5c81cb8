import type { Segment } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { buildSegment } from './build-segment.js';
import { type SeekDecode, type SeekLoopOptions, type SeekWindow, seekLoop } from './seek-loop.js';
import { decoded, text, tokenizer, ts } from './test-support/hand-decoded.js';

/** Runs the loop with the windows' results given in order; returns the segments and the windows it asked for. */
async function run(results: SeekDecode[], options: Partial<SeekLoopOptions> & { contentFrames: number }) {
  const windows: SeekWindow[] = [];
  const advances: number[] = [];
  const segments: Segment[] = [];
  const loop = seekLoop({
    timestampBegin: tokenizer.special.timestampBegin,
    initialPromptTokens: [],
    conditionOnPreviousText: true,
    buildSegment: (id, startS, endS, tokens, scores) =>
      buildSegment(id, startS, endS, tokens, scores, tokenizer),
    decodeWindow: async (window) => {
      windows.push(window);
      const result = results[window.index];
      if (result === undefined) throw new Error(`unexpected window ${window.index} at ${window.seekFrames}`);
      return result;
    },
    onAdvance: (frames) => advances.push(frames),
    ...options,
  });
  for await (const segment of loop) segments.push(segment);
  return { windows, advances, segments };
}

const brief = (segment: Segment) => [segment.id, segment.startS, segment.endS, segment.text];

describe('seekLoop', () => {
  it('cuts segments at timestamps, seeks to the last one, skips silence, and prompts with the previous text', async () => {
    const initialPrompt = text(' Glossary: Verbatim.');
    const first = [ts(0), ...text(' Hello there.'), ts(1.5), ts(1.5), ...text(' The world.'), ts(4), ts(4)];
    const second = [ts(0), ...text(' Again.'), ts(2), ts(3), ...text(' And again.'), ts(5)];
    const results = [
      decoded([...first, ...text(' cut off')]),
      decoded(second, { temperature: 0.8, avgLogprob: -0.9 }),
      decoded(text(' never seen'), { silent: true }),
      decoded([ts(0), ...text(' The end.'), ts(10)]),
    ];
    // 70 s of audio: 7000 frames.
    const { windows, advances, segments } = await run(results, {
      contentFrames: 7000,
      initialPromptTokens: initialPrompt,
    });

    expect(segments.map(brief)).toEqual([
      [0, 0, 1.5, ' Hello there.'],
      [1, 1.5, 4, ' The world.'],
      [2, 4, 6, ' Again.'],
      [3, 7, 9, ' And again.'],
      // The last window holds 6 s: its <|10.00|> is clamped to the end of the audio.
      [4, 64, 70, ' The end.'],
    ]);
    expect(segments[0]!.tokens).toEqual([ts(0), ...text(' Hello there.'), ts(1.5)]);
    expect(segments[2]).toMatchObject({
      temperature: 0.8,
      avgLogprob: -0.9,
      compressionRatio: 1.5,
      noSpeechProb: 0.01,
    });
    expect(windows).toEqual([
      { index: 0, seekFrames: 0, segmentFrames: 3000, previousTokens: initialPrompt },
      // Seek moved to <|4.00|>, the last timestamp; the text after it (" cut off") is decoded again.
      {
        index: 1,
        seekFrames: 400,
        segmentFrames: 3000,
        previousTokens: [...initialPrompt, ...first.slice(0, -1)],
      },
      // The window ended on a single timestamp: the whole of it is done. Decoded at 0.8 > 0.5: the prompt resets.
      { index: 2, seekFrames: 3400, segmentFrames: 3000, previousTokens: [] },
      // Silent: skipped whole, nothing added to the prompt.
      { index: 3, seekFrames: 6400, segmentFrames: 600, previousTokens: [] },
    ]);
    expect(advances).toEqual([400, 3400, 6400, 7000]);
  });

  it('gives later windows no prompt without conditionOnPreviousText', async () => {
    const results = [decoded([ts(0), ...text(' One.'), ts(30)]), decoded([ts(0), ...text(' Two.'), ts(1)])];
    const { windows, segments } = await run(results, {
      contentFrames: 3100,
      initialPromptTokens: text(' prompt'),
      conditionOnPreviousText: false,
    });
    expect(windows.map((w) => w.previousTokens)).toEqual([text(' prompt'), []]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 30, ' One.'],
      [1, 30, 31, ' Two.'],
    ]);
  });

  it('drops segments without length or text, and keeps them out of the prompt', async () => {
    const tokens = [ts(0), ...text(' Kept.'), ts(1), ts(2), ts(2), ts(2), ...text('   '), ts(3), ts(3)];
    const results = [decoded(tokens), decoded([ts(0), ts(0)]), decoded([ts(0), ...text(' Last.')])];
    const { windows, segments } = await run(results, { contentFrames: 3300 + 250 });
    expect(segments.map(brief)).toEqual([
      [0, 0, 1, ' Kept.'],
      [1, 33, 35.5, ' Last.'],
    ]);
    expect(windows.map((w) => [w.seekFrames, w.segmentFrames])).toEqual([
      [0, 3000],
      // <|0.00|><|0.00|> alone would never move on: the whole window is taken.
      [300, 3000],
      [3300, 250],
    ]);
    expect(windows[2]!.previousTokens).toEqual([ts(0), ...text(' Kept.'), ts(1)]);
  });

  it('applies the silence guard to segments with word timings', async () => {
    const results = [
      decoded([ts(0), ...text(' Hello there.'), ts(2.5), ts(12), ...text(' Thanks'), ts(12.1)]),
      decoded([ts(0), ...text(' Goodbye.'), ts(1)]),
    ];
    // Words spread evenly over each segment; "Thanks" improbable, as hallucinated thanks are.
    const withWords: SeekLoopOptions['buildSegment'] = (id, startS, endS, tokens, scores) => {
      const segment = buildSegment(id, startS, endS, tokens, scores, tokenizer)!;
      const words = segment.text.split(/(?= )/);
      const step = (endS - startS) / words.length;
      return {
        ...segment,
        words: words.map((word, i) => ({
          word,
          startS: startS + i * step,
          endS: startS + (i + 1) * step,
          probability: word.includes('Thanks') ? 0.05 : 0.9,
        })),
      };
    };
    const guarded = await run(results, {
      contentFrames: 3000,
      buildSegment: withWords,
      hallucinationSilenceThresholdS: 2,
    });
    // " Thanks" at 12 s sits between 9.5 s of silence and the window's end: dropped, and seek restarts at 12 s.
    expect(guarded.segments.map(brief)).toEqual([
      [0, 0, 2.5, ' Hello there.'],
      [1, 12, 13, ' Goodbye.'],
    ]);
    expect(guarded.windows.map((w) => [w.seekFrames, w.previousTokens])).toEqual([
      [0, []],
      [1200, [ts(0), ...text(' Hello there.'), ts(2.5)]],
    ]);
    // Without the threshold the window is kept whole, as whisper does.
    const unguarded = await run(results, { contentFrames: 3000, buildSegment: withWords });
    expect(unguarded.segments.map(brief)).toEqual([
      [0, 0, 2.5, ' Hello there.'],
      [1, 12, 12.1, ' Thanks'],
    ]);
  });

  it('decodes nothing for audio shorter than one frame', async () => {
    const { windows, segments } = await run([], { contentFrames: 0 });
    expect(windows).toEqual([]);
    expect(segments).toEqual([]);
  });
});
