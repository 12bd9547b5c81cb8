// @ts-check
/**
 * The calibration kernel: a fixed workload that no change to verbatim can speed up or slow down, timed beside every
 * stage so that the gate can divide the machine's speed (and its momentary load) out of each stage's time.
 * A plain-JavaScript single-precision matrix product (96 × 96 by 96 × 96, four times: about 3.5 M multiply-adds,
 * a few ms here), the same arithmetic as the engine's hot loops without its SIMD or threads.
 */
const N = 96;
const REPEATS = 4;
const a = new Float32Array(N * N).map((_, i) => ((i * 7919) % 101) / 101 - 0.5);
const b = new Float32Array(N * N).map((_, i) => ((i * 104_729) % 97) / 97 - 0.5);
const c = new Float32Array(N * N);

/** Runs the kernel once; returns a checksum so that the JIT cannot drop the work. */
export function calibrationKernel() {
  let checksum = 0;
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let k = 0; k < N; k++) sum += (a[i * N + k] ?? 0) * (b[k * N + j] ?? 0);
        c[i * N + j] = sum;
      }
    }
    checksum += c[repeat] ?? 0;
  }
  return checksum;
}

export const CALIBRATION_WHAT = `calibration kernel: plain-JavaScript f32 matrix product ${N}×${N}·${N}×${N}, ${REPEATS} times (single thread)`;
