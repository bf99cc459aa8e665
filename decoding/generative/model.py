"""The generative baseline's model: a small BART, its config, a lean KV-cached decoder step, save and load."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..errors import ModelError
from ..files import read_text, write_atomic
from .format import Bounds, Labels
from .index import JsonIndex
from .tokenizer import BOS, EOS, PAD, wrap_tokenizer

__all__ = ["GenerativeConfig", "build_model", "GenerativeModel", "KVCache", "save_generative", "load_generative"]

GEN_CONFIG = "generative.json"  # the file of a checkpoint folder that says what the rest of it is


@dataclass
class GenerativeConfig:
    """The seq2seq model: a small BART trained from scratch, embeddings tied."""

    vocab_size: int = 1215        # set from the tokenizer
    d_model: int = 256            # width of every layer
    layers: int = 3               # encoder layers, and as many decoder layers
    heads: int = 4                # attention heads (64 dimensions each)
    ffn: int = 1024               # feed-forward width
    dropout: float = 0.1          # on residuals and attention
    max_positions: int = 256      # learned positions, source and target
    bounds: Bounds = field(default_factory=Bounds)


def build_model(config: GenerativeConfig):
    """A `BartForConditionalGeneration` of `config`, with generation defaults that cannot cut the JSON short."""
    from transformers import BartConfig, BartForConditionalGeneration

    bart = BartConfig(vocab_size=config.vocab_size, d_model=config.d_model, encoder_layers=config.layers,
                      decoder_layers=config.layers, encoder_attention_heads=config.heads,
                      decoder_attention_heads=config.heads, encoder_ffn_dim=config.ffn, decoder_ffn_dim=config.ffn,
                      dropout=config.dropout, attention_dropout=config.dropout, max_position_embeddings=
                      config.max_positions, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                      decoder_start_token_id=BOS, forced_bos_token_id=None,
                      forced_eos_token_id=None,  # BART's default 2 makes every logit -inf at the length limit
                      scale_embedding=True, tie_word_embeddings=True)
    model = BartForConditionalGeneration(bart)
    gen = model.generation_config
    gen.forced_eos_token_id = gen.forced_bos_token_id = None
    gen.decoder_start_token_id, gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = BOS, BOS, EOS, PAD
    gen.do_sample, gen.num_beams, gen.no_repeat_ngram_size = False, 1, 0
    gen.max_length = None
    return model


class GenerativeModel:
    """A trained seq2seq model, its tokenizer, labels and bounds; `encode` and `step` are what decoders call."""

    def __init__(self, model, tokenizer, labels: Labels, config: GenerativeConfig):
        self.model, self.tokenizer, self.labels, self.config = model.eval(), tokenizer, labels, config
        self.bounds = config.bounds
        self._index: JsonIndex | None = None
        self._pieces: dict[str, list[int]] = {}

    @property
    def index(self) -> JsonIndex:
        if self._index is None:
            self._index = JsonIndex(self.tokenizer, self.labels, self.bounds)
        return self._index

    def source_ids(self, instruction: str) -> torch.Tensor:
        """(1, S) token ids of the instruction, as outlines encodes it (no special tokens), truncated."""
        ids = self.tokenizer(instruction, return_tensors="pt")["input_ids"]
        return ids[:, : self.config.max_positions]

    def pieces(self, text: str) -> list[int]:
        """The token ids of `text` alone (cached): how the target spells a span copied from the instruction."""
        if text not in self._pieces:
            self._pieces[text] = self.tokenizer(text)["input_ids"]
        return self._pieces[text]

    @torch.no_grad()
    def encode(self, instruction: str):
        ids = self.source_ids(instruction)
        if ids.shape[1] == 0:
            ids = torch.tensor([[EOS]])
        return self.model.get_encoder()(input_ids=ids, attention_mask=torch.ones_like(ids)), ids.shape[1]

    @torch.no_grad()
    def step(self, encoded, tokens: Sequence[int], cache: KVCache | None):
        """(logits (T, V) of the next token after each of `tokens`, cache): one decoder pass over new tokens."""
        if cache is None:
            cache = KVCache.start(self.model, encoded[0].last_hidden_state)
        return cache.run(self.model, tokens), cache

    @torch.no_grad()
    def step_hf(self, encoded, tokens: Sequence[int], cache):
        """`step` through HF's forward (the reference the lean step is tested against)."""
        enc, n = encoded
        out = self.model(encoder_outputs=enc, attention_mask=torch.ones(1, n, dtype=torch.long),
                         decoder_input_ids=torch.tensor([list(tokens)]), cache=cache, use_cache=True)
        return out.logits[0], out.cache


def _heads(x: torch.Tensor, h: int) -> torch.Tensor:
    B, T, C = x.shape
    return x.view(B, T, h, C // h).transpose(1, 2)  # (B, h, T, C/h)


def _merge(x: torch.Tensor) -> torch.Tensor:
    B, h, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, h * d)  # (B, T, C)


class KVCache:
    """The BART decoder's keys and values, run without HF's per-call machinery: the same weights and math
    (post-norm layers, learned positions offset by 2, tied output layer plus its bias), a tenth of the overhead."""

    def __init__(self, cross: list[tuple[torch.Tensor, torch.Tensor]], heads: int):
        self.cross, self.heads, self.n = cross, heads, 0
        self.keys: list[torch.Tensor | None] = [None] * len(cross)
        self.values: list[torch.Tensor | None] = [None] * len(cross)

    @classmethod
    def start(cls, model, memory: torch.Tensor) -> KVCache:
        """The cache of one instruction: cross-attention keys and values of the encoder output (1, S, C)."""
        h = model.config.decoder_attention_heads
        layers = model.get_decoder().layers
        return cls([(_heads(la.encoder_attn.k_proj(memory), h), _heads(la.encoder_attn.v_proj(memory), h))
                    for la in layers], h)

    def get_seq_length(self) -> int:
        return self.n

    def crop(self, remove: int) -> None:
        """Forget the last `-remove` positions (HF's convention: a negative count removes)."""
        if remove < 0:
            self.n += remove
            self.keys = [k[:, :, : self.n] for k in self.keys]
            self.values = [v[:, :, : self.n] for v in self.values]

    def run(self, model, tokens: Sequence[int]) -> torch.Tensor:
        F = torch.nn.functional
        dec, h, P, T = model.get_decoder(), self.heads, self.n, len(tokens)
        x = dec.embed_tokens(torch.tensor([list(tokens)])) + dec.embed_positions.weight[P + 2 : P + 2 + T][None]
        x = dec.layernorm_embedding(x)  # (1, T, C)
        mask = None if T == 1 else torch.ones(T, P + T, dtype=torch.bool).tril(P)  # causal among the new tokens
        for i, layer in enumerate(dec.layers):
            a = layer.self_attn
            k, v = _heads(a.k_proj(x), h), _heads(a.v_proj(x), h)
            if self.keys[i] is not None:
                k, v = torch.cat([self.keys[i], k], 2), torch.cat([self.values[i], v], 2)
            self.keys[i], self.values[i] = k, v
            y = F.scaled_dot_product_attention(_heads(a.q_proj(x), h), k, v, attn_mask=mask)
            x = layer.self_attn_layer_norm(x + a.out_proj(_merge(y)))
            c = layer.encoder_attn
            y = F.scaled_dot_product_attention(_heads(c.q_proj(x), h), *self.cross[i])
            x = layer.encoder_attn_layer_norm(x + c.out_proj(_merge(y)))
            x = layer.final_layer_norm(x + layer.fc2(layer.activation_fn(layer.fc1(x))))
        self.n = P + T
        return (model.lm_head(x) + model.final_logits_bias)[0]  # (T, V)


def save_generative(gm: GenerativeModel, folder: str | Path, extra: dict | None = None) -> Path:
    """fp16 safetensors weights (tied embeddings once), the HF config, `tokenizer.json` and `generative.json`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(gm.model).half()
    half.save_pretrained(folder, safe_serialization=True)
    gm.tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    meta = {"format": 1, "config": asdict(gm.config), "labels": asdict(gm.labels), **(extra or {})}
    write_atomic(folder / GEN_CONFIG, json.dumps(meta, indent=2) + "\n")
    return folder


def load_generative(folder: str | Path) -> GenerativeModel:
    """The model saved by `save_generative` in float32 eval mode; `ModelError` names what is missing."""
    from tokenizers import Tokenizer
    from transformers import BartForConditionalGeneration

    folder = Path(folder)
    try:
        meta = json.loads(read_text(folder / GEN_CONFIG))
        cfg = dict(meta["config"])
        config = GenerativeConfig(**{**cfg, "bounds": Bounds(**cfg["bounds"])})
        labels = Labels(**{k: tuple(v) for k, v in meta["labels"].items()})
        tokenizer = wrap_tokenizer(Tokenizer.from_file(str(folder / "tokenizer.json")))
        model = BartForConditionalGeneration.from_pretrained(folder, dtype=torch.float32, use_safetensors=True)
    except Exception as err:
        raise ModelError(f"{folder}: not a generative checkpoint ({err})") from err
    built = build_model(config)  # the generation settings of `build_model`, whatever the saved defaults
    model.generation_config = built.generation_config
    if len(tokenizer) != model.config.vocab_size:
        raise ModelError(f"{folder}: tokenizer has {len(tokenizer)} tokens, model {model.config.vocab_size}")
    return GenerativeModel(model, tokenizer, labels, config)
