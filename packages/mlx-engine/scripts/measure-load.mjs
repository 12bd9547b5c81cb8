#!/usr/bin/env node
// Start-up and memory of the engine on seeded tiny weights (the targets: resident memory after loading
// tiny <= 1.2 x its weight bytes; loading tiny from a warm page cache < 100 ms). Each measurement runs in a fresh
// child process, so the baseline holds nothing but Node, the package and the opened addon.
//   node packages/mlx-engine/scripts/measure-load.mjs [--arch tiny] [--runs 5] [--threads N]
// Needs `pnpm build` (this package's dist/ and addon, tools/reference's dist/). Prints one JSON object.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    arch: { type: 'string', default: 'tiny' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string' },
    child: { type: 'string' },
  },
});

/** Seed of the reference fixtures (any seed gives the same sizes and timings). */
const SEED = 1234;
const MIB = 1024 * 1024;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** In the child: load the model once and report resident memory before, after loading, and after a first use. */
async function measureChild(path) {
  const { loadModel } = await import('@verbatim/mlx-engine');
  const threads = options.threads === undefined ? {} : { threads: Number(options.threads) };
  // Open the addon (and the libraries it links) without a model, so that the deltas below are the model's.
  await loadModel(join(path, 'no-such-model')).catch(() => undefined);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const model = await loadModel(path, threads);
  const loadMs = performance.now() - started;
  const rssAfterLoad = process.memoryUsage().rss;
  // A first use reads every weight: encoder for one window of silence, one decoder step.
  const output = await model.encode(new Float32Array(model.info.dims.nMels * 3000), 1);
  const session = model.newDecoderSession(output);
  await session.append(Int32Array.of(50258), 1);
  const rssAfterUse = process.memoryUsage().rss;
  await session.dispose();
  await output.dispose();
  const { weightBytes, weightCopyBytes, threads: resolvedThreads } = model.info;
  await model.dispose();
  const rssAfterDispose = process.memoryUsage().rss;
  return {
    loadMs,
    weightBytes,
    weightCopyBytes,
    threads: resolvedThreads,
    rssLoadDelta: rssAfterLoad - rssBefore,
    rssUseDelta: rssAfterUse - rssBefore,
    rssDisposeDelta: rssAfterDispose - rssBefore,
  };
}

async function main() {
  const { writeLayout } = await import('@verbatim/reference');
  const dir = mkdtempSync(join(tmpdir(), `verbatim-measure-${options.arch}-`));
  try {
    const files = writeLayout(dir, { layout: 'hf', architecture: options.arch, seed: SEED });
    for (const file of files) readFileSync(file); // warm the page cache
    const runs = [];
    for (let run = 0; run < Number(options.runs); run++) {
      const args = [
        process.argv[1],
        '--child',
        dir,
        ...(options.threads ? ['--threads', options.threads] : []),
      ];
      runs.push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })));
    }
    const { weightBytes, weightCopyBytes, threads } = runs[0];
    const loadMs = runs.map((run) => run.loadMs);
    const ratio = (key) => median(runs.map((run) => run[key])) / weightBytes;
    console.log(
      JSON.stringify(
        {
          arch: options.arch,
          runs: runs.length,
          threads,
          weightMiB: +(weightBytes / MIB).toFixed(1),
          weightCopyMiB: +(weightCopyBytes / MIB).toFixed(1),
          loadMsWarmCache: { min: +Math.min(...loadMs).toFixed(2), median: +median(loadMs).toFixed(2) },
          rssAfterLoadMiB: +(median(runs.map((run) => run.rssLoadDelta)) / MIB).toFixed(1),
          rssAfterLoadPerWeightByte: +ratio('rssLoadDelta').toFixed(3),
          rssAfterFirstUseMiB: +(median(runs.map((run) => run.rssUseDelta)) / MIB).toFixed(1),
          rssAfterFirstUsePerWeightByte: +ratio('rssUseDelta').toFixed(3),
          rssAfterDisposeMiB: +(median(runs.map((run) => run.rssDisposeDelta)) / MIB).toFixed(1),
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (options.child !== undefined) {
  process.stdout.write(JSON.stringify(await measureChild(options.child)));
} else {
  await main();
}
