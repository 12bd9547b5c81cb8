/** Reads the hand-checked expected outputs in ../golden/. */

import { readFileSync } from 'node:fs';

/** The text of `../golden/<name>`, exactly as stored (no newline added or removed). */
export function readGolden(name: string): string {
  return readFileSync(new URL(`../golden/${name}`, import.meta.url), 'utf8');
}
