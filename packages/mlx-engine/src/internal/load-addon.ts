/** Finds and opens the native addon that `pnpm build` (cmake-js) writes to build/Release/verbatim.node. */
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EngineError } from '@verbatim/core';
import type { NativeAddon } from './addon-types.js';

/** build/Release/verbatim.node in this package: two folders above both src/internal/ and dist/internal/. */
export const ADDON_PATH = fileURLToPath(new URL('../../build/Release/verbatim.node', import.meta.url));

/**
 * Opens the addon at `path`. Every symbol is resolved now (RTLD_NOW), so an addon linked against an incomplete
 * engine fails here with the missing symbol's name instead of aborting the process at its first call.
 * @throws EngineError E_BACKEND when the file is missing or cannot be opened.
 */
export function openAddon(path: string): NativeAddon {
  if (!existsSync(path)) {
    throw new EngineError('E_BACKEND', `[loadModel] the native addon is missing (run pnpm build): ${path}`, {
      path,
    });
  }
  const module = { exports: {} as NativeAddon };
  try {
    process.dlopen(module, path, constants.dlopen.RTLD_NOW);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EngineError('E_BACKEND', `[loadModel] the native addon cannot be opened: ${reason}`, {
      path,
      cause: error,
    });
  }
  return module.exports;
}

let opened: NativeAddon | undefined;

/** The addon at ADDON_PATH, opened once per process (or worker thread). */
export function nativeAddon(): NativeAddon {
  opened ??= openAddon(ADDON_PATH);
  return opened;
}
