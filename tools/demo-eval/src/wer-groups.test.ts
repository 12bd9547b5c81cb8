import { describe, expect, it } from 'vitest';
import { conditionOf, textKindOf, werBreakdowns, werByGroup } from './wer-groups.mjs';

describe('conditionOf and textKindOf', () => {
  it('names the engine and the hardest augmentation, noise before reverb before telephone before clipping', () => {
    expect(conditionOf({ voice: { engine: 'flite' }, augment: [{ op: 'gain' }] })).toBe('flite/clean');
    expect(
      conditionOf({ voice: { engine: 'espeak' }, augment: [{ op: 'noise', snr_db: 5 }, { op: 'reverb' }] }),
    ).toBe('espeak/noise<10dB');
    expect(conditionOf({ voice: { engine: 'espeak' }, augment: [{ op: 'noise', snr_db: 10 }] })).toBe(
      'espeak/noise>=10dB',
    );
    expect(
      conditionOf({ voice: { engine: 'festival' }, augment: [{ op: 'telephone' }, { op: 'reverb' }] }),
    ).toBe('festival/reverb');
    expect(conditionOf({ augment: [{ op: 'clip' }] })).toBe('?/clip');
    expect(textKindOf({ text_kind: 'template:money' })).toBe('template');
    expect(textKindOf({ text_kind: 'fortune' })).toBe('fortune');
    expect(textKindOf({})).toBe('?');
  });
});

describe('werByGroup and werBreakdowns', () => {
  const rows = [
    // 4 words, 1 substitution
    { ref: 'the cat sat down', hyp: 'the bat sat down', condition: 'espeak/clean', kind: 'fortune' },
    // 2 words, 2 errors (one deleted, one substituted)
    { ref: 'red tape', hyp: 'bed', condition: 'flite/noise<10dB', kind: 'words' },
    // 4 words, none wrong
    { ref: 'call me at nine', hyp: 'call me at nine', condition: 'flite/clean', kind: 'fortune' },
  ];

  it("counts a group's errors over its words (not a mean of its clips' rates)", () => {
    expect(werByGroup(rows, (row) => [row.kind])).toEqual({
      fortune: { n: 2, words: 8, wer: 1 / 8 },
      words: { n: 1, words: 2, wer: 1 },
    });
  });

  it('gives a group without reference words no rate, rather than failing', () => {
    expect(
      werByGroup([{ ref: '', hyp: 'noise', condition: 'espeak/clean', kind: 'nospeech' }], () => ['all']),
    ).toEqual({
      all: { n: 1, words: 0, wer: null },
    });
  });

  it('breaks a split down by condition, kind, and kind × condition class or engine', () => {
    const { byCondition, byKind, byKindCondition } = werBreakdowns(rows);
    expect(Object.keys(byCondition)).toEqual([
      '*/clean',
      '*/noise<10dB',
      'espeak/clean',
      'flite/clean',
      'flite/noise<10dB',
    ]);
    expect(byCondition['*/clean']).toEqual({ n: 2, words: 8, wer: 1 / 8 });
    expect(byKind.words).toEqual({ n: 1, words: 2, wer: 1 });
    expect(byKindCondition).toEqual({
      'fortune/clean': { n: 2, words: 8, wer: 1 / 8 },
      'fortune/espeak': { n: 1, words: 4, wer: 1 / 4 },
      'fortune/flite': { n: 1, words: 4, wer: 0 },
      'words/flite': { n: 1, words: 2, wer: 1 },
      'words/noise<10dB': { n: 1, words: 2, wer: 1 },
    });
  });
});
