// @ts-check
/**
 * Word error rates of a synthesized split broken down the ways the training runs are read (tools/train/RUNS.md):
 * by recording condition (engine / hardest augmentation, as tools/train/train.py's `condition`), by text kind
 * (fortune, template, words, …) and by kind × condition class. A group's WER is over its words, not a mean of
 * its clips' rates.
 */
import { wordErrorRate } from '@verbatim/core';

/**
 * @typedef {{ voice?: { engine?: string }, augment?: { op: string, snr_db?: number }[], text_kind?: string }}
 *   ManifestEntry
 * @typedef {{ ref: string, hyp: string, condition: string, kind: string }} ScoredRow
 */

/**
 * One utterance's recording condition: its engine and its hardest augmentation.
 * @param {ManifestEntry} entry
 */
export function conditionOf(entry) {
  const ops = new Map((entry.augment ?? []).map((a) => [a.op, a]));
  const noise = ops.get('noise');
  let kind = 'clean';
  if (noise) kind = (noise.snr_db ?? 0) < 10 ? 'noise<10dB' : 'noise>=10dB';
  else if (ops.has('reverb')) kind = 'reverb';
  else if (ops.has('telephone')) kind = 'telephone';
  else if (ops.has('clip')) kind = 'clip';
  return `${entry.voice?.engine ?? '?'}/${kind}`;
}

/**
 * An utterance's text kind without its template's name: "template:money" → "template".
 * @param {ManifestEntry} entry
 */
export function textKindOf(entry) {
  return (entry.text_kind ?? '?').split(':')[0] ?? '?';
}

/**
 * WER and clip count per group; a row belongs to every group `keysOf` names for it. Keys sorted.
 * @param {ScoredRow[]} rows @param {(row: ScoredRow) => string[]} keysOf
 * @returns {Record<string, { n: number, words: number, wer: number | null }>}
 */
export function werByGroup(rows, keysOf) {
  /** @type {Map<string, ScoredRow[]>} */
  const groups = new Map();
  for (const row of rows) {
    for (const key of keysOf(row)) groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return Object.fromEntries(
    [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, group]) => {
        const words = group.reduce((sum, r) => sum + r.ref.split(/\s+/).filter(Boolean).length, 0);
        // a group of clips without reference words (no-speech clips) has no word error rate
        const wer =
          words === 0
            ? null
            : wordErrorRate(
                group.map((r) => r.ref),
                group.map((r) => r.hyp),
              ).wer;
        return [key, { n: group.length, words, wer }];
      }),
  );
}

/**
 * The breakdowns of one split: `byCondition` (engine/condition, and "*" + "/condition" for all engines), `byKind`,
 * and `byKindCondition` (kind/condition class, engines together, and kind/engine).
 * @param {ScoredRow[]} rows
 */
export function werBreakdowns(rows) {
  const conditionClass = (/** @type {ScoredRow} */ row) => row.condition.split('/')[1] ?? '?';
  const engine = (/** @type {ScoredRow} */ row) => row.condition.split('/')[0] ?? '?';
  return {
    byCondition: werByGroup(rows, (row) => [row.condition, `*/${conditionClass(row)}`]),
    byKind: werByGroup(rows, (row) => [row.kind]),
    byKindCondition: werByGroup(rows, (row) => [
      `${row.kind}/${conditionClass(row)}`,
      `${row.kind}/${engine(row)}`,
    ]),
  };
}
