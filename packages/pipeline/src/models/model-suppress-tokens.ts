/**
 * The tokens a Hugging Face model suppresses by default: generation_config.json's `suppress_tokens`, which transformers'
 * `generate` applies. For OpenAI's checkpoints it is Whisper's non-speech set (what -1 means without it); a model
 * trained to write other symbols (a fine-tune, or verbatim's demo model, whose transcripts write times as "9:57")
 * names its own, and verbatim must then suppress exactly those to transcribe as transformers does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '@verbatim/core';

/**
 * `suppress_tokens` of `modelPath`'s generation_config.json; undefined when the model has none (a ggml file, a folder
 * without the file or without the key).
 * @throws ModelLoadError when the file exists but is not JSON or the key is not a list of token ids.
 */
export async function readModelSuppressTokens(modelPath: string): Promise<number[] | undefined> {
  const file = join(modelPath, 'generation_config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // a ggml .bin (modelPath is a file) or a folder without a generation config
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`[readModelSuppressTokens] not valid JSON: ${file}`, {
      path: file,
      cause: error,
    });
  }
  const ids = (config as { suppress_tokens?: unknown }).suppress_tokens;
  if (ids === undefined || ids === null) return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
    throw new ModelLoadError(
      `[readModelSuppressTokens] suppress_tokens must be a list of token ids: ${JSON.stringify(ids).slice(0, 80)} in ${file}`,
      { path: file },
    );
  }
  return ids;
}
