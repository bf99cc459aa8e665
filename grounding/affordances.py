"""Default affordances by class: the data table of `data/lexicon/affordances.yaml`, validated when loaded."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from .errors import SceneError
from .lexicon import check_names, default_lexicon_path
from .sources import load_model

__all__ = ["AffordanceTable", "default_affordances"]


class AffordanceTable(BaseModel):
    """Class -> the affordances its objects have when a scene states none (`AffordanceTable.load(path)`).

    Examples
    --------
    >>> table = AffordanceTable(known=("pickable", "receptacle"), classes={"cup": ("pickable",)})
    >>> table.of("cup"), table.of("spaceship")
    (frozenset({'pickable'}), None)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    known: tuple[str, ...]                                 # every affordance name a class or scene may use
    classes: dict[str, tuple[str, ...]] = {}               # class -> default affordances

    @model_validator(mode="after")
    def _only_known(self) -> AffordanceTable:
        check_names(self.classes, self.known, "class", "affordance")
        return self

    @classmethod
    def load(cls, path: str | Path) -> AffordanceTable:
        """Read and validate a table; errors name the file, the line and the field."""
        return load_model(cls, path, SceneError, "affordance table field")

    def of(self, cls: str) -> frozenset[str] | None:
        """The default affordances of `cls`, None when the table does not know the class."""
        found = self.classes.get(cls)
        return None if found is None else frozenset(found)


@lru_cache(maxsize=1)
def default_affordances() -> AffordanceTable:
    """The shipped table, read once."""
    return AffordanceTable.load(default_lexicon_path().with_name("affordances.yaml"))
