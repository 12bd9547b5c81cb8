#!/usr/bin/env node
/**
 * Writes seeded random Whisper weights in a real model layout:
 *   node tools/reference/dist/cli.js --arch tiny --seed 1234 --layout hf [--dtype f16] [--max-shard-mb 50] --out DIR
 * Prints the files written, one per line. Exit code 2 for bad arguments, 1 for any other failure.
 */
import { parseArgs } from 'node:util';
import { isVerbatimError } from '@verbatim/core';
import { isDtype } from './weights/float-encoding.js';
import { isLayout, LAYOUTS, writeLayout } from './weights/layouts/write-layout.js';

const USAGE = `usage: cli.js --arch NAME --seed N --layout ${LAYOUTS.join('|')} [--dtype f32|f16|bf16]
              [--max-shard-mb MB] [--assets SHARED_ASSETS_DIR] --out DIR`;
const BYTES_PER_MB = 1_000_000;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        arch: { type: 'string' },
        seed: { type: 'string' },
        layout: { type: 'string' },
        dtype: { type: 'string', default: 'f32' },
        'max-shard-mb': { type: 'string' },
        assets: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function main(): void {
  const values = parseOptions();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const { arch, seed, layout, dtype, out } = values;
  if (arch === undefined || seed === undefined || layout === undefined || out === undefined) {
    fail('--arch, --seed, --layout and --out are required');
  }
  if (!isLayout(layout)) fail(`unknown layout "${layout}"`);
  if (!isDtype(dtype)) fail(`unknown dtype "${dtype}"`);
  const maxShardMb = values['max-shard-mb'] === undefined ? undefined : Number(values['max-shard-mb']);
  if (maxShardMb !== undefined && !(maxShardMb > 0)) fail('--max-shard-mb must be a positive number');
  const written = writeLayout(out, {
    layout,
    architecture: arch,
    seed: Number(seed),
    dtype,
    ...(maxShardMb === undefined ? {} : { maxShardBytes: Math.floor(maxShardMb * BYTES_PER_MB) }),
    ...(values.assets === undefined ? {} : { assetsDir: values.assets }),
  });
  for (const path of written) console.log(path);
}

try {
  main();
} catch (error) {
  if (isVerbatimError(error) && error.code === 'E_INVALID_ARG') fail(error.message);
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
