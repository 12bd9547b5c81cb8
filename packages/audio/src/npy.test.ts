import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileError, InvalidArgumentError } from '@verbatim/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, writeNpy } from './npy.js';

const scratch = mkdtempSync(join(tmpdir(), 'verbatim-npy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs python3 with numpy on `script` (argv[1] = path); returns its stdout. */
function python(script: string, path: string): string {
  const result = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.error ?? result.stderr}`);
  return result.stdout.trim();
}

describe('writeNpy', () => {
  it.each([
    [[2, 3], Float32Array.of(1, -2.5, 3.25, 1e-10, -0, 65504)],
    [[5], Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5)],
    [[80, 0], new Float32Array(0)],
    [[], Float32Array.of(42)],
    [[2, 1, 3], Float32Array.from({ length: 6 }, (_, i) => i / 7)],
  ])('writes shape %j that numpy reads back exactly', async (shape, data) => {
    const path = join(scratch, `a${shape.join('x')}.npy`);
    await writeNpy(path, data, shape);
    const read = JSON.parse(
      python(
        'import json, sys, numpy as np; a = np.load(sys.argv[1]); ' +
          'print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "c": a.flags.c_contiguous, ' +
          '"values": [float(v) for v in a.ravel()]}))',
        path,
      ),
    ) as { dtype: string; shape: number[]; c: boolean; values: number[] };
    expect(read).toEqual({ dtype: '<f4', shape, c: true, values: Array.from(data) });
  });

  it('rejects with FileError when the file cannot be written', async () => {
    await expect(writeNpy(join(scratch, 'missing', 'x.npy'), new Float32Array(1), [1])).rejects.toThrow(
      FileError,
    );
  });
});

describe('encodeNpy / decodeNpy', () => {
  it('round-trips and aligns the data to 64 bytes', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => Math.sqrt(i));
    const bytes = encodeNpy(data, [3, 4]);
    expect((bytes.length - data.length * 4) % 64).toBe(0);
    expect(decodeNpy(bytes)).toEqual({ shape: [3, 4], data });
  });

  it('reads what numpy writes', () => {
    const path = join(scratch, 'from-numpy.npy');
    python(
      'import sys, numpy as np; np.save(sys.argv[1], np.arange(6, dtype="<f4").reshape(2, 3) / 4)',
      path,
    );
    expect(decodeNpy(readFileSync(path))).toEqual({
      shape: [2, 3],
      data: Float32Array.of(0, 0.25, 0.5, 0.75, 1, 1.25),
    });
  });

  it('rejects a shape that does not match the data, naming the length', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(InvalidArgumentError);
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/data.length: 5$/);
    expect(() => encodeNpy(new Float32Array(0), [-1])).toThrow(InvalidArgumentError);
  });

  it('rejects files that are not little-endian float32 in C order', () => {
    expect(() => decodeNpy(new Uint8Array(20))).toThrow(/bad magic/);
    const float64 = encodeNpy(new Float32Array(2), [2]);
    const header = new TextDecoder('latin1').decode(float64).replace("'<f4'", "'<f8'");
    expect(() => decodeNpy(Uint8Array.from(header, (char) => char.charCodeAt(0)))).toThrow(/: <f8$/);
  });
});
