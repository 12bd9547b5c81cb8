import { describe, expect, it } from 'vitest';
import { formatStageTimes, newStageTimes, timed } from './stage-times.js';

describe('stage times', () => {
  it('adds each call to its stage, also when the call fails', async () => {
    const times = newStageTimes();
    await timed(times, 'encodeS', () => new Promise((resolve) => setTimeout(resolve, 30)));
    await expect(
      timed(times, 'decodeS', async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(times.encodeS).toBeGreaterThanOrEqual(0.025);
    expect(times.decodeS).toBeGreaterThanOrEqual(0.015);
    expect(times.vadS).toBe(0);
  });

  it('runs the work untimed without a record', async () => {
    await expect(timed(undefined, 'encodeS', async () => 7)).resolves.toBe(7);
  });

  it('formats the stages that took time, in pipeline order', () => {
    expect(formatStageTimes({ vadS: 1.234, languageS: 0, encodeS: 0.95, decodeS: 4 })).toBe(
      'vad 1.23 s, log-mel+encode 0.95 s, decode 4.00 s',
    );
    expect(formatStageTimes(newStageTimes())).toBe('none');
  });
});
