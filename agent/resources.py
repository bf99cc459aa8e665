"""Where the shipped data lives: `skills/` and `data/` beside the packages, or inside `agent/` in a wheel."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "skills_dir", "data_path"]

_HERE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # A wheel maps the top-level folder into the package (pyproject force-include); a checkout has it at the top.
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped folder {name!r} is missing from {_HERE} and {_HERE.parent}")


def data_dir() -> Path:
    """The folder of shipped datasets, scenes and model checkpoints."""
    return _shipped("data")


def skills_dir() -> Path:
    """The folder of the default YAML skill library."""
    return _shipped("skills")


def data_path(*parts: str) -> Path:
    """A path inside `data_dir()`, e.g. ``data_path("scenes", "kitchen.yaml")``."""
    return data_dir().joinpath(*parts)
