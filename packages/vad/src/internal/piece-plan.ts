/**
 * Where long inputs are cut into pieces that run as separate streams (each from a fresh state, side by side as rows
 * of one model call). The rule depends on the audio alone, never on how many pieces run at once, so the
 * probabilities are the same whether the pieces run one after another or all together.
 *
 * Rule: the k-th cut (k = 1, 2, …) is the window with the least energy (sum of squared samples) among windows
 * k·P − S … k·P, the latest on ties, where P is the nominal piece length and S the search length, both in windows.
 * Cutting where the audio is quietest starts each fresh stream the way a file that begins with a pause starts.
 */

import { WINDOW_SAMPLES } from '../constants.js';

/** Returns the first window of each piece, 0 first, strictly increasing, each below `windows`. */
export function pieceStartWindows(
  samples: Float32Array,
  windows: number,
  pieceWindows: number,
  searchWindows: number,
): number[] {
  const starts = [0];
  for (let nominal = pieceWindows; nominal < windows; nominal += pieceWindows) {
    let best = nominal;
    let bestEnergy = windowEnergy(samples, nominal);
    for (let window = nominal - 1; window >= nominal - searchWindows; window--) {
      const energy = windowEnergy(samples, window);
      if (energy < bestEnergy) {
        best = window;
        bestEnergy = energy;
      }
    }
    starts.push(best);
  }
  return starts;
}

function windowEnergy(samples: Float32Array, window: number): number {
  const end = Math.min((window + 1) * WINDOW_SAMPLES, samples.length);
  let energy = 0;
  for (let i = window * WINDOW_SAMPLES; i < end; i++) energy += samples[i]! * samples[i]!;
  return energy;
}
