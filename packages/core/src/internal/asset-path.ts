import { fileURLToPath } from 'node:url';

/**
 * The path of a file in this package's `assets/` folder. Resolved against this module, so the same code works from
 * `src/` (tests) and `dist/` (the built package): both sit two folders below the package root here.
 */
export function assetPath(fileName: string): string {
  return fileURLToPath(new URL(`../../assets/${fileName}`, import.meta.url));
}
