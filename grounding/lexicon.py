"""The grounding lexicon: synonyms, person words, pronouns, attribute, state and relation words, read from YAML."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from .errors import GroundingError
from .sources import load_model

__all__ = ["Lexicon", "RELATION_PREDICATES", "default_lexicon_path", "default_lexicon", "check_names"]

RELATION_PREDICATES = frozenset({"on", "in", "under", "part_of", "next_to", "near"})
_HERE = Path(__file__).resolve().parent


class _Pronouns(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    object: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    possessive: tuple[str, ...] = ()   # "bring Maria her mug": owned by a person named before


class Lexicon(BaseModel):
    """Everything the grounder knows about words; build with `Lexicon.load(path)` or `default_lexicon()`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    synonyms: dict[str, str] = {}                           # word or phrase -> class
    same_names: dict[str, tuple[str, ...]] = {}              # word or phrase -> names meaning the same thing
    people: dict[str, tuple[str, ...]] = {}                  # person node id -> words meaning it
    pronouns: _Pronouns = _Pronouns()
    self_words: tuple[str, ...] = ()                         # words for the robot itself
    agent_roles: tuple[str, ...] = ()                        # roles naming who acts ("robot can you ...")
    attributes: dict[str, dict[str, tuple[str, ...]]] = {}   # attribute -> value -> words
    states: dict[str, dict[str, bool]] = {}                  # adjective -> {state: value}
    relations: dict[str, tuple[str, ...]] = {}               # phrase -> predicates ("~on": the inverse of on)
    stopwords: tuple[str, ...] = ()
    narrows: dict[str, tuple[str, ...]] = {}                 # role -> roles it narrows (() = every other role)
    switched_by: dict[str, tuple[str, ...]] = {}             # device class -> classes of the switches working it
    affordance_implies: dict[str, tuple[str, ...]] = {}
    room_words: tuple[str, ...] = ()
    quantities: dict[str, int | Literal["all"]] = {}        # quantifier -> how many nodes it binds as a set
    not_plural: tuple[str, ...] = ()                         # words in -s that are not plurals ("news", "keys")
    substances: tuple[str, ...] = ()                         # "a glass of water": contents, not a landmark
    portions: tuple[str, ...] = ()                           # "a slice of bread": a bread slice, else the bread
    attribute_marks: dict[str, str] = {}                     # parse mark type -> attribute ("isColour": "color")
    structural: tuple[str, ...] = ()                         # classes of the building: no landmark in a question
    categories: dict[str, tuple[str, ...]] = {}              # category word -> its classes ("fruit": apple ...)
    others: tuple[str, ...] = ()                             # "the other mug": not the one named before
    purposes: dict[str, str] = {}                            # "something to drink": verb -> category word
    indefinites: tuple[str, ...] = ()                        # "something", "anything"

    @field_validator("relations")
    @classmethod
    def _known_predicates(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        check_names(value, RELATION_PREDICATES, "relation", "predicate", lambda p: p.lstrip("~"))
        return value

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """Read and validate a lexicon file; errors name the file, the field and the line."""
        return load_model(cls, path, GroundingError, "lexicon field")

    def model_post_init(self, _context: object) -> None:
        word_value = {w: (attr, value) for attr, values in self.attributes.items()
                      for value, words in values.items() for w in words}
        person = {w: node for node, words in self.people.items() for w in words}
        object.__setattr__(self, "_attribute_of", word_value)
        object.__setattr__(self, "_person_of", person)
        object.__setattr__(self, "_stop", frozenset(self.stopwords))
        object.__setattr__(self, "_max_relation", max((len(p.split()) for p in self.relations), default=1))
        joined = frozenset(p for p in self.synonyms if any(w in self.relations for w in p.split()[1:-1]))
        object.__setattr__(self, "_joined", joined)  # synonym phrases with a relation word inside
        object.__setattr__(self, "_max_joined", max((len(p.split()) for p in joined), default=0))

    def attribute(self, word: str) -> tuple[str, str] | None:
        """(attribute, canonical value) that `word` states, e.g. "grey" -> ("color", "gray")."""
        return self._attribute_of.get(word)

    def person(self, word: str) -> str | None:
        """The person node `word` means ("me" -> "user")."""
        return self._person_of.get(word)

    def is_stopword(self, word: str) -> bool:
        """True for words with no meaning for grounding ("the", "please")."""
        return word in self._stop

    def relation_at(self, words: list[str], i: int) -> tuple[int, tuple[str, ...]] | None:
        """The longest relation phrase starting at `words[i]`: (its length, its predicates)."""
        for n in range(min(self._max_relation, len(words) - i), 0, -1):
            predicates = self.relations.get(" ".join(words[i:i + n]))
            if predicates:
                return n, predicates
        return None

    def inside_phrase(self, words: list[str], i: int) -> bool:
        """Whether `words[i]` continues a phrase the synonyms name across a relation word: "of" and "drawers" in
        "chest of drawers" (no relation there, and no head of its own)."""
        return any(" ".join(words[start:start + n]) in self._joined
                   for n in range(3, self._max_joined + 1) for start in range(max(0, i - n + 1), i))

    def quantity(self, words: list[str]) -> int | str | None:
        """How many nodes `words` ask for as a set: a number, "all", or None (no quantifier)."""
        joined = f" {' '.join(words)} "
        return next((n for q, n in self.quantities.items() if f" {q} " in joined), None)

    def plural(self, word: str) -> bool:
        """Whether `word` looks like a plural noun ("plates", "boxes"; not "glass", "news")."""
        return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) \
            and word not in self.not_plural

    def category(self, word: str) -> tuple[str, ...]:
        """The classes a category word names, plural or not ("toys": teddy_bear, ball ...); () for other words."""
        # any word in -s, not only what `plural` calls one: "dishes" names one thing too, its category is the dish's
        for form in (word, word[:-1], word[:-2]) if word.endswith("s") else (word,):
            if form in self.categories:   # a category may list another one ("veggie": [vegetable])
                return tuple(dict.fromkeys(c for name in self.categories[form]
                                           for c in self.categories.get(name, (name,))))
        return ()

    def says_other(self, words: Iterable[str]) -> bool:
        """Whether `words` ask for another one than named before ("the other mug", "another cup")."""
        return any(w.lower() in self.others for w in words)

    def implied_affordances(self, affordances: tuple[str, ...]) -> frozenset[str]:
        """`affordances` with the ones they imply ("pickable" brings "movable")."""
        return frozenset(affordances).union(*(self.affordance_implies.get(a, ()) for a in affordances))


def check_names(table: dict[str, tuple[str, ...]], known: Iterable[str], key: str, item: str,
                normal: Callable[[str], str] = str) -> None:
    """Raise `ValueError` at the first name of `table`'s lists that is not in `known` ("class 'cup' names unknown
    affordance 'pickabel' (known: ...)")."""
    known = sorted(known)
    for name, names in table.items():
        unknown = [n for n in names if normal(n) not in known]
        if unknown:
            raise ValueError(f"{key} {name!r} names unknown {item} {unknown[0]!r} (known: {', '.join(known)})")


def default_lexicon_path() -> Path:
    """The shipped lexicon: `data/lexicon/lexicon.yaml` in a checkout, `agent/data/...` in a wheel."""
    for root in (_HERE.parent / "data", _HERE.parent / "agent" / "data"):
        if (root / "lexicon" / "lexicon.yaml").is_file():
            return root / "lexicon" / "lexicon.yaml"
    raise GroundingError(f"the shipped lexicon data/lexicon/lexicon.yaml is missing beside {_HERE}")


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon, read once."""
    return Lexicon.load(default_lexicon_path())
