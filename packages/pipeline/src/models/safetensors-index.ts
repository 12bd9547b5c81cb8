/** The index of a sharded Hugging Face checkpoint: which shard file holds each tensor. */

import { ModelResolutionError } from './model-errors.js';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const SHARDED_WEIGHTS_INDEX = 'model.safetensors.index.json';

/**
 * A file name as a repository may list it: one path segment of safe characters, not hidden. Anything else in an
 * index (`../x`, `/etc/x`) could write or read outside the model folder.
 */
export function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) && name.length <= 255;
}

/**
 * The shard files a `model.safetensors.index.json` names (the values of its `weight_map`), each once, sorted.
 * @param source names the index in errors (a path or a repository file).
 * @throws ModelResolutionError E_MODEL_LAYOUT when the text is not an index or names an unsafe or no shard.
 */
export function shardFilesOfIndex(text: string, source: string, model?: string): string[] {
  const fail = (what: string) =>
    new ModelResolutionError('E_MODEL_LAYOUT', `[resolveModel] ${what}: ${source}`, { model });
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (cause) {
    throw new ModelResolutionError(
      'E_MODEL_LAYOUT',
      `[resolveModel] not JSON (${String(cause)}): ${source}`,
      {
        model,
        cause,
      },
    );
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw fail('a safetensors index without a weight_map object');
  }
  const shards = new Set<string>();
  for (const [tensor, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || !isPlainFileName(file)) {
      throw fail(`the safetensors index maps ${tensor} to an unusable file name ${JSON.stringify(file)}`);
    }
    shards.add(file);
  }
  if (shards.size === 0) throw fail('the safetensors index names no shard');
  return [...shards].sort();
}
