import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorValues } from '../seeded-tensor.js';
import { tensorByHfName } from '../whisper-tensors.js';
import { withFileSink } from './byte-sink.js';
import { npyHeader, parseNpy, readNpz, writeNpz } from './npz.js';
import { seededStoredTensor } from './stored-tensor.js';

const workDir = mkdtempSync(join(tmpdir(), 'reference-npz-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('npyHeader', () => {
  it('writes the v1.0 dict literal, space-padded so the data starts at a multiple of 64 bytes', () => {
    const header = npyHeader([384], 'f32');
    expect(header.byteLength % 64).toBe(0);
    expect(header.subarray(0, 8)).toEqual(Buffer.from('\x93NUMPY\x01\x00', 'latin1'));
    expect(header.readUInt16LE(8)).toBe(header.byteLength - 10);
    expect(header.subarray(10).toString('latin1')).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(384,\), \} +\n$/,
    );
    expect(npyHeader([51865, 384], 'f16').toString('latin1')).toContain("'descr': '<f2'");
    expect(() => npyHeader([2], 'bf16')).toThrow(RangeError);
    expect(parseNpy(Buffer.concat([npyHeader([2, 3], 'f32'), Buffer.alloc(24)])).shape).toEqual([2, 3]);
  });
});

describe('writeNpz', () => {
  it('writes a zip that reads back member by member', () => {
    const path = join(workDir, 'small.npz');
    const bias = tensorByHfName('tiny', 'model.encoder.conv1.bias');
    const conv = tensorByHfName('tiny', 'model.encoder.conv1.weight');
    withFileSink(path, (sink) =>
      writeNpz(sink, [
        seededStoredTensor(1, bias, 'f32', { name: 'b' }),
        seededStoredTensor(1, conv, 'f16', { name: 'w', axes: [0, 2, 1] }),
      ]),
    );
    const arrays = readNpz(path);
    expect([...arrays.keys()]).toEqual(['b', 'w']);
    expect(arrays.get('b')?.data.equals(Buffer.from(tensorValues(1, bias).buffer))).toBe(true);
    expect(arrays.get('w')).toMatchObject({ descr: '<f2', shape: [384, 3, 80] });
  });
});
