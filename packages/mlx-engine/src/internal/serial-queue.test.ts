import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

describe('SerialQueue', () => {
  it('starts each job after the previous one settles, failures included', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const job =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) => {
          events.push(`start ${name}`);
          setTimeout(() => {
            events.push(`end ${name}`);
            if (fail) reject(new Error(name));
            else resolve(name);
          }, ms);
        });
    const a = queue.run(job('a', 20));
    const b = queue.run(job('b', 1, true));
    const c = queue.run(job('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('drained() waits for everything queued so far', async () => {
    const queue = new SerialQueue();
    let done = false;
    void queue
      .run(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
      .then(() => {
        done = true;
      });
    await queue.drained();
    expect(done).toBe(true);
  });
});
