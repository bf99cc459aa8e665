"""The shipped defaults, loaded once: the tagE vocabulary, the skill library, the model folder, the cache."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from decoding.vocabulary import Vocabulary

from .resources import data_path, skills_dir

__all__ = ["default_vocabulary", "default_labels_dir", "default_model_dir", "default_generative_dir", "load_library",
           "rule_parser", "cache_dir", "DEFAULT_TRAIN", "DEFAULT_DEV", "DEFAULT_TEST"]

DEFAULT_TRAIN, DEFAULT_DEV, DEFAULT_TEST = "train.jsonl", "dev.jsonl", "test.jsonl"


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The 16 task types, 17 roles, 88 grounding classes and the attribute marks of tagE."""
    return Vocabulary.from_dir(default_labels_dir())


def default_labels_dir() -> Path:
    """The tagE label files (`tasks.txt`, `args.txt`, `grounding.txt`, ...)."""
    return data_path("tage", "raw", "labels")


def default_model_dir() -> Path:
    """The shipped extractor checkpoint (safetensors + config.json)."""
    return data_path("models", "extractor")


def default_generative_dir() -> Path:
    """The shipped generative baseline (a small BART writing compact JSON; `decoding.generative`)."""
    return data_path("models", "generative")


@lru_cache(maxsize=8)
def _skills(stamps: tuple[tuple, ...]) -> tuple:
    from grounding import SkillLibrary

    return tuple(SkillLibrary.load([stamp[0] for stamp in stamps]).skills.values())  # frozen Skills: safe to share


def _stamp(path: Path) -> tuple:
    """A skill path with the size and modification time of each of its skill files: an edited file is read
    again."""
    from grounding.skills import skill_files

    stamps: list = [str(path)]
    for file in skill_files(path):
        try:
            status = file.stat()
        except OSError:  # gone since it was listed: the load says so
            continue
        stamps.append((str(file), status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def load_library(skills: str | Path | Sequence[str | Path] | None = None):
    """The default skill library, with the skills of `skills` (files or folders) added or overriding by name.

    The files are read once until they change; each call gets a library of its own, so a caller that changes it
    changes no other's."""
    from grounding import SkillLibrary

    extra = [] if skills is None else [skills] if isinstance(skills, str | Path) else list(skills)
    return SkillLibrary(_skills(tuple(_stamp(Path(p).resolve()) for p in [skills_dir(), *extra])))


@lru_cache(maxsize=1)
def _lexicon():
    from decoding.rules import Lexicon

    return Lexicon.load(data_path("rules", "lexicon.yaml"), default_labels_dir())


def rule_parser():
    """The rule extractor with the shipped lexicon: the baseline, and the word features the model reads. The
    lexicon is read once; each parser holds a copy of its own."""
    from decoding.rules import RuleParser

    return RuleParser(copy.deepcopy(_lexicon()))


def open_vocabulary(naming: str = "both", runtime: str = "auto"):
    """How words name scene nodes (`grounding.vocabulary.MODES`): None for the lexicon alone; otherwise an
    `OpenVocabulary` whose encoder loads when a word first needs it, in ONNX Runtime (exported to the cache once)
    unless `runtime` is "torch" or ONNX Runtime is not installed. `GroundingError` names unknown modes."""
    from grounding import GroundingError, MiniLMEmbedder, OpenVocabulary
    from grounding.vocabulary import MODES

    if naming not in MODES:
        raise GroundingError(f"unknown naming {naming!r}; known: {', '.join(MODES)}")
    if naming == "lexicon":
        return None
    return OpenVocabulary.load(MiniLMEmbedder(onnx_cache=None if runtime == "torch" else cache_dir() / "onnx"),
                               mode=naming)


def cache_dir() -> Path:
    """Where compiled grammars are cached: $TAGE_CACHE_DIR, else $XDG_CACHE_HOME/tage, else ~/.cache/tage."""
    if os.environ.get("TAGE_CACHE_DIR"):
        return Path(os.environ["TAGE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tage"
