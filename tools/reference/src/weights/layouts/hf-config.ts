/**
 * Hugging Face's config.json, generation_config.json and preprocessor_config.json for a seeded Whisper model, with
 * the keys of the published openai/whisper-* repositories and the special-token ids of the architecture's
 * vocabulary. transformers writes all three with `json.dumps(indent=2, sort_keys=True)` plus a newline.
 */
import {
  CHUNK_LENGTH_S,
  HOP_LENGTH_SAMPLES,
  N_FFT,
  N_FRAMES_PER_CHUNK,
  N_SAMPLES_PER_CHUNK,
  SAMPLE_RATE_HZ,
} from '@verbatim/core';
import type { Dtype } from '../float-encoding.js';
import type { JsonValue } from '../formats/python-json.js';
import { dumpPythonJson, float } from '../formats/python-json.js';
import { architectureSpec } from '../whisper-tensors.js';
import { SPACE_TOKEN, SpecialTokens } from './special-tokens.js';

/** The transformers version the files claim (that of the shared whisper-base config). */
export const TRANSFORMERS_VERSION = '4.38.2';
const MAX_INITIAL_TIMESTAMP_INDEX = 50;
/** bos_token_id is 50257 in every published Whisper config (<|endoftext|> or, English-only, <|startoftranscript|>). */
const BOS_TOKEN_ID = 50257;
/** large-v3's published config pads with token 50256; earlier ones pad with <|endoftext|>. */
const LARGE_V3_PAD_TOKEN_ID = 50256;
const MLP_RATIO = 4;

/** [layer, head] pairs decoded from openai/whisper's _ALIGNMENT_HEADS (the lists Hugging Face publishes). */
// biome-ignore format: one model per line reads as the table it is
export const ALIGNMENT_HEADS: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  'tiny.en': [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]],
  tiny: [[2, 2], [3, 0], [3, 2], [3, 3], [3, 4], [3, 5]],
  'base.en': [[3, 3], [4, 7], [5, 1], [5, 5], [5, 7]],
  base: [[3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]],
  'small.en': [
    [6, 6], [7, 0], [7, 3], [7, 8], [8, 2], [8, 5], [8, 7], [9, 0], [9, 4], [9, 8], [9, 10], [10, 0], [10, 1],
    [10, 2], [10, 3], [10, 6], [10, 11], [11, 2], [11, 4],
  ],
  small: [[5, 3], [5, 9], [8, 0], [8, 4], [8, 7], [8, 8], [9, 0], [9, 7], [9, 9], [10, 5]],
  'medium.en': [
    [11, 4], [14, 1], [14, 12], [14, 14], [15, 4], [16, 0], [16, 4], [16, 9], [17, 12], [17, 14], [18, 7], [18, 10],
    [18, 15], [20, 0], [20, 3], [20, 9], [20, 14], [21, 12],
  ],
  medium: [[13, 15], [15, 4], [15, 15], [16, 1], [20, 0], [23, 4]],
  'large-v1': [[9, 19], [11, 2], [11, 4], [11, 17], [22, 7], [22, 11], [22, 17], [23, 2], [23, 15]],
  'large-v2': [
    [10, 12], [13, 17], [16, 11], [16, 12], [16, 13], [17, 15], [17, 16], [18, 4], [18, 11], [18, 19], [19, 11],
    [21, 2], [21, 3], [22, 3], [22, 9], [22, 12], [23, 5], [23, 7], [23, 13], [25, 5], [26, 1], [26, 12], [27, 15],
  ],
  'large-v3': [[7, 0], [10, 17], [12, 18], [13, 12], [16, 1], [17, 14], [19, 11], [21, 4], [24, 1], [25, 6]],
  'large-v3-turbo': [[2, 4], [2, 11], [3, 3], [3, 6], [3, 11], [3, 14]],
};

/** OpenAI's heads where published; otherwise (distil-*) OpenAI's default, every head of the last half of layers. */
export function alignmentHeads(architecture: string): [number, number][] {
  const published = ALIGNMENT_HEADS[architecture];
  if (published !== undefined) return published.map(([layer, head]) => [layer, head]);
  const spec = architectureSpec(architecture);
  const heads: [number, number][] = [];
  for (let layer = Math.floor(spec.nTextLayer / 2); layer < spec.nTextLayer; layer++) {
    for (let head = 0; head < spec.nTextHead; head++) heads.push([layer, head]);
  }
  return heads;
}

/** `openai/whisper-tiny`, `distil-whisper/distil-large-v3`. */
export function hubName(architecture: string): string {
  return architecture.startsWith('distil-')
    ? `distil-whisper/${architecture}`
    : `openai/whisper-${architecture}`;
}

const TORCH_DTYPES: Record<Dtype, string> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };

function padTokenId(tokens: SpecialTokens): number {
  return tokens.nVocab >= 51866 ? LARGE_V3_PAD_TOKEN_ID : tokens.endOfText;
}

/** config.json of WhisperForConditionalGeneration. */
export function configJson(architecture: string, dtype: Dtype): Record<string, JsonValue> {
  const spec = architectureSpec(architecture);
  const tokens = new SpecialTokens(spec.nVocab);
  const forced = tokens.multilingual
    ? [
        [1, tokens.languageId('en')],
        [2, tokens.transcribe],
        [3, tokens.noTimestamps],
      ]
    : [[1, tokens.noTimestamps]];
  return {
    _name_or_path: hubName(architecture),
    activation_dropout: float(0),
    activation_function: 'gelu',
    apply_spec_augment: false,
    architectures: ['WhisperForConditionalGeneration'],
    attention_dropout: float(0),
    begin_suppress_tokens: [SPACE_TOKEN, tokens.endOfText],
    bos_token_id: BOS_TOKEN_ID,
    classifier_proj_size: 256,
    d_model: spec.nAudioState,
    decoder_attention_heads: spec.nTextHead,
    decoder_ffn_dim: MLP_RATIO * spec.nTextState,
    decoder_layerdrop: float(0),
    decoder_layers: spec.nTextLayer,
    decoder_start_token_id: tokens.startOfTranscript,
    dropout: float(0),
    encoder_attention_heads: spec.nAudioHead,
    encoder_ffn_dim: MLP_RATIO * spec.nAudioState,
    encoder_layerdrop: float(0),
    encoder_layers: spec.nAudioLayer,
    eos_token_id: tokens.endOfText,
    forced_decoder_ids: forced,
    init_std: float(0.02),
    is_encoder_decoder: true,
    mask_feature_length: 10,
    mask_feature_min_masks: 0,
    mask_feature_prob: float(0),
    mask_time_length: 10,
    mask_time_min_masks: 2,
    mask_time_prob: float(0.05),
    max_length: spec.nTextCtx,
    max_source_positions: spec.nAudioCtx,
    max_target_positions: spec.nTextCtx,
    median_filter_width: 7,
    model_type: 'whisper',
    num_hidden_layers: spec.nAudioLayer,
    num_mel_bins: spec.nMels,
    pad_token_id: padTokenId(tokens),
    scale_embedding: false,
    suppress_tokens: tokens.suppressTokens(),
    torch_dtype: TORCH_DTYPES[dtype],
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: true,
    use_weighted_layer_sum: false,
    vocab_size: spec.nVocab,
  };
}

/** generation_config.json: the published keys with this vocabulary's ids. */
export function generationConfigJson(architecture: string): Record<string, JsonValue> {
  const spec = architectureSpec(architecture);
  const tokens = new SpecialTokens(spec.nVocab);
  const common: Record<string, JsonValue> = {
    alignment_heads: alignmentHeads(architecture),
    begin_suppress_tokens: [SPACE_TOKEN, tokens.endOfText],
    bos_token_id: BOS_TOKEN_ID,
    decoder_start_token_id: tokens.startOfTranscript,
    eos_token_id: tokens.endOfText,
    is_multilingual: tokens.multilingual,
    max_initial_timestamp_index: MAX_INITIAL_TIMESTAMP_INDEX,
    max_length: spec.nTextCtx,
    no_timestamps_token_id: tokens.noTimestamps,
    pad_token_id: padTokenId(tokens),
    prev_sot_token_id: tokens.startOfPrev,
    return_timestamps: false,
    suppress_tokens: tokens.suppressTokens(),
    transformers_version: TRANSFORMERS_VERSION,
  };
  if (!tokens.multilingual) return { ...common, forced_decoder_ids: [[1, tokens.noTimestamps]] };
  return {
    ...common,
    forced_decoder_ids: [
      [1, null],
      [2, tokens.transcribe],
    ],
    lang_to_id: new Map(tokens.languages.map((code) => [`<|${code}|>`, tokens.languageId(code)])),
    task_to_id: { transcribe: tokens.transcribe, translate: tokens.translate },
  };
}

/** preprocessor_config.json of WhisperFeatureExtractor (feature_size: the mel bin count). */
export function preprocessorConfigJson(architecture: string): Record<string, JsonValue> {
  return {
    chunk_length: CHUNK_LENGTH_S,
    feature_extractor_type: 'WhisperFeatureExtractor',
    feature_size: architectureSpec(architecture).nMels,
    hop_length: HOP_LENGTH_SAMPLES,
    n_fft: N_FFT,
    n_samples: N_SAMPLES_PER_CHUNK,
    nb_max_frames: N_FRAMES_PER_CHUNK,
    padding_side: 'right',
    padding_value: float(0),
    processor_class: 'WhisperProcessor',
    return_attention_mask: false,
    sampling_rate: SAMPLE_RATE_HZ,
  };
}

/** A file as transformers writes it: sorted keys, indent 2, final newline. */
export function transformersJson(value: JsonValue): string {
  return `${dumpPythonJson(value, { indent: 2, sortKeys: true })}\n`;
}
