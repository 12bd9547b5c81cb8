"""The CTC aligner: a small wav2vec2-style model (torch; the GPU machine).

    raw 16 kHz audio -> [normalise] -> convolutional feature encoder (7 layers, 20 ms frames, 25 ms receptive field)
    -> layer norm + projection -> convolutional position embedding -> pre-LN transformer -> linear -> log-softmax

The convolution stack is wav2vec2's (kernels 10,3,3,3,3,2,2; strides 5,2,2,2,2,2,2: 320 samples per frame), with a
layer norm after every convolution for stable training from scratch. Attention is written out (matmul + softmax) so
the ONNX export is plain opset-17 operators. The exported model takes `audio` [batch, samples] float32 and returns
`log_probs` [batch, frames, vocab]; it normalises each row to zero mean and unit variance itself, as wav2vec2's
feature extractor does, so callers pass raw samples.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

CONV_LAYERS = ((10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2))
SAMPLES_PER_FRAME = 320


def n_frames(n_samples: int) -> int:
    n = int(n_samples)
    for k, s in CONV_LAYERS:
        n = (n - k) // s + 1
    return max(n, 0)


class ConvLayer(nn.Module):
    def __init__(self, c_in, c_out, k, s):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, k, s, bias=False)
        self.norm = nn.LayerNorm(c_out)

    def forward(self, x):  # [B, C, T]
        x = self.conv(x)
        return F.gelu(self.norm(x.transpose(1, 2)).transpose(1, 2))


class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x, bias):  # x [B, T, D]; bias [B, 1, 1, T] (0 or -inf for padding) or None
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(D // self.h))
        if bias is not None:
            att = att + bias
        y = att.softmax(-1) @ v
        return self.out(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.att = SelfAttention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, ffn)
        self.ff2 = nn.Linear(ffn, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias):
        x = x + self.drop(self.att(self.ln1(x), bias))
        return x + self.drop(self.ff2(F.gelu(self.ff1(self.ln2(x)))))


class Aligner(nn.Module):
    def __init__(self, vocab: int, conv_ch: int = 160, d: int = 192, layers: int = 4, heads: int = 4,
                 ffn: int = 640, pos_kernel: int = 65, pos_groups: int = 16, dropout: float = 0.05):
        super().__init__()
        self.config = {"vocab": vocab, "conv_ch": conv_ch, "d": d, "layers": layers, "heads": heads, "ffn": ffn,
                       "pos_kernel": pos_kernel, "pos_groups": pos_groups}
        convs, c = [], 1
        for k, s in CONV_LAYERS:
            convs.append(ConvLayer(c, conv_ch, k, s))
            c = conv_ch
        self.convs = nn.ModuleList(convs)
        self.proj_norm = nn.LayerNorm(conv_ch)
        self.proj = nn.Linear(conv_ch, d)
        self.pos = nn.Conv1d(d, d, pos_kernel, padding=pos_kernel // 2, groups=pos_groups)
        self.blocks = nn.ModuleList(Block(d, heads, ffn, dropout) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, audio, frame_mask=None, normalise=True):
        """audio [B, N] -> log-probabilities [B, frames, vocab]. frame_mask [B, frames] (True = real frame) masks
        padded frames out of attention (training); with normalise, each row is scaled to zero mean, unit variance."""
        if normalise:
            mean = audio.mean(-1, keepdim=True)
            var = ((audio - mean) ** 2).mean(-1, keepdim=True)
            audio = (audio - mean) / torch.sqrt(var + 1e-7)
        x = audio.unsqueeze(1)
        for c in self.convs:
            x = c(x)
        x = self.proj(self.proj_norm(x.transpose(1, 2)))  # [B, T, d]
        if frame_mask is not None:  # padded frames must not leak into real ones through the position convolution
            x = x * frame_mask[..., None].to(x.dtype)
        x = x + F.gelu(self.pos(x.transpose(1, 2)).transpose(1, 2))
        bias = None
        if frame_mask is not None:
            bias = torch.zeros(frame_mask.shape, dtype=x.dtype, device=x.device)
            bias = bias.masked_fill(~frame_mask, float("-inf"))[:, None, None, :]
        for b in self.blocks:
            x = b(x, bias)
        return self.head(self.ln(x)).float().log_softmax(-1)


class Exported(nn.Module):
    """What the ONNX file holds: raw audio in, log-probabilities out."""

    def __init__(self, m: Aligner):
        super().__init__()
        self.m = m

    def forward(self, audio):
        return self.m(audio, None, normalise=True)
