"""The generative baseline's model: a small BART, its config, save and load, and what decoders need of it."""

from __future__ import annotations

import copy
import json
import re
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..encoder import quietly
from ..errors import DataError, ModelError
from ..files import read_text, sha256_file, synced, write_atomic
from .format import Bounds, Labels
from .index import JsonIndex
from .lean import KVCache, LeanBart
from .tokenizer import BOS, EOS, PAD, FormatTokens, wrap_tokenizer

__all__ = ["GenerativeConfig", "build_model", "GenerativeModel", "save_generative", "load_generative"]

GEN_CONFIG = "generative.json"  # the file of a checkpoint folder that says what the rest of it is
_WEIGHTS = "model.safetensors"  # what `save_pretrained` writes into the weights subfolder
FORMAT = 2  # 2: the weights in a subfolder named by their sha256
_SAVED = re.compile(r"weights-[0-9a-f]{16}")  # the subfolder names save_generative gives


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


def _not_generative(folder: Path, problem: str) -> ModelError:
    return ModelError(f"{folder}: not a generative checkpoint ({problem})")


def _read_meta(folder: Path) -> dict:
    """generative.json of `folder`, with the fields that locate and check the weights."""
    try:
        meta = json.loads(read_text(folder / GEN_CONFIG))
    except DataError as err:
        raise _not_generative(folder, str(err)) from err
    except ValueError as err:
        raise _not_generative(folder, f"{GEN_CONFIG} is not JSON: {err}") from err
    if not isinstance(meta, dict):
        raise _not_generative(folder, f"{GEN_CONFIG} holds no object")
    if meta.get("format") == 1:
        raise _not_generative(folder, f"saved by an older tage (format 1, weights in the folder itself); this tage "
                                      f"reads format {FORMAT}: retrain with `tage train --model generative`, or move "
                                      f"config.json, generation_config.json, model.safetensors and tokenizer.json "
                                      f"into weights-<first 16 hex digits of the weights' sha256>/ and add "
                                      f"'weights' and 'weights_sha256' to {GEN_CONFIG}")
    if meta.get("format") != FORMAT:
        raise _not_generative(folder, f"{GEN_CONFIG}: format {meta.get('format')!r}, this tage reads {FORMAT}")
    for key in ("weights", "weights_sha256", "config", "labels"):
        if key not in meta:
            raise _not_generative(folder, f"{GEN_CONFIG} has no {key!r}")
    if not isinstance(meta["weights"], str) or not _SAVED.fullmatch(meta["weights"]):
        raise _not_generative(folder, f"{GEN_CONFIG}: 'weights' must name a weights-<16 hex digits> subfolder, "
                                      f"not {meta['weights']!r}")
    return meta


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
    the weights' sha256 (written beside it and synced first), then `generative.json` naming it (replaced
    atomically), then the subfolder the previous `generative.json` named removed: a save killed at any moment
    leaves the previous checkpoint or the new one, whole."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous = _previous_weights(folder)
    staging = folder / f".staging-{secrets.token_hex(8)}"
    staging.mkdir()  # the mode mkdir gives (0777 less the umask): the folder becomes the checkpoint's
    try:
        copy.deepcopy(gm.model).half().save_pretrained(staging, safe_serialization=True)
        gm.tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        synced(staging)
        digest = sha256_file(staging / _WEIGHTS)
        weights = folder / f"weights-{digest[:16]}"
        if weights.is_dir():  # the same weights saved before (and named by the config) stay as they are
            shutil.rmtree(staging)
        else:
            staging.rename(weights)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    meta = {"format": FORMAT, "weights": weights.name, "weights_sha256": digest, "config": asdict(gm.config),
            "labels": asdict(gm.labels), **(extra or {})}
    write_atomic(folder / GEN_CONFIG, json.dumps(meta, indent=2) + "\n")
    if previous is not None and previous != weights:
        shutil.rmtree(previous, ignore_errors=True)
    return folder


def _previous_weights(folder: Path) -> Path | None:
    """The weights subfolder that `folder`'s generative.json names, if it is one `save_generative` made."""
    try:
        name = json.loads(read_text(folder / GEN_CONFIG)).get("weights")
    except (DataError, ValueError, AttributeError):
        return None
    return folder / name if isinstance(name, str) and _SAVED.fullmatch(name) else None


def load_generative(folder: str | Path) -> GenerativeModel:
    """The model saved by `save_generative` in float32 eval mode, its weights' sha256 checked; `ModelError` names
    the folder and what is missing or damaged."""
    from tokenizers import Tokenizer
    from transformers import BartForConditionalGeneration

    folder = Path(folder)
    meta = _read_meta(folder)
    weights = folder / meta["weights"]
    if not (weights / _WEIGHTS).is_file():
        raise _not_generative(folder, f"{weights / _WEIGHTS} is missing")
    if sha256_file(weights / _WEIGHTS) != meta["weights_sha256"]:
        raise _not_generative(folder, f"{weights / _WEIGHTS}: sha256 does not match {GEN_CONFIG} (corrupt or "
                                      "replaced weights)")
    try:
        cfg = dict(meta["config"])
        config = GenerativeConfig(**{**cfg, "bounds": Bounds(**cfg["bounds"])})
        labels = Labels(**{k: tuple(v) for k, v in meta["labels"].items()})
        tokenizer = wrap_tokenizer(Tokenizer.from_file(str(weights / "tokenizer.json")))
        model = quietly(lambda: BartForConditionalGeneration.from_pretrained(
            weights, dtype=torch.float32, use_safetensors=True, local_files_only=True))
    except Exception as err:  # wrong-typed metadata, transformers' and tokenizers' own errors for damaged files
        raise _not_generative(folder, str(err)) from err
    built = build_model(config)  # the generation settings of `build_model`, whatever the saved defaults
    model.generation_config = built.generation_config
    if len(tokenizer) != model.config.vocab_size:
        raise ModelError(f"{folder}: tokenizer has {len(tokenizer)} tokens, model {model.config.vocab_size}")
    return GenerativeModel(model, tokenizer, labels, config)
