// @ts-check
/**
 * Reading a tools/synth corpus from Node: manifest.jsonl (one JSON object per utterance: id, split, text, shard,
 * offset, num_samples, sha1) and shards/<name>.f16 (little-endian float16 PCM at 16 kHz, utterances back to back).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The float32 value of an IEEE 754 half-precision bit pattern.
 * @param {number} bits
 */
export function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * The utterances of one split, in manifest order, with their samples; each checked against the manifest's sha1 of
 * its float16 bytes (a corpus built elsewhere must hold exactly the same audio).
 * @param {string} corpusDir
 * @param {string} split
 * @param {number} [limit]
 * @returns {{ id: string, text: string, samples: Float32Array }[]}
 */
export function readSplit(corpusDir, split, limit = Number.POSITIVE_INFINITY) {
  const lines = readFileSync(join(corpusDir, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line)).filter((entry) => entry.split === split);
  /** @type {Map<string, Buffer>} */
  const shards = new Map();
  const out = [];
  for (const entry of entries.slice(0, limit)) {
    let shard = shards.get(entry.shard);
    if (shard === undefined) {
      shard = readFileSync(join(corpusDir, 'shards', `${entry.shard}.f16`));
      shards.set(entry.shard, shard);
    }
    const bytes = shard.subarray(entry.offset * 2, (entry.offset + entry.num_samples) * 2);
    if (bytes.length !== entry.num_samples * 2) {
      throw new Error(
        `[readSplit] ${entry.id}: shard ${entry.shard} ends before its ${entry.num_samples} samples`,
      );
    }
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    if (entry.sha1 !== undefined && sha1 !== entry.sha1) {
      throw new Error(
        `[readSplit] ${entry.id}: audio differs from the manifest (sha1 ${sha1}, expected ${entry.sha1})`,
      );
    }
    const samples = new Float32Array(entry.num_samples);
    for (let i = 0; i < samples.length; i++) samples[i] = halfToFloat(bytes.readUInt16LE(2 * i));
    out.push({ id: entry.id, text: String(entry.text).trim(), samples });
  }
  return out;
}
