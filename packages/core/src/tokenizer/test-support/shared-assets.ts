/**
 * Test-only readers of the shared Whisper assets beside the repository root (see shared/README.md): the Hugging Face
 * whisper-base tokenizer files and the vocabularies inside whisper.cpp's `for-tests-ggml-*.bin` files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHARED_ASSETS = fileURLToPath(new URL('../../../../../../shared/assets/', import.meta.url));
export const HF_TOKENIZER_DIR = `${SHARED_ASSETS}whisper/hf-onnx-community-whisper-base-tokenizer/`;

export interface HfAddedToken {
  id: number;
  content: string;
  special: boolean;
}

export interface HfTokenizerJson {
  added_tokens: HfAddedToken[];
  model: { vocab: Record<string, number> };
}

export function readHfTokenizerJson(): HfTokenizerJson {
  return JSON.parse(readFileSync(`${HF_TOKENIZER_DIR}tokenizer.json`, 'utf8')) as HfTokenizerJson;
}

/**
 * The token bytes of a whisper.cpp model file, in id order: after the magic and 11 int32 hyper-parameters come the
 * mel filters (int32 n_mel, int32 n_fft, float32[n_mel × n_fft]), then int32 n_vocab and per token a uint32 length
 * and its bytes.
 */
export function readGgmlVocabulary(name: 'tiny' | 'tiny.en'): Uint8Array[] {
  const data = readFileSync(`${SHARED_ASSETS}whisper-cpp-testfiles/for-tests-ggml-${name}.bin`);
  let at = 4 + 11 * 4;
  const nMel = data.readInt32LE(at);
  const nFft = data.readInt32LE(at + 4);
  at += 8 + 4 * nMel * nFft;
  const nVocab = data.readInt32LE(at);
  at += 4;
  const tokens: Uint8Array[] = [];
  for (let i = 0; i < nVocab; i++) {
    const length = data.readUInt32LE(at);
    tokens.push(new Uint8Array(data.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return tokens;
}
