#!/usr/bin/env node
// @ts-check
/**
 * The engine against transformers on real recordings, for any architecture, device and precision (the CUDA
 * backend's parity check; tools/cuda/parity_run.sh runs it on the GPU machine). For each architecture: its seeded
 * weights (tools/reference, the fixture's seed), the fixture's ten short clips (shared/speech, checked by sha256), and
 *  - greedy tokens through transformers' seek loop (generateLikeTransformers), timestamps on and off, language given
 *    and detected: f32 weights against the fixture's f32 `generate`, f16 weights against its f16 `generate` (both ran
 *    on an H100) → clips whose whole token sequence is identical;
 *  - teacher-forced logits of every clip's prompt at the fixture's top-k ids → relative L2 error against the
 *    fixture's f32 logits (and, for f16 weights, against its f16 logits).
 *
 *   node src/engine-parity.mjs [--archs tiny,large-v3-turbo,large-v3] [--devices cuda] [--precisions f32,f16]
 *       [--weights-dir DIR] [--keep-weights] [--out parity.json]
 *
 * Needs the engine built (pnpm build) and shared/ (VERBATIM_SHARED or ../shared). Prints a table last.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logMelSpectrogram } from '@verbatim/audio';
import { loadModel } from '@verbatim/mlx-engine';
import {
  firstTokenMismatch,
  GENERATE_MODES,
  generateFixtureMode,
  loadReferenceClip,
  loadReferenceFixture,
  relativeL2Error,
  writeLayout,
} from '@verbatim/reference';

/** @typedef {import('@verbatim/mlx-engine').WhisperModel} WhisperModel */
/** @typedef {import('@verbatim/reference').ReferenceFixture} ReferenceFixture */
/** @typedef {import('@verbatim/reference').ReferenceArchitecture} ReferenceArchitecture */
/** @typedef {'f32' | 'f16'} Precision */
/**
 * @typedef {object} Args
 * @property {ReferenceArchitecture[]} archs
 * @property {('cpu' | 'cuda')[]} devices
 * @property {Precision[]} precisions
 * @property {string} weightsDir
 * @property {boolean} keepWeights
 * @property {string | undefined} out
 */
/** @typedef {{ clip: string, firstMismatch: number, length: number }} Difference */
/** @typedef {{ identical: number, clips: number, differing: Difference[] }} ModeResult */

/** @param {string[]} argv @returns {Args} */
function parseArgs(argv) {
  /** @type {Args} */
  const args = {
    archs: ['tiny', 'large-v3-turbo', 'large-v3'],
    devices: ['cuda'],
    precisions: ['f32', 'f16'],
    weightsDir: join(tmpdir(), 'verbatim-parity-weights'),
    keepWeights: false,
    out: undefined,
  };
  /** @param {string} value */
  const list = (value) => value.split(',').filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--keep-weights') {
      args.keepWeights = true;
      continue;
    }
    if (value === undefined) throw new Error(`engine-parity: ${flag} needs a value`);
    if (flag === '--archs') args.archs = /** @type {ReferenceArchitecture[]} */ (list(value));
    else if (flag === '--devices') args.devices = /** @type {('cpu' | 'cuda')[]} */ (list(value));
    else if (flag === '--precisions') args.precisions = /** @type {Precision[]} */ (list(value));
    else if (flag === '--weights-dir') args.weightsDir = value;
    else if (flag === '--out') args.out = value;
    else throw new Error(`engine-parity: unknown argument ${flag}`);
    i++;
  }
  for (const precision of args.precisions) {
    if (precision !== 'f32' && precision !== 'f16') {
      throw new Error(`engine-parity: --precisions takes f32 and f16, got ${JSON.stringify(precision)}`);
    }
  }
  return args;
}

/**
 * The seeded weights in the Hugging Face layout, written once per architecture and precision.
 * @param {string} dir @param {string} arch @param {number} seed @param {Precision} dtype
 */
function seededWeights(dir, arch, seed, dtype) {
  const path = join(dir, `${arch}-hf-${dtype}-seed${seed}`);
  if (!existsSync(join(path, 'config.json'))) {
    mkdirSync(path, { recursive: true });
    writeLayout(path, { layout: 'hf', architecture: arch, seed, dtype });
  }
  return path;
}

/**
 * The logits at the reference's top-k ids: rows × k values, in the order of `ids`.
 * @param {Float32Array} logits @param {number} nVocab @param {Int32Array} ids @param {number} k
 */
function gatherTopK(logits, nVocab, ids, k) {
  return Float32Array.from(ids, (id, i) => logits[Math.floor(i / k) * nVocab + id] ?? Number.NaN);
}

/**
 * The largest relative L2 error over the clips, against the fixture's f32 logits (and its f16 ones for f16).
 * @param {WhisperModel} model @param {Float32Array[]} mels @param {ReferenceFixture} fixture
 * @param {Precision} precision @returns {Promise<{ f32: number, f16?: number }>}
 */
async function teacherForcedErrors(model, mels, fixture, precision) {
  const { nVocab } = model.info.dims;
  /** @type {Precision[]} */
  const against = precision === 'f16' ? ['f32', 'f16'] : ['f32'];
  /** @type {{ f32: number, f16?: number }} */
  const worst = { f32: 0, ...(precision === 'f16' && { f16: 0 }) };
  for (const [clip, mel] of mels.entries()) {
    const audio = await model.encode(mel, 1);
    const session = model.newDecoderSession(audio);
    try {
      const prompt = /** @type {import('@verbatim/reference').TopKLogits} */ (fixture.teacherForced.f32[clip])
        .prompt;
      const logits = await session.append(Int32Array.from(prompt), prompt.length, { all: true });
      for (const reference of against) {
        const { topkIds, topkValues } = /** @type {import('@verbatim/reference').TopKLogits} */ (
          fixture.teacherForced[reference][clip]
        );
        const k = topkIds.length / prompt.length;
        const error = relativeL2Error(gatherTopK(logits, nVocab, topkIds, k), topkValues);
        worst[reference] = Math.max(worst[reference] ?? 0, error);
      }
    } finally {
      await session[Symbol.asyncDispose]();
      await audio[Symbol.asyncDispose]();
    }
  }
  return worst;
}

/**
 * @param {WhisperModel} model @param {Float32Array[]} mels @param {ReferenceFixture} fixture
 * @param {Precision} precision @returns {Promise<Record<string, ModeResult>>}
 */
async function generateParity(model, mels, fixture, precision) {
  /** @type {Record<string, ModeResult>} */
  const modes = {};
  for (const mode of GENERATE_MODES) {
    const { actual, expected } = await generateFixtureMode(model, mels, fixture, precision, mode);
    /** @type {Difference[]} */
    const differing = [];
    for (const [clip, tokens] of expected.entries()) {
      const first = firstTokenMismatch(actual[clip] ?? [], tokens);
      if (first >= 0) {
        differing.push({
          clip: fixture.clips[clip]?.name ?? `#${clip}`,
          firstMismatch: first,
          length: tokens.length,
        });
      }
    }
    modes[mode.join('/')] = {
      identical: expected.length - differing.length,
      clips: expected.length,
      differing,
    };
  }
  return modes;
}

/**
 * @param {Args} args @param {ReferenceArchitecture} arch @param {'cpu' | 'cuda'} device @param {Precision} precision
 */
async function checkOne(args, arch, device, precision) {
  const fixture = loadReferenceFixture(arch);
  const weights = seededWeights(args.weightsDir, arch, fixture.seed, precision);
  const loadStart = performance.now();
  const model = await loadModel(weights, { device });
  const loadS = (performance.now() - loadStart) / 1000;
  try {
    const start = performance.now();
    const nMels = model.info.dims.nMels;
    const shortClips = fixture.clips.filter((clip) => !clip.name.startsWith('long:'));
    const mels = shortClips.map((clip) => logMelSpectrogram(loadReferenceClip(clip), nMels));
    const generate = await generateParity(model, mels, fixture, precision);
    // teacher forcing over every clip of the fixture (the long clip's first window too)
    const allMels = fixture.clips.map((clip) => logMelSpectrogram(loadReferenceClip(clip), nMels));
    const logits = await teacherForcedErrors(model, allMels, fixture, precision);
    const identical = Object.values(generate).reduce((sum, mode) => sum + mode.identical, 0);
    const total = Object.values(generate).reduce((sum, mode) => sum + mode.clips, 0);
    return {
      arch,
      device,
      backend: model.info.backend,
      deviceName: model.info.deviceName,
      precision,
      sequencesIdentical: identical,
      sequences: total,
      share: identical / total,
      logitsRelL2VsF32: logits.f32,
      logitsRelL2VsF16: logits.f16 ?? null,
      generate,
      loadS: Number(loadS.toFixed(2)),
      runS: Number(((performance.now() - start) / 1000).toFixed(2)),
    };
  } finally {
    await model.dispose();
    if (!args.keepWeights) rmSync(weights, { recursive: true, force: true });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const rows = [];
  for (const arch of args.archs) {
    for (const device of args.devices) {
      for (const precision of args.precisions) {
        const row = await checkOne(args, arch, device, precision);
        rows.push(row);
        console.log(JSON.stringify({ ...row, generate: undefined }));
        for (const [mode, result] of Object.entries(row.generate)) {
          for (const d of result.differing) {
            console.log(
              `  ${arch} ${device} ${precision} ${mode}: ${d.clip} differs at token ${d.firstMismatch} of ${d.length}`,
            );
          }
        }
      }
    }
  }
  if (args.out !== undefined) {
    writeFileSync(args.out, `${JSON.stringify({ fixtureDevice: 'see each fixture', rows }, null, 2)}\n`);
  }
  console.log(
    `${'arch'.padEnd(16)} ${'device'.padEnd(6)} ${'prec'.padEnd(4)} ${'sequences identical'.padStart(20)} ` +
      `${'logits rel L2 vs f32'.padStart(21)} ${'vs f16'.padStart(9)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.arch.padEnd(16)} ${row.device.padEnd(6)} ${row.precision.padEnd(4)} ` +
        `${`${row.sequencesIdentical}/${row.sequences} (${(100 * row.share).toFixed(1)}%)`.padStart(20)} ` +
        `${row.logitsRelL2VsF32.toExponential(2).padStart(21)} ` +
        `${row.logitsRelL2VsF16 === null ? '—'.padStart(9) : row.logitsRelL2VsF16.toExponential(2).padStart(9)}`,
    );
  }
}

await main();
