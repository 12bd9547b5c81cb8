"""A minimal Whisper forward pass in plain PyTorch over a Hugging Face model folder, returning cross-attention weights.

For the alignment-head search on a machine without transformers (this project's CPU machine has Debian's torch 1.13
and numpy, nothing else): the encoder and a teacher-forced decoder pass, in fp32, as transformers' WhisperModel
computes them (pre-LayerNorm blocks, exact GELU, sinusoid-free learned positions as stored, k_proj without bias,
softmax(q·kᵀ/√d_head)). `greedy` decodes a few clips so the forward pass can be compared with known
transcripts before its attention is trusted.
"""

from __future__ import annotations

import json
import os

import numpy as np

from export_hf import read_safetensors  # the checked reader of the exported folder
from train import LogMel, pad_window  # the training's log-mel: the features the model learned from


class WhisperTorch:
    def __init__(self, model_dir: str, mel_filters: np.ndarray, torch):
        self.torch = torch
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            self.config = json.load(f)
        self.w = {k: torch.from_numpy(np.array(v, np.float32)) for k, v in
                  read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
        self.heads = int(self.config["decoder_attention_heads"])
        self.enc_heads = int(self.config["encoder_attention_heads"])
        self.mel = LogMel(torch, mel_filters, "cpu")

    # -- features --------------------------------------------------------------------------------------------------

    def log_mel(self, audio: np.ndarray):
        """WhisperFeatureExtractor's features of one clip padded (or cut) to 30 s: [n_mels, 3000]."""
        return self.mel(self.torch.from_numpy(pad_window(audio))[None])[0]

    # -- blocks ----------------------------------------------------------------------------------------------------

    def _ln(self, x, prefix):
        return self.torch.nn.functional.layer_norm(x, x.shape[-1:], self.w[prefix + ".weight"], self.w[prefix + ".bias"])

    def _lin(self, x, prefix, bias=True):
        y = x @ self.w[prefix + ".weight"].T
        return y + self.w[prefix + ".bias"] if bias and prefix + ".bias" in self.w else y

    def _attention(self, x, kv, prefix, heads, causal=False):
        """Multi-head attention; returns (output, weights [heads, T_q, T_k])."""
        torch = self.torch
        q = self._lin(x, prefix + ".q_proj")
        k = self._lin(kv, prefix + ".k_proj", bias=False)
        v = self._lin(kv, prefix + ".v_proj")
        tq, tk, d = q.shape[0], k.shape[0], q.shape[1]
        hd = d // heads
        q = q.view(tq, heads, hd).transpose(0, 1)
        k = k.view(tk, heads, hd).transpose(0, 1)
        v = v.view(tk, heads, hd).transpose(0, 1)
        scores = (q @ k.transpose(1, 2)) / (hd ** 0.5)
        if causal:
            scores = scores + torch.triu(torch.full((tq, tk), float("-inf")), diagonal=1)
        weights = scores.softmax(-1)
        out = (weights @ v).transpose(0, 1).reshape(tq, d)
        return self._lin(out, prefix + ".out_proj"), weights

    def encode(self, mel):
        F = self.torch.nn.functional
        x = F.gelu(F.conv1d(mel[None], self.w["model.encoder.conv1.weight"], self.w["model.encoder.conv1.bias"],
                            padding=1))
        x = F.gelu(F.conv1d(x, self.w["model.encoder.conv2.weight"], self.w["model.encoder.conv2.bias"], stride=2,
                            padding=1))[0].T
        x = x + self.w["model.encoder.embed_positions.weight"][: x.shape[0]]
        for i in range(int(self.config["encoder_layers"])):
            p = f"model.encoder.layers.{i}"
            h = self._ln(x, p + ".self_attn_layer_norm")
            x = x + self._attention(h, h, p + ".self_attn", self.enc_heads)[0]
            h = self._ln(x, p + ".final_layer_norm")
            x = x + self._lin(F.gelu(self._lin(h, p + ".fc1")), p + ".fc2")
        return self._ln(x, "model.encoder.layer_norm")

    def decode(self, tokens: list[int], enc):
        """Teacher-forced decoder pass: (logits [T, vocab], cross-attention weights [layers, heads, T, frames])."""
        torch = self.torch
        F = torch.nn.functional
        ids = torch.tensor(tokens)
        x = self.w["model.decoder.embed_tokens.weight"][ids] + self.w["model.decoder.embed_positions.weight"][: len(tokens)]
        cross = []
        for i in range(int(self.config["decoder_layers"])):
            p = f"model.decoder.layers.{i}"
            h = self._ln(x, p + ".self_attn_layer_norm")
            x = x + self._attention(h, h, p + ".self_attn", self.heads, causal=True)[0]
            h = self._ln(x, p + ".encoder_attn_layer_norm")
            out, weights = self._attention(h, enc, p + ".encoder_attn", self.heads)
            x = x + out
            cross.append(weights)
            h = self._ln(x, p + ".final_layer_norm")
            x = x + self._lin(F.gelu(self._lin(h, p + ".fc1")), p + ".fc2")
        x = self._ln(x, "model.decoder.layer_norm")
        return x @ self.w["model.decoder.embed_tokens.weight"].T, torch.stack(cross)

    def greedy(self, audio: np.ndarray, prefix: list[int], eot: int, max_new: int = 128) -> list[int]:
        """Plain greedy decoding (no suppression rules): for checking the forward pass on a few clips."""
        with self.torch.no_grad():
            enc = self.encode(self.log_mel(audio))
            tokens = list(prefix)
            for _ in range(max_new):
                logits, _ = self.decode(tokens, enc)
                nxt = int(logits[-1].argmax())
                if nxt == eot:
                    break
                tokens.append(nxt)
        return tokens[len(prefix):]
