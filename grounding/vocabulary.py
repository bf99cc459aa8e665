"""Open-vocabulary naming: a phrase scored against every node's name, class and aliases by sentence embeddings,
the lexicon deciding first; settings in `data/lexicon/open_vocabulary.yaml` (chosen on the dev split)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .embed import Embedder
from .errors import GroundingError
from .lexicon import default_lexicon_path
from .scene import SceneGraph
from .sources import load_model

__all__ = ["OpenVocabulary", "VocabularySettings", "MODES", "default_settings_path"]

MODES = ("lexicon", "embeddings", "both")   # names by the lexicon alone, by embeddings alone, lexicon then embeddings


class VocabularySettings(BaseModel):
    """The thresholds of open-vocabulary naming and where they were chosen."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    threshold: float = Field(ge=-1, le=1)     # cosine a phrase needs with a node's term to name the node
    margin: float = Field(ge=0, le=2)         # nodes within this of the best are as good: a clarification
    chosen_on: str = ""                       # the data and command the values come from

    @classmethod
    def load(cls, path: str | Path) -> VocabularySettings:
        """Read and validate a settings file; errors name the file, the line and the field."""
        return load_model(cls, path, GroundingError, "open-vocabulary field")


def default_settings_path() -> Path:
    """The shipped settings, beside the lexicon."""
    return default_lexicon_path().with_name("open_vocabulary.yaml")


@dataclass(frozen=True)
class _TermIndex:
    """A scene's naming terms, their unit vectors (T, D) and the nodes each names."""

    terms: tuple[str, ...]
    vectors: np.ndarray
    nodes: tuple[tuple[str, ...], ...]


@dataclass
class OpenVocabulary:
    """Names nodes by meaning: `nearest(scene, phrase, kinds)`. Term vectors are computed once per scene.

    Examples
    --------
    >>> from grounding.embed import MiniLMEmbedder
    >>> scene = SceneGraph.from_dict({"objects": [{"id": "pc", "class": "computer"}, {"id": "b", "class": "bed"}]})
    >>> OpenVocabulary(MiniLMEmbedder(), 0.5, 0.05).nearest(scene, "laptop", ("object",))[0]  # doctest: +SKIP
    ('pc',)
    """

    embedder: Embedder
    threshold: float
    margin: float
    mode: str = "both"
    _indexes: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES[1:]:
            raise ValueError(f"unknown open-vocabulary mode {self.mode!r}; known: {', '.join(MODES[1:])}")

    @classmethod
    def load(cls, embedder: Embedder, path: str | Path | None = None, mode: str = "both") -> OpenVocabulary:
        """With the settings of `path` (default: the shipped ones)."""
        settings = VocabularySettings.load(path or default_settings_path())
        return cls(embedder, settings.threshold, settings.margin, mode)

    @property
    def lexicon_first(self) -> bool:
        """Whether the lexicon's words decide before embeddings are asked."""
        return self.mode == "both"

    def index(self, scene: SceneGraph) -> _TermIndex:
        """The scene's term index, built on first use (one batch of the terms no phrase cache holds)."""
        found = self._indexes.get(scene)
        if found is None:
            found = self._indexes[scene] = self._build(scene)
        return found

    def _build(self, scene: SceneGraph) -> _TermIndex:
        named: dict[str, list[str]] = {}
        for node in scene.nodes.values():
            for term in node.terms:
                named.setdefault(term, []).append(node.id)
        terms = tuple(sorted(named))
        vectors = self.embedder.encode(terms) if terms else np.zeros((0, 1), np.float32)
        return _TermIndex(terms, vectors, tuple(tuple(named[t]) for t in terms))

    def prepare(self, phrases: Iterable[str]) -> None:
        """Embed the phrases of one parse in one batch (the later `nearest` calls find them cached)."""
        self.embedder.encode(list(dict.fromkeys(phrases)))

    def nearest(self, scene: SceneGraph, phrase: str, kinds: tuple[str, ...]) -> tuple[tuple[str, ...], float]:
        """The nodes of `kinds` whose best term is within `margin` of the best score, if that reaches
        `threshold`; with the best score. ((), 0.0) when nothing comes close enough."""
        index = self.index(scene)
        if not index.terms:
            return (), 0.0
        sims = index.vectors @ self.embedder.encode([phrase])[0]               # (T,)
        best, out = None, []
        for t in np.argsort(-sims):
            if best is not None and sims[t] < best - self.margin:
                break
            nodes = [n for n in index.nodes[t] if scene[n].kind in kinds]
            if nodes and best is None and sims[t] < self.threshold:
                return (), 0.0
            if nodes:
                best = float(sims[t]) if best is None else best
                out += nodes
        return tuple(dict.fromkeys(out)), best or 0.0
