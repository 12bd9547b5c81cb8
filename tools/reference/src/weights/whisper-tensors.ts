/**
 * The tensors of a Whisper model: Hugging Face names (the generator's keys), OpenAI names (ggml; MLX after a small
 * rename), PyTorch shapes, and how each is initialised (WEIGHTS.md, "Tensors"). Order: OpenAI's state dict.
 */
import type { ArchitectureName, ModelSpec } from '@verbatim/core';
import { InvalidArgumentError, WHISPER_ARCHITECTURES } from '@verbatim/core';

/** mean + uniform · std·√3 (weights, biases, layer norms), or the fixed sinusoid table (encoder positions). */
export type TensorInit =
  | { readonly kind: 'uniform'; readonly mean: number; readonly std: number }
  | { readonly kind: 'sinusoids' };

export interface TensorSpec {
  /** Hugging Face name, e.g. `model.encoder.layers.0.fc1.weight`: the generator key. */
  readonly hfName: string;
  /** OpenAI (and whisper.cpp) name, e.g. `encoder.blocks.0.mlp.0.weight`. */
  readonly openaiName: string;
  /** PyTorch shape (Hugging Face and OpenAI agree), row-major. */
  readonly shape: readonly number[];
  readonly init: TensorInit;
}

export const WEIGHT_STD = 0.02;
export const BIAS_STD = 0.02;
export const LAYER_NORM_STD = 0.02;
const CONV_KERNEL = 3;
/** Whisper's MLP is 4 times as wide as the model. */
const MLP_RATIO = 4;

const WEIGHT: TensorInit = { kind: 'uniform', mean: 0, std: WEIGHT_STD };
const BIAS: TensorInit = { kind: 'uniform', mean: 0, std: BIAS_STD };
const LN_WEIGHT: TensorInit = { kind: 'uniform', mean: 1, std: LAYER_NORM_STD };
const LN_BIAS: TensorInit = { kind: 'uniform', mean: 0, std: LAYER_NORM_STD };
const SINUSOIDS: TensorInit = { kind: 'sinusoids' };

export function isArchitectureName(name: string): name is ArchitectureName {
  return Object.hasOwn(WHISPER_ARCHITECTURES, name);
}

/** The dimensions of a named architecture. Throws InvalidArgumentError for unknown names. */
export function architectureSpec(name: string): ModelSpec {
  if (!isArchitectureName(name)) {
    const known = Object.keys(WHISPER_ARCHITECTURES).join(', ');
    throw new InvalidArgumentError(
      `[architectureSpec] unknown architecture "${name}"; expected one of ${known}`,
    );
  }
  return WHISPER_ARCHITECTURES[name];
}

/** OpenAI's ModelDimensions (whisper/model.py) of a spec: the field names of MLX configs and ggml hparams. */
export function openaiDimensions(spec: ModelSpec) {
  return {
    n_mels: spec.nMels,
    n_audio_ctx: spec.nAudioCtx,
    n_audio_state: spec.nAudioState,
    n_audio_head: spec.nAudioHead,
    n_audio_layer: spec.nAudioLayer,
    n_vocab: spec.nVocab,
    n_text_ctx: spec.nTextCtx,
    n_text_state: spec.nTextState,
    n_text_head: spec.nTextHead,
    n_text_layer: spec.nTextLayer,
  };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** MLX splits OpenAI's `mlp` Sequential (mlp.0, mlp.2) into mlp1 and mlp2. */
export function mlxName(tensor: TensorSpec): string {
  return tensor.openaiName.replace('.mlp.0.', '.mlp1.').replace('.mlp.2.', '.mlp2.');
}

function attention(hf: string, openai: string, width: number): TensorSpec[] {
  const square = [width, width];
  // Whisper's key projection has no bias.
  return [
    { hfName: `${hf}.q_proj.weight`, openaiName: `${openai}.query.weight`, shape: square, init: WEIGHT },
    { hfName: `${hf}.q_proj.bias`, openaiName: `${openai}.query.bias`, shape: [width], init: BIAS },
    { hfName: `${hf}.k_proj.weight`, openaiName: `${openai}.key.weight`, shape: square, init: WEIGHT },
    { hfName: `${hf}.v_proj.weight`, openaiName: `${openai}.value.weight`, shape: square, init: WEIGHT },
    { hfName: `${hf}.v_proj.bias`, openaiName: `${openai}.value.bias`, shape: [width], init: BIAS },
    { hfName: `${hf}.out_proj.weight`, openaiName: `${openai}.out.weight`, shape: square, init: WEIGHT },
    { hfName: `${hf}.out_proj.bias`, openaiName: `${openai}.out.bias`, shape: [width], init: BIAS },
  ];
}

function layerNorm(hf: string, openai: string, width: number): TensorSpec[] {
  return [
    { hfName: `${hf}.weight`, openaiName: `${openai}.weight`, shape: [width], init: LN_WEIGHT },
    { hfName: `${hf}.bias`, openaiName: `${openai}.bias`, shape: [width], init: LN_BIAS },
  ];
}

function block(hf: string, openai: string, width: number, crossAttention: boolean): TensorSpec[] {
  const mlpWidth = MLP_RATIO * width;
  return [
    ...attention(`${hf}.self_attn`, `${openai}.attn`, width),
    ...layerNorm(`${hf}.self_attn_layer_norm`, `${openai}.attn_ln`, width),
    ...(crossAttention
      ? [
          ...attention(`${hf}.encoder_attn`, `${openai}.cross_attn`, width),
          ...layerNorm(`${hf}.encoder_attn_layer_norm`, `${openai}.cross_attn_ln`, width),
        ]
      : []),
    {
      hfName: `${hf}.fc1.weight`,
      openaiName: `${openai}.mlp.0.weight`,
      shape: [mlpWidth, width],
      init: WEIGHT,
    },
    { hfName: `${hf}.fc1.bias`, openaiName: `${openai}.mlp.0.bias`, shape: [mlpWidth], init: BIAS },
    {
      hfName: `${hf}.fc2.weight`,
      openaiName: `${openai}.mlp.2.weight`,
      shape: [width, mlpWidth],
      init: WEIGHT,
    },
    { hfName: `${hf}.fc2.bias`, openaiName: `${openai}.mlp.2.bias`, shape: [width], init: BIAS },
    ...layerNorm(`${hf}.final_layer_norm`, `${openai}.mlp_ln`, width),
  ];
}

/** Every stored tensor of the architecture in OpenAI state-dict order; proj_out is tied to embed_tokens, so absent. */
export function whisperTensors(architecture: string): TensorSpec[] {
  const spec = architectureSpec(architecture);
  const width = spec.nAudioState;
  const range = (count: number) => Array.from({ length: count }, (_, i) => i);
  return [
    {
      hfName: 'model.encoder.embed_positions.weight',
      openaiName: 'encoder.positional_embedding',
      shape: [spec.nAudioCtx, width],
      init: SINUSOIDS,
    },
    {
      hfName: 'model.encoder.conv1.weight',
      openaiName: 'encoder.conv1.weight',
      shape: [width, spec.nMels, CONV_KERNEL],
      init: WEIGHT,
    },
    { hfName: 'model.encoder.conv1.bias', openaiName: 'encoder.conv1.bias', shape: [width], init: BIAS },
    {
      hfName: 'model.encoder.conv2.weight',
      openaiName: 'encoder.conv2.weight',
      shape: [width, width, CONV_KERNEL],
      init: WEIGHT,
    },
    { hfName: 'model.encoder.conv2.bias', openaiName: 'encoder.conv2.bias', shape: [width], init: BIAS },
    ...range(spec.nAudioLayer).flatMap((i) =>
      block(`model.encoder.layers.${i}`, `encoder.blocks.${i}`, width, false),
    ),
    ...layerNorm('model.encoder.layer_norm', 'encoder.ln_post', width),
    {
      hfName: 'model.decoder.embed_positions.weight',
      openaiName: 'decoder.positional_embedding',
      shape: [spec.nTextCtx, width],
      init: WEIGHT,
    },
    {
      hfName: 'model.decoder.embed_tokens.weight',
      openaiName: 'decoder.token_embedding.weight',
      shape: [spec.nVocab, width],
      init: WEIGHT,
    },
    ...range(spec.nTextLayer).flatMap((i) =>
      block(`model.decoder.layers.${i}`, `decoder.blocks.${i}`, width, true),
    ),
    ...layerNorm('model.decoder.layer_norm', 'decoder.ln', width),
  ];
}

/** One tensor of the architecture by Hugging Face name. Throws InvalidArgumentError when it has none. */
export function tensorByHfName(architecture: string, hfName: string): TensorSpec {
  const tensor = whisperTensors(architecture).find((t) => t.hfName === hfName);
  if (tensor === undefined)
    throw new InvalidArgumentError(`[tensorByHfName] ${architecture} has no tensor ${hfName}`);
  return tensor;
}
