import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegReferenceSamples, makeTempDir } from '../ffmpeg/test-support/media-tools.js';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from './g711.js';

describe('G.711 expansion tables', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    temp = await makeTempDir();
  });
  afterAll(() => temp.remove());

  it('match the standard end points', () => {
    // µ-law: 0x00 and 0x80 are the extremes, 0xFF and 0x7F both zero.
    expect([
      MULAW_TO_LINEAR[0x00],
      MULAW_TO_LINEAR[0x80],
      MULAW_TO_LINEAR[0xff],
      MULAW_TO_LINEAR[0x7f],
    ]).toEqual([-32124, 32124, 0, 0]);
    // A-law: 0xD5/0x55 are the smallest steps (±8), 0xAA/0x2A the extremes (±32256).
    expect([ALAW_TO_LINEAR[0xd5], ALAW_TO_LINEAR[0x55], ALAW_TO_LINEAR[0xaa], ALAW_TO_LINEAR[0x2a]]).toEqual([
      8, -8, 32256, -32256,
    ]);
  });

  it.each([
    ['mulaw', MULAW_TO_LINEAR],
    ['alaw', ALAW_TO_LINEAR],
  ] as const)('%s agrees with ffmpeg on all 256 codes', async (format, table) => {
    const codesPath = join(temp.dir, `codes.${format}`);
    await writeFile(
      codesPath,
      Uint8Array.from({ length: 256 }, (_, code) => code),
    );
    const reference = await ffmpegReferenceSamples([
      '-f',
      format,
      '-ar',
      '8000',
      '-ac',
      '1',
      '-i',
      codesPath,
    ]);
    expect(Array.from(table, (value) => value / 32768)).toEqual(Array.from(reference));
  });
});
