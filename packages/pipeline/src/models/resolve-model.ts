/**
 * resolveModel(): from what a user typed (`--model base.en`, a folder, nothing) to a model on disk the engine can
 * load, downloading from the Hugging Face Hub when needed.
 */

import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { type ArchitectureName, InvalidArgumentError } from '@verbatim/core';
import { DEMO_MODEL_DIR } from './demo-model.js';
import { fetchHubSnapshot } from './internal/fetch-hub-snapshot.js';
import { DEFAULT_MODEL, DEMO_MODEL_ALIAS, hubModelEntry, MODEL_ALIASES } from './model-catalog.js';
import { ModelResolutionError } from './model-errors.js';
import { detectModelLayout, type ModelLayout } from './model-layout.js';
import {
  echoedOptions,
  type ResolvedModelOptions,
  type ResolveModelOptions,
  resolveHubSettings,
} from './model-options.js';

/** Where a model came from: the Hub (by alias), the repository's demo model, or a path the caller gave. */
export type ModelSource = 'hub' | 'demo' | 'path';

/** The Hub snapshot a model was resolved to. */
export interface HubModelRef {
  readonly repo: string;
  /** The revision asked for (`main`). */
  readonly revision: string;
  /** The commit it pointed at: the snapshot's name in the cache. */
  readonly commit: string;
  /** True when nothing had to be downloaded. */
  readonly fromCache: boolean;
}

export interface ResolvedModel {
  /** The model as named (the default, `demo`, when none was). */
  readonly name: string;
  readonly source: ModelSource;
  /** What to pass to the engine's loadModel(): the model folder, or a ggml file. */
  readonly path: string;
  readonly layout: ModelLayout;
  /** The files the engine opens, relative to the model folder. */
  readonly files: readonly string[];
  /** The architecture an alias names (its dimensions: WHISPER_ARCHITECTURES); undefined for paths and `demo`. */
  readonly architecture: ArchitectureName | undefined;
  /** Set for models from the Hub. */
  readonly hub: HubModelRef | undefined;
  /** The options as applied. */
  readonly options: ResolvedModelOptions;
}

/**
 * Resolves a model name to a model on disk: a known alias (`tiny` … `large-v3-turbo`, `distil-*`: see
 * MODEL_ALIASES) is fetched from the Hub into the cache or found there; `demo` (the default) is the repository's own
 * model; anything that looks like a path (or exists) is checked as a Hugging Face, MLX or whisper.cpp model.
 * @param model alias or path; default DEFAULT_MODEL (`demo`).
 * @throws InvalidArgumentError for an empty name or bad options; ModelResolutionError with `reason`
 *   E_UNKNOWN_MODEL (listing the aliases), E_MODEL_NOT_FOUND, E_MODEL_LAYOUT, E_MODEL_NOT_CACHED,
 *   E_HUB_UNAUTHORIZED, E_HUB_NOT_FOUND, E_DOWNLOAD or E_INTEGRITY; the abort reason when `options.signal` aborts.
 */
export function resolveModel(model?: string, options?: ResolveModelOptions): Promise<ResolvedModel> {
  return resolveModelFrom(DEMO_MODEL_DIR, model, options);
}

/** resolveModel with the demo model's folder given: for tests, which cannot depend on the checkout having it. */
export async function resolveModelFrom(
  demoModelDir: string,
  model: string = DEFAULT_MODEL,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  if (typeof model !== 'string' || model.trim() === '') {
    throw new InvalidArgumentError(
      `[resolveModel] the model must be an alias or a path: ${JSON.stringify(model)}`,
    );
  }
  const settings = resolveHubSettings(options);
  const applied = echoedOptions(settings);
  if (model === DEMO_MODEL_ALIAS) {
    const layout = await detectModelLayout(demoModelDir, model).catch((cause: unknown) => {
      if (cause instanceof ModelResolutionError && cause.reason === 'E_MODEL_NOT_FOUND') {
        throw new ModelResolutionError(
          'E_MODEL_NOT_FOUND',
          `[resolveModel] the demo model is not in this checkout (tools/train trains it and export_hf.py writes ` +
            `it there); name another model (tiny, base.en, large-v3-turbo, …) or a path: ${demoModelDir}`,
          { model, path: demoModelDir, cause },
        );
      }
      throw cause;
    });
    return {
      name: model,
      source: 'demo',
      ...layout,
      architecture: undefined,
      hub: undefined,
      options: applied,
    };
  }
  const entry = hubModelEntry(model);
  if (entry !== undefined) {
    const snapshot = await fetchHubSnapshot(entry.repo, model, settings);
    const layout = await detectModelLayout(snapshot.path, model);
    const { repo, revision, commit, fromCache } = snapshot;
    return {
      name: model,
      source: 'hub',
      ...layout,
      architecture: entry.architecture,
      hub: { repo, revision, commit, fromCache },
      options: applied,
    };
  }
  const path = expandPath(model);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (looksLikePath(model) || exists) {
    const layout = await detectModelLayout(path, model);
    return {
      name: model,
      source: 'path',
      ...layout,
      architecture: undefined,
      hub: undefined,
      options: applied,
    };
  }
  throw new ModelResolutionError(
    'E_UNKNOWN_MODEL',
    `[resolveModel] unknown model (not a path either); known models: ${MODEL_ALIASES.join(', ')}: ${model}`,
    { model },
  );
}

/** `./x`, `../x`, `/x`, `~/x`, `dir/x`: a name that can only be a path, never an alias. */
function looksLikePath(name: string): boolean {
  return (
    isAbsolute(name) ||
    name.startsWith('.') ||
    name.startsWith('~') ||
    name.includes('/') ||
    name.includes(sep)
  );
}

function expandPath(name: string): string {
  if (name === '~') return homedir();
  if (name.startsWith('~/') || name.startsWith(`~${sep}`)) return join(homedir(), name.slice(2));
  return resolve(name);
}
