import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@verbatim/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../npy.js';
import { loadMelFilters, N_FREQUENCY_BINS } from './mel-filters.js';
import { readNpzMembers } from './npz.js';

const scratch = mkdtempSync(join(tmpdir(), 'verbatim-npz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadMelFilters', () => {
  it.each([80, 128] as const)('loads the %d-bin bank from the bundled asset', (nMels) => {
    const bank = loadMelFilters(nMels);
    expect(bank.nMels).toBe(nMels);
    expect(bank.weights).toHaveLength(nMels * N_FREQUENCY_BINS);
    expect(loadMelFilters(nMels)).toBe(bank); // cached
    for (let m = 0; m < nMels; m++) {
      const row = bank.weights.subarray(m * N_FREQUENCY_BINS, (m + 1) * N_FREQUENCY_BINS);
      expect(bank.endBin[m]).toBeGreaterThan(bank.firstBin[m]!);
      // Everything outside [firstBin, endBin) is zero, so the log-mel may skip it.
      row.forEach((weight, f) => {
        if (f < bank.firstBin[m]! || f >= bank.endBin[m]!) expect(weight === 0).toBe(true); // some are -0
      });
    }
  });

  it('rejects other bin counts, naming the value', () => {
    expect(() => loadMelFilters(64)).toThrow(InvalidArgumentError);
    expect(() => loadMelFilters(64)).toThrow(/: 64$/);
  });
});

describe('readNpzMembers', () => {
  it('reads deflated members (the bundled numpy.savez_compressed file)', () => {
    const archive = readFileSync(new URL('../../assets/mel_filters.npz', import.meta.url));
    const members = readNpzMembers(archive);
    expect([...members.keys()].sort()).toEqual(['mel_128.npy', 'mel_80.npy']);
    expect(decodeNpy(members.get('mel_80.npy')!).shape).toEqual([80, 201]);
  });

  it('reads stored members (numpy.savez)', () => {
    const path = join(scratch, 'stored.npz');
    const result = spawnSync('python3', [
      '-c',
      'import sys, numpy as np; np.savez(sys.argv[1], a=np.arange(3, dtype="<f4"), b=np.ones((2, 2), "<f4"))',
      path,
    ]);
    expect(result.status).toBe(0);
    const members = readNpzMembers(readFileSync(path));
    expect(decodeNpy(members.get('a.npy')!)).toEqual({ shape: [3], data: Float32Array.of(0, 1, 2) });
    expect(decodeNpy(members.get('b.npy')!)).toEqual({ shape: [2, 2], data: Float32Array.of(1, 1, 1, 1) });
  });

  it('rejects bytes that are not a zip archive', () => {
    expect(() => readNpzMembers(new Uint8Array(100))).toThrow(InvalidArgumentError);
  });
});
