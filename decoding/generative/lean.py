"""The generative baseline's BART as plain tensor math for one instruction at a time: what the constrained decoders
run instead of HF's forward, with the same weights and operations (tested equal to it).

Why: a one-token decoder call of this 6M-parameter model is a few microseconds of arithmetic per layer, and HF's
forward spends most of its time around it (module dispatch, mask building, cache bookkeeping). Here a layer is about
twenty tensor operations: the self-attention projections are one fused matrix, keys and values go into buffers
preallocated to the model's positions (forgetting drafted tokens is a counter), and the encoder output's
cross-attention keys and values are computed once per instruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

__all__ = ["LeanBart", "KVCache"]

_Affine = tuple[torch.Tensor, torch.Tensor]  # (weight, bias) of a linear layer or a layer norm
_POSITION_OFFSET = 2  # BART's learned positions start at row 2 of their table


def _affine(module) -> _Affine:
    return module.weight.detach(), module.bias.detach()


def _stacked(*modules) -> _Affine:
    """Linear layers over the same input as one (their outputs concatenated): one matrix product instead of several."""
    return torch.cat([m.weight.detach() for m in modules]), torch.cat([m.bias.detach() for m in modules])


@dataclass(frozen=True)
class _Layer:
    """The weights of one post-norm BART layer; the cross-attention ones only in decoder layers."""

    qkv: _Affine                    # self-attention query, key and value projections, stacked (3C, C)
    self_out: _Affine
    self_norm: _Affine
    fc1: _Affine
    fc2: _Affine
    ffn_norm: _Affine
    cross_q: _Affine | None = None
    cross_kv: _Affine | None = None  # key and value projections of the encoder output, stacked (2C, C)
    cross_out: _Affine | None = None
    cross_norm: _Affine | None = None

    @classmethod
    def of(cls, layer) -> _Layer:
        a = layer.self_attn
        own = dict(qkv=_stacked(a.q_proj, a.k_proj, a.v_proj), self_out=_affine(a.out_proj),
                   self_norm=_affine(layer.self_attn_layer_norm), fc1=_affine(layer.fc1), fc2=_affine(layer.fc2),
                   ffn_norm=_affine(layer.final_layer_norm))
        c = getattr(layer, "encoder_attn", None)
        if c is None:
            return cls(**own)
        return cls(**own, cross_q=_affine(c.q_proj), cross_kv=_stacked(c.k_proj, c.v_proj),
                   cross_out=_affine(c.out_proj), cross_norm=_affine(layer.encoder_attn_layer_norm))


def _split(x: torch.Tensor, parts: int, heads: int) -> torch.Tensor:
    """(1, T, parts * C) -> (parts, 1, heads, T, C / heads): stacked projections split into their heads."""
    _, T, width = x.shape
    return x.view(1, T, parts, heads, width // (parts * heads)).permute(2, 0, 3, 1, 4)


def _merge(y: torch.Tensor) -> torch.Tensor:
    _, h, T, d = y.shape
    return y.transpose(1, 2).reshape(1, T, h * d)  # (1, T, C)


def _residual(x: torch.Tensor, y: torch.Tensor, out: _Affine, norm: _Affine) -> torch.Tensor:
    """Post-norm: the sublayer's output projected, added to its input, normalised."""
    return F.layer_norm(x + F.linear(_merge(y), *out), x.shape[-1:], *norm)


def _feed_forward(x: torch.Tensor, layer: _Layer) -> torch.Tensor:
    """Post-norm feed-forward sublayer."""
    return F.layer_norm(x + F.linear(F.gelu(F.linear(x, *layer.fc1)), *layer.fc2), x.shape[-1:], *layer.ffn_norm)


class LeanBart:
    """The weights of a `BartForConditionalGeneration` (eval mode, GELU, post-norm, tied embeddings) as tensors:
    `encode` source ids, `start` a `KVCache` from the encoder output, `run` it on output tokens (all under
    `torch.inference_mode()`, which the decoders enter once per instruction)."""

    def __init__(self, model):
        encoder, decoder = model.get_encoder(), model.get_decoder()
        self.heads = model.config.decoder_attention_heads
        self.positions = model.config.max_position_embeddings
        self.embed, self.scale = decoder.embed_tokens.weight.detach(), decoder.embed_tokens.embed_scale
        self.encoder_positions = encoder.embed_positions.weight.detach()[_POSITION_OFFSET:]
        self.decoder_positions = decoder.embed_positions.weight.detach()[_POSITION_OFFSET:]
        self.encoder_norm = _affine(encoder.layernorm_embedding)
        self.decoder_norm = _affine(decoder.layernorm_embedding)
        self.encoder_layers = [_Layer.of(la) for la in encoder.layers]
        self.decoder_layers = [_Layer.of(la) for la in decoder.layers]
        self.output = model.lm_head.weight.detach(), model.final_logits_bias.detach()[0]  # tied to `embed`
        self.causal = torch.ones(self.positions, self.positions, dtype=torch.bool).tril()  # sliced by `run`

    def embed_tokens(self, tokens: Sequence[int], positions: torch.Tensor, norm: _Affine) -> torch.Tensor:
        """(1, T, C): token embeddings, scaled, plus their learned positions, normalised."""
        x = F.embedding(torch.tensor(tokens), self.embed) * self.scale + positions
        return F.layer_norm(x, x.shape[-1:], *norm)[None]

    def encode(self, ids: Sequence[int]) -> torch.Tensor:
        """(1, S, C): the encoder output of the source token ids (no padding, no mask)."""
        x = self.embed_tokens(ids, self.encoder_positions[: len(ids)], self.encoder_norm)
        for layer in self.encoder_layers:
            q, k, v = _split(F.linear(x, *layer.qkv), 3, self.heads)
            x = _feed_forward(_residual(x, F.scaled_dot_product_attention(q, k, v), layer.self_out,
                                        layer.self_norm), layer)
        return x

    def start(self, memory: torch.Tensor) -> KVCache:
        """The decoder cache of one instruction, from its encoder output (1, S, C)."""
        cross = [_split(F.linear(memory, *layer.cross_kv), 2, self.heads) for layer in self.decoder_layers]
        return KVCache(self, cross)


class KVCache:
    """The decoder's keys and values of one instruction's output so far; `run` feeds it new tokens."""

    def __init__(self, bart: LeanBart, cross: list[torch.Tensor]):
        self.bart, self.cross, self.n = bart, cross, 0
        width = bart.embed.shape[1] // bart.heads
        # (2, 1, heads, positions, C / heads) per layer: keys and values, written in place as tokens come
        self.buffers = [torch.empty(2, 1, bart.heads, bart.positions, width) for _ in bart.decoder_layers]

    def run(self, tokens: Sequence[int]) -> torch.Tensor:
        """(T, V) logits of the next token after each of `tokens`, which extend the cached positions."""
        bart, P, T = self.bart, self.n, len(tokens)
        assert P + T <= bart.positions, "the decoders keep outputs within the model's positions"
        x = bart.embed_tokens(tokens, bart.decoder_positions[P : P + T], bart.decoder_norm)
        mask = None if T == 1 else bart.causal[P : P + T, : P + T]  # causal among the new tokens
        for layer, kv, cross in zip(bart.decoder_layers, self.buffers, self.cross, strict=True):
            qkv = _split(F.linear(x, *layer.qkv), 3, bart.heads)
            kv[:, :, :, P : P + T] = qkv[1:]
            y = F.scaled_dot_product_attention(qkv[0], kv[0, :, :, : P + T], kv[1, :, :, : P + T], attn_mask=mask)
            x = _residual(x, y, layer.self_out, layer.self_norm)
            q = _split(F.linear(x, *layer.cross_q), 1, bart.heads)[0]
            x = _feed_forward(_residual(x, F.scaled_dot_product_attention(q, *cross), layer.cross_out,
                                        layer.cross_norm), layer)
        self.n = P + T
        return F.linear(x[0], *bart.output)

    def crop(self, remove: int) -> None:
        """Forget the last `-remove` positions (HF's convention: a negative count removes)."""
        self.n += min(remove, 0)
