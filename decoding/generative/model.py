"""The generative baseline's model: a small BART, its config, save and load, and what decoders need of it."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..encoder import quietly
from ..errors import ModelError
from ..files import read_text, write_atomic
from .format import Bounds, Labels
from .index import JsonIndex
from .lean import KVCache, LeanBart
from .tokenizer import BOS, EOS, PAD, FormatTokens, wrap_tokenizer

__all__ = ["GenerativeConfig", "build_model", "GenerativeModel", "save_generative", "load_generative"]

GEN_CONFIG = "generative.json"  # the file of a checkpoint folder that says what the rest of it is
_WEIGHTS = "model.safetensors"  # what `save_pretrained` writes into the weights subfolder
FORMAT = 2  # 2: the weights in a subfolder named by their sha256


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
    """A trained seq2seq model, its tokenizer, labels and bounds; `start` is what the constrained decoders call."""

    def __init__(self, model, tokenizer, labels: Labels, config: GenerativeConfig):
        self.model, self.tokenizer, self.labels, self.config = model.eval(), tokenizer, labels, config
        self.bounds = config.bounds
        self.tokens = FormatTokens.of(tokenizer)
        self._index: JsonIndex | None = None
        self._lean: LeanBart | None = None
        self._pieces: dict[str, list[int]] = {}

    @property
    def index(self) -> JsonIndex:
        """The output format compiled over the vocabulary (built on first use: outlines-core takes a while)."""
        if self._index is None:
            self._index = JsonIndex(self.tokenizer, self.labels, self.bounds)
        return self._index

    def source_ids(self, instruction: str) -> list[int]:
        """The token ids of the instruction, as outlines encodes it (no special tokens), truncated."""
        return self.tokenizer(instruction)["input_ids"][: self.config.max_positions]

    def pieces(self, text: str) -> list[int]:
        """The token ids of `text` alone (cached): how the target spells a span copied from the instruction."""
        if text not in self._pieces:
            self._pieces[text] = self.tokenizer(text)["input_ids"]
        return self._pieces[text]

    def start(self, instruction: str) -> KVCache:
        """The decoder cache of `instruction` (its encoder pass done), to `run` output tokens through; under
        `torch.inference_mode()`."""
        if self._lean is None:
            self._lean = LeanBart(self.model)
        return self._lean.start(self._lean.encode(self.source_ids(instruction) or [EOS]))


def save_generative(gm: GenerativeModel, folder: str | Path, extra: dict | None = None) -> Path:
    """fp16 safetensors weights (tied embeddings once), the HF config and `tokenizer.json` in a subfolder named by
    the weights' sha256, then `generative.json` naming it (replaced atomically), then older subfolders removed: a
    save killed at any moment leaves the previous checkpoint or the new one, whole."""
    import shutil

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    half = copy.deepcopy(gm.model).half()
    half.save_pretrained(staging, safe_serialization=True)
    gm.tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
    digest = _sha256(staging / _WEIGHTS)
    weights = folder / f"weights-{digest[:16]}"
    if weights.is_dir():
        shutil.rmtree(staging)
    else:
        staging.rename(weights)
    meta = {"format": FORMAT, "weights": weights.name, "weights_sha256": digest, "config": asdict(gm.config),
            "labels": asdict(gm.labels), **(extra or {})}
    write_atomic(folder / GEN_CONFIG, json.dumps(meta, indent=2) + "\n")
    for stale in {*folder.glob("weights-*"), *folder.glob(".staging-*")} - {weights}:
        shutil.rmtree(stale, ignore_errors=True)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_generative(folder: str | Path) -> GenerativeModel:
    """The model saved by `save_generative` in float32 eval mode, its weights' sha256 checked; `ModelError` names
    what is missing or damaged."""
    from tokenizers import Tokenizer
    from transformers import BartForConditionalGeneration

    folder = Path(folder)
    try:
        meta = json.loads(read_text(folder / GEN_CONFIG))
        if meta.get("format") != FORMAT:
            raise ModelError(f"{folder / GEN_CONFIG}: format {meta.get('format')!r}, this tage reads {FORMAT}")
        name = meta["weights"]
        if not isinstance(name, str) or not name.startswith("weights-") or Path(name).name != name:
            raise ModelError(f"{folder / GEN_CONFIG}: 'weights' must name a weights-* subfolder, not {name!r}")
        weights = folder / name
        if _sha256(weights / _WEIGHTS) != meta["weights_sha256"]:
            raise ModelError(f"{weights / _WEIGHTS}: sha256 does not match {folder / GEN_CONFIG}")
        cfg = dict(meta["config"])
        config = GenerativeConfig(**{**cfg, "bounds": Bounds(**cfg["bounds"])})
        labels = Labels(**{k: tuple(v) for k, v in meta["labels"].items()})
        tokenizer = wrap_tokenizer(Tokenizer.from_file(str(weights / "tokenizer.json")))
        model = quietly(lambda: BartForConditionalGeneration.from_pretrained(
            weights, dtype=torch.float32, use_safetensors=True, local_files_only=True))
    except Exception as err:
        raise ModelError(f"{folder}: not a generative checkpoint ({err})") from err
    built = build_model(config)  # the generation settings of `build_model`, whatever the saved defaults
    model.generation_config = built.generation_config
    if len(tokenizer) != model.config.vocab_size:
        raise ModelError(f"{folder}: tokenizer has {len(tokenizer)} tokens, model {model.config.vocab_size}")
    return GenerativeModel(model, tokenizer, labels, config)
