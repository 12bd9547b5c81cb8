import { EngineError, InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { openAddon } from './internal/load-addon.js';
import { loadModel } from './load-model.js';

describe('loadModel argument validation (throws at once)', () => {
  it.each([
    ['', 'path must be a non-empty string: got ""'],
    [42, 'path must be a non-empty string: got 42'],
  ])('path %j', (path, message) => {
    expect(() => loadModel(path as never)).toThrow(InvalidArgumentError);
    expect(() => loadModel(path as never)).toThrow(`[loadModel] ${message}`);
  });

  it.each(['gpu', 'CUDA', 'cuda:', 'cuda:x', '', 3])('device %j', (device) => {
    expect(() => loadModel('/models/tiny', { device: device as never })).toThrow(
      /^\[loadModel\] options\.device must be "cpu", "cuda", "cuda:N" or "auto": got /,
    );
  });

  it.each(['Lean', 'low', '', 1, {}])('gpuMemory %j', (gpuMemory) => {
    expect(() => loadModel('/models/tiny', { gpuMemory: gpuMemory as never })).toThrow(
      /^\[loadModel\] options\.gpuMemory must be "fast" or "lean": got /,
    );
  });

  it.each([0, -1, 1.5, 5000, '2'])('threads %j', (threads) => {
    expect(() => loadModel('/models/tiny', { threads: threads as never })).toThrow(
      /^\[loadModel\] options\.threads must be an integer in \[1, 4096\]: got /,
    );
  });
});

describe('opening the native addon', () => {
  it('says to build it when it is missing', () => {
    const path = '/nonexistent/build/Release/verbatim.node';
    let thrown: unknown;
    try {
      openAddon(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect(thrown).toMatchObject({ code: 'E_BACKEND', path });
    expect((thrown as Error).message).toBe(
      `[loadModel] the native addon is missing (run pnpm build): ${path}`,
    );
  });

  it('reports a file that is not an addon', () => {
    expect(() => openAddon(new URL(import.meta.url).pathname)).toThrow(
      /^\[loadModel\] the native addon cannot be opened: /,
    );
  });
});
