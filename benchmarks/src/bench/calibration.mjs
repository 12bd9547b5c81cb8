// @ts-check
/**
 * The calibration kernels: fixed workloads that no change to verbatim can speed up or slow down, timed beside every
 * stage so that the gate can divide the machine's speed (and its momentary load) out of each stage's time.
 *
 * Two kernels, because machines differ in two ways that move our stages apart (benchmarks/GATE.md, session 12):
 * - compute: a plain-JavaScript single-precision matrix product (96 × 96 by 96 × 96, four times: about 3.5 M
 *   multiply-adds, a few ms), the same arithmetic as the engine's hot loops without its SIMD or threads;
 * - memory: a copy of 32 MiB between two arrays (together twice the 32 MiB last-level cache of the CI hosts), which runs at the memory's
 *   bandwidth. A single-token decode step streams every decoder weight and the 80 MB vocabulary projection once per
 *   token, so it follows this kernel, not the arithmetic one.
 */

const N = 96;
const REPEATS = 4;
const a = new Float32Array(N * N).map((_, i) => ((i * 7919) % 101) / 101 - 0.5);
const b = new Float32Array(N * N).map((_, i) => ((i * 104_729) % 97) / 97 - 0.5);
const c = new Float32Array(N * N);

/** Runs the compute kernel once; returns a checksum so that the JIT cannot drop the work. */
export function computeKernel() {
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

const COPY_FLOATS = 8 * 1024 * 1024;
/** Allocated on first use. */
let copyBuffers = /** @type {{ from: Float32Array, to: Float32Array } | undefined} */ (undefined);

/** Runs the memory kernel once; returns a checksum so that the copy cannot be dropped. */
export function memoryKernel() {
  if (copyBuffers === undefined) {
    const from = new Float32Array(COPY_FLOATS);
    for (let i = 0; i < COPY_FLOATS; i += 1024) from[i] = i;
    copyBuffers = { from, to: new Float32Array(COPY_FLOATS) };
  }
  copyBuffers.to.set(copyBuffers.from);
  return copyBuffers.to[COPY_FLOATS - 1024] ?? 0;
}

/** @typedef {'compute' | 'memory'} CalibrationKind */

/**
 * Each kernel's workload; `host`: the figure of it recorded as the host's speed (the least run for compute, the median
 * for memory, whose least is set by rare quiet moments); `identifiesHost`: whether the gate compares that figure with
 * the baseline's to tell the kind of host. Only compute does: its floor held within 0.04 % across every run on CI's
 * host, while the memory copy's median moved 2.54–4.20 ms on that same host as its neighbours' traffic came and went.
 * @type {Record<CalibrationKind, { run: () => number, what: string, host: 'least' | 'median', identifiesHost: boolean }>}
 */
export const CALIBRATIONS = {
  compute: {
    run: computeKernel,
    what: `plain-JavaScript f32 matrix product ${N}×${N}·${N}×${N}, ${REPEATS} times (single thread)`,
    host: 'least',
    identifiesHost: true,
  },
  memory: {
    run: memoryKernel,
    what: `copy of ${(COPY_FLOATS * 4) / 2 ** 20} MiB between two Float32Arrays (TypedArray.set, single thread)`,
    host: 'median',
    identifiesHost: false,
  },
};

/**
 * @typedef {{ kernel: CalibrationKind, divide: 'around each call' | 'floor' }} CalibrationRule
 *   what a stage's time is divided by: the least of its kernel's runs around a call in each round, or the kernel's
 *   floor (the least CPU time of any one run of it in the process)
 */

/**
 * How each kind of stage is divided, as measured on CI's host (GATE.md, session 12): a stage follows the kernel that
 * shares its ups and downs.
 * - JavaScript and onnxruntime stages (the default): the compute kernel around each call. Its CPU time moved up to
 *   1.9× between rounds, and theirs with it: divided by the floor instead, they spread 36–38 % between runs.
 * - Native SIMD stages (our log-mel, encoder, end to end): the compute kernel's floor. They did not share the scalar
 *   kernel's ups and downs: divided call by call, the encoder spread 24.6 % between runs; by the floor, 4.6–6.2 %.
 * - The decode step, which streams every weight once per token: the memory kernel around each call. Bandwidth taken
 *   by neighbours slows the copy and the step alike (9 % between runs; by the copy's floor, 38.6 %).
 * @type {Record<'scalar' | 'simd' | 'bandwidth', CalibrationRule>}
 */
export const CALIBRATION_RULES = {
  scalar: { kernel: 'compute', divide: 'around each call' },
  simd: { kernel: 'compute', divide: 'floor' },
  bandwidth: { kernel: 'memory', divide: 'around each call' },
};

/**
 * Of a host's speed figures (baseline or run), those that tell hosts apart (`identifiesHost`); undefined stays
 * undefined (a baseline made before session 12 records none).
 * @param {Record<string, number> | undefined} speed @returns {Record<string, number> | undefined}
 */
export function hostIdentifyingFigures(speed) {
  if (speed === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(speed).filter(
      ([kind]) => CALIBRATIONS[/** @type {CalibrationKind} */ (kind)]?.identifiesHost,
    ),
  );
}

export const CALIBRATION_WHAT = `calibration kernels: compute = ${CALIBRATIONS.compute.what}; memory = ${CALIBRATIONS.memory.what}`;

/**
 * Runs each kernel `runs` times (after one unmeasured run) and returns each run's process CPU time in ms.
 * @param {() => number} cpuMs process CPU time in ms @param {number} [runs]
 * @returns {Record<CalibrationKind, number[]>}
 */
export function kernelRuns(cpuMs, runs = 15) {
  /** @param {() => number} kernel */
  const times = (kernel) => {
    kernel();
    return Array.from({ length: runs }, () => {
      const start = cpuMs();
      kernel();
      return cpuMs() - start;
    });
  };
  return { compute: times(computeKernel), memory: times(memoryKernel) };
}
