import type { MelBinCount } from './constants.js';
import { N_AUDIO_CTX } from './constants.js';

/** The dimensions of a Whisper model, as its config.json (Hugging Face) or ggml header states them. */
export interface ModelSpec {
  readonly nMels: MelBinCount;
  /** Encoder positions: 1500 for every released model (30 s at 20 ms each). */
  readonly nAudioCtx: number;
  readonly nAudioState: number;
  readonly nAudioHead: number;
  readonly nAudioLayer: number;
  /** 51864 for English-only models, 51865 for multilingual ones, 51866 from large-v3 on (adds `yue`). */
  readonly nVocab: number;
  /** Maximum decoder positions: 448. */
  readonly nTextCtx: number;
  readonly nTextState: number;
  readonly nTextHead: number;
  readonly nTextLayer: number;
}

/** English-only models have exactly 51864 tokens; every multilingual one has more. */
export function isMultilingual(spec: ModelSpec): boolean {
  return spec.nVocab >= 51865;
}

const TEXT_CTX = 448;

function architecture(
  nMels: MelBinCount,
  nVocab: number,
  width: number,
  heads: number,
  encoderLayers: number,
  decoderLayers: number,
): ModelSpec {
  return {
    nMels,
    nAudioCtx: N_AUDIO_CTX,
    nAudioState: width,
    nAudioHead: heads,
    nAudioLayer: encoderLayers,
    nVocab,
    nTextCtx: TEXT_CTX,
    nTextState: width,
    nTextHead: heads,
    nTextLayer: decoderLayers,
  };
}

/** The released Whisper architectures by their usual names. */
export const WHISPER_ARCHITECTURES = {
  tiny: architecture(80, 51865, 384, 6, 4, 4),
  'tiny.en': architecture(80, 51864, 384, 6, 4, 4),
  base: architecture(80, 51865, 512, 8, 6, 6),
  'base.en': architecture(80, 51864, 512, 8, 6, 6),
  small: architecture(80, 51865, 768, 12, 12, 12),
  'small.en': architecture(80, 51864, 768, 12, 12, 12),
  medium: architecture(80, 51865, 1024, 16, 24, 24),
  'medium.en': architecture(80, 51864, 1024, 16, 24, 24),
  'large-v1': architecture(80, 51865, 1280, 20, 32, 32),
  'large-v2': architecture(80, 51865, 1280, 20, 32, 32),
  'large-v3': architecture(128, 51866, 1280, 20, 32, 32),
  'large-v3-turbo': architecture(128, 51866, 1280, 20, 32, 4),
  'distil-small.en': architecture(80, 51864, 768, 12, 12, 2),
  'distil-medium.en': architecture(80, 51864, 1024, 16, 24, 2),
  'distil-large-v2': architecture(80, 51865, 1280, 20, 32, 2),
  'distil-large-v3': architecture(128, 51866, 1280, 20, 32, 2),
} as const satisfies Record<string, ModelSpec>;

export type ArchitectureName = keyof typeof WHISPER_ARCHITECTURES;
