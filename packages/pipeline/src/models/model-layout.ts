/**
 * Recognises a model on disk in the layouts the engine reads (Hugging Face single or sharded safetensors, MLX
 * community safetensors or npz, whisper.cpp ggml) and checks that the files the engine will open are there. The
 * engine does the full validation (shapes, dtypes) when it loads; this catches a wrong path early, with a message
 * that says what is missing.
 */

import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelResolutionError } from './model-errors.js';
import { SHARDED_WEIGHTS_INDEX, SINGLE_WEIGHTS_FILE, shardFilesOfIndex } from './safetensors-index.js';

export type ModelLayout = 'huggingface' | 'huggingface-sharded' | 'mlx-safetensors' | 'mlx-npz' | 'ggml';

export interface ModelLayoutInfo {
  readonly layout: ModelLayout;
  /** What the engine loads: the model folder, or the ggml file. */
  readonly path: string;
  /** The files the engine opens, relative to the folder (for ggml: the file's name in its folder). */
  readonly files: readonly string[];
}

/** "ggml" as whisper.cpp writes it: the little-endian uint32 0x67676d6c. */
const GGML_MAGIC = 0x67676d6c;
const CONFIG_FILE = 'config.json';
const MLX_SAFETENSORS_FILE = 'weights.safetensors';
const MLX_NPZ_FILE = 'weights.npz';

/**
 * Detects and checks the layout of the model at `path` (a folder, or a ggml file).
 * @param model the name the caller used, for errors (defaults to the path).
 * @throws ModelResolutionError E_MODEL_NOT_FOUND when the path does not exist, E_MODEL_LAYOUT when it is not a
 *   model in any known layout or lacks a file its layout needs (naming it).
 */
export async function detectModelLayout(path: string, model: string = path): Promise<ModelLayoutInfo> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT' || cause.code === 'ENOTDIR') {
      throw new ModelResolutionError('E_MODEL_NOT_FOUND', `[resolveModel] no model at this path: ${path}`, {
        model,
        path,
        cause,
      });
    }
    throw layoutError(model, path, `cannot read the model (${cause.code ?? cause.message})`, cause);
  });
  if (info.isFile()) {
    if (!(await isGgmlFile(path))) {
      throw layoutError(model, path, 'not a whisper.cpp ggml file (it does not start with the "ggml" magic)');
    }
    return { layout: 'ggml', path, files: [basename(path)] };
  }
  if (!info.isDirectory()) throw layoutError(model, path, 'neither a folder nor a file');
  const entries = new Set(await readdir(path));
  if (entries.has(CONFIG_FILE)) return detectConfigLayout(path, entries, model);
  return detectGgmlFolder(path, entries, model);
}

/** Hugging Face and MLX folders both have a config.json; MLX's keeps OpenAI's names (`n_audio_state`). */
async function detectConfigLayout(
  path: string,
  entries: Set<string>,
  model: string,
): Promise<ModelLayoutInfo> {
  const configPath = join(path, CONFIG_FILE);
  const config = await readJsonObject(configPath, model);
  if ('n_audio_state' in config) {
    if (entries.has(MLX_SAFETENSORS_FILE)) {
      return { layout: 'mlx-safetensors', path, files: [CONFIG_FILE, MLX_SAFETENSORS_FILE] };
    }
    if (entries.has(MLX_NPZ_FILE)) return { layout: 'mlx-npz', path, files: [CONFIG_FILE, MLX_NPZ_FILE] };
    throw layoutError(
      model,
      path,
      `an MLX config.json but neither ${MLX_SAFETENSORS_FILE} nor ${MLX_NPZ_FILE} beside it`,
    );
  }
  if (config.model_type !== undefined && config.model_type !== 'whisper') {
    throw layoutError(
      model,
      configPath,
      `config.json describes a ${String(config.model_type)} model, not Whisper`,
    );
  }
  if (entries.has(SINGLE_WEIGHTS_FILE)) {
    return { layout: 'huggingface', path, files: [CONFIG_FILE, SINGLE_WEIGHTS_FILE] };
  }
  if (entries.has(SHARDED_WEIGHTS_INDEX)) {
    const indexPath = join(path, SHARDED_WEIGHTS_INDEX);
    const shards = shardFilesOfIndex(await readFile(indexPath, 'utf8'), indexPath, model);
    const missing = shards.filter((shard) => !entries.has(shard));
    if (missing.length > 0) {
      throw layoutError(
        model,
        path,
        `missing shard(s) ${missing.join(', ')} named by ${SHARDED_WEIGHTS_INDEX}`,
      );
    }
    return { layout: 'huggingface-sharded', path, files: [CONFIG_FILE, SHARDED_WEIGHTS_INDEX, ...shards] };
  }
  throw layoutError(
    model,
    path,
    `a Hugging Face config.json but neither ${SINGLE_WEIGHTS_FILE} nor ${SHARDED_WEIGHTS_INDEX} beside it`,
  );
}

/** A folder without config.json can still hold one whisper.cpp model (`ggml-base.en.bin`). */
async function detectGgmlFolder(path: string, entries: Set<string>, model: string): Promise<ModelLayoutInfo> {
  const candidates = [...entries].filter((name) => name.endsWith('.bin')).sort();
  const ggmlFiles: string[] = [];
  for (const name of candidates) {
    if (await isGgmlFile(join(path, name))) ggmlFiles.push(name);
  }
  if (ggmlFiles.length === 1) return { layout: 'ggml', path: join(path, ggmlFiles[0]!), files: ggmlFiles };
  if (ggmlFiles.length > 1) {
    throw layoutError(model, path, `several whisper.cpp models (${ggmlFiles.join(', ')}): name the file`);
  }
  throw layoutError(
    model,
    path,
    `not a model folder: no ${CONFIG_FILE} (Hugging Face, MLX) and no whisper.cpp ggml .bin file`,
  );
}

async function isGgmlFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    return bytesRead === 4 && magic.readUInt32LE(0) === GGML_MAGIC;
  } finally {
    await handle.close();
  }
}

async function readJsonObject(path: string, model: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw layoutError(model, path, `unreadable config.json (${String(cause)})`, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw layoutError(model, path, 'config.json is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function layoutError(model: string, path: string, what: string, cause?: unknown): ModelResolutionError {
  return new ModelResolutionError('E_MODEL_LAYOUT', `[resolveModel] ${what}: ${path}`, {
    model,
    path,
    cause,
  });
}
