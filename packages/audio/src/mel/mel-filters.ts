/**
 * Whisper's mel filter banks, read from the bundled assets/mel_filters.npz (openai/whisper's own file) on first use
 * and cached for the life of the process. Synchronous: the file is 4 KB.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileError, InvalidArgumentError, MEL_BIN_COUNTS, type MelBinCount, N_FFT } from '@verbatim/core';
import { decodeNpy } from '../npy.js';
import { readNpzMembers } from './npz.js';

/** 201 frequency bins in a one-sided 400-point spectrum. */
export const N_FREQUENCY_BINS = N_FFT / 2 + 1;

/**
 * The asset, resolved from this module's own location: src/mel/ in the repository and dist/mel/ once built both sit
 * two levels below the package root, where assets/ is.
 */
const MEL_FILTERS_PATH = fileURLToPath(new URL('../../assets/mel_filters.npz', import.meta.url));

/** A mel filter bank: weights[m * N_FREQUENCY_BINS + f] weighs power bin f in mel bin m. */
export interface MelFilterBank {
  readonly nMels: MelBinCount;
  /** As stored: float32, [nMels][N_FREQUENCY_BINS] row-major. */
  readonly weights: Float32Array;
  /** Filter m is zero outside bins firstBin[m] … endBin[m] - 1 (a triangle spans a few bins: skip the zeros). */
  readonly firstBin: Int32Array;
  readonly endBin: Int32Array;
}

const cache = new Map<MelBinCount, MelFilterBank>();

/** Throws InvalidArgumentError naming the value when `nMels` is not a bin count Whisper uses (80 or 128). */
export function assertMelBinCount(nMels: number, operation: string): asserts nMels is MelBinCount {
  if (!(MEL_BIN_COUNTS as readonly number[]).includes(nMels)) {
    throw new InvalidArgumentError(
      `[${operation}] nMels must be one of ${MEL_BIN_COUNTS.join(', ')}: ${nMels}`,
    );
  }
}

/**
 * The filter bank for `nMels` bins. Throws InvalidArgumentError for another bin count, FileError (E_FILE_NOT_FOUND or
 * E_FILE_READ) when the asset is missing or unreadable, InvalidArgumentError when it is malformed.
 */
export function loadMelFilters(nMels: number): MelFilterBank {
  assertMelBinCount(nMels, 'loadMelFilters');
  const cached = cache.get(nMels);
  if (cached !== undefined) return cached;
  const bank = parseMelFilters(readAsset(), nMels);
  cache.set(nMels, bank);
  return bank;
}

function readAsset(): Uint8Array {
  try {
    return readFileSync(MEL_FILTERS_PATH);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FileError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_FILE_READ',
      `[loadMelFilters] cannot read the bundled mel filters: ${MEL_FILTERS_PATH}`,
      { path: MEL_FILTERS_PATH, cause },
    );
  }
}

function parseMelFilters(archive: Uint8Array, nMels: MelBinCount): MelFilterBank {
  const member = readNpzMembers(archive).get(`mel_${nMels}.npy`);
  if (member === undefined) {
    throw new InvalidArgumentError(`[loadMelFilters] mel_filters.npz has no member: mel_${nMels}.npy`);
  }
  const { shape, data } = decodeNpy(member);
  if (shape.length !== 2 || shape[0] !== nMels || shape[1] !== N_FREQUENCY_BINS) {
    throw new InvalidArgumentError(
      `[loadMelFilters] mel_${nMels} must be ${nMels} x ${N_FREQUENCY_BINS}: [${shape.join(', ')}]`,
    );
  }
  const firstBin = new Int32Array(nMels);
  const endBin = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const row = data.subarray(m * N_FREQUENCY_BINS, (m + 1) * N_FREQUENCY_BINS);
    let first = row.findIndex((weight) => weight !== 0);
    if (first === -1) first = 0;
    let end = N_FREQUENCY_BINS;
    while (end > first && row[end - 1] === 0) end--;
    firstBin[m] = first;
    endBin[m] = end;
  }
  return { nMels, weights: data, firstBin, endBin };
}
