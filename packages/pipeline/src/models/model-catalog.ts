/**
 * The models verbatim knows by name: every released Whisper checkpoint (OpenAI's and distil-whisper's) on the
 * Hugging Face Hub, plus `demo`, the project's own model shipped in the repository.
 */

import type { ArchitectureName } from '@verbatim/core';

/** The model used when none is named. */
export const DEFAULT_MODEL = 'demo';

/** The alias of the project's own model, resolved to a folder of the repository rather than the Hub. */
export const DEMO_MODEL_ALIAS = 'demo';

/** A Hub model verbatim knows by name. */
export interface HubModelEntry {
  /** The name users type: `tiny`, `large-v3-turbo`, … */
  readonly alias: string;
  /** The Hugging Face repository: `openai/whisper-tiny`. */
  readonly repo: string;
  /** The architecture, for its dimensions (`WHISPER_ARCHITECTURES[architecture]`). */
  readonly architecture: ArchitectureName;
}

function openai(architecture: ArchitectureName): readonly [string, string, ArchitectureName] {
  return [architecture, `openai/whisper-${architecture}`, architecture];
}

function distil(architecture: ArchitectureName): readonly [string, string, ArchitectureName] {
  return [architecture, `distil-whisper/${architecture}`, architecture];
}

/** alias → [alias, repo, architecture]; the two shorthands point at the newest large and turbo checkpoints. */
const HUB_MODEL_ROWS: readonly (readonly [string, string, ArchitectureName])[] = [
  openai('tiny'),
  openai('tiny.en'),
  openai('base'),
  openai('base.en'),
  openai('small'),
  openai('small.en'),
  openai('medium'),
  openai('medium.en'),
  openai('large-v1'),
  openai('large-v2'),
  openai('large-v3'),
  ['large', 'openai/whisper-large-v3', 'large-v3'],
  openai('large-v3-turbo'),
  ['turbo', 'openai/whisper-large-v3-turbo', 'large-v3-turbo'],
  distil('distil-large-v2'),
  distil('distil-large-v3'),
  distil('distil-medium.en'),
  distil('distil-small.en'),
];

const HUB_MODELS: ReadonlyMap<string, HubModelEntry> = new Map(
  HUB_MODEL_ROWS.map(([alias, repo, architecture]) => [alias, Object.freeze({ alias, repo, architecture })]),
);

/** Every name `resolveModel` accepts besides a path, `demo` first. */
export const MODEL_ALIASES: readonly string[] = Object.freeze([DEMO_MODEL_ALIAS, ...HUB_MODELS.keys()]);

/** The Hub model an alias names, or undefined (also for `demo`, which is not on the Hub). */
export function hubModelEntry(alias: string): HubModelEntry | undefined {
  return HUB_MODELS.get(alias);
}

export function isModelAlias(name: string): boolean {
  return MODEL_ALIASES.includes(name);
}
