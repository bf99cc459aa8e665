"""Problems found in an input file: each names the file, the item or line, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from decoding.errors import TageError

__all__ = ["AnnotationError", "Problem", "Problems"]


class AnnotationError(TageError):
    """An annotation file that cannot be used; the message lists its problems. The CLI exits with code 2."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one item of a file."""

    file: str
    where: str  # "line 3", "item 12 (task id 40)", ...
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass
class Problems:
    """The problems of one file, collected while the rest of it is processed.

    Examples
    --------
    >>> found = Problems("gold.jsonl")
    >>> found.add("line 2", "unknown role 'Thmee'")
    >>> print(found.summary(10))
    gold.jsonl: 1 problem in 10 items
    """

    file: str
    items: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(Problem(self.file, where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def summary(self, n_items: int) -> str:
        """One line: how many problems in how many items."""
        count = len(self.items)
        return f"{self.file}: {count} problem{'s' * (count != 1)} in {n_items} items"

    def raise_if_any(self, n_items: int) -> None:
        """Raise an `AnnotationError` listing every problem, if there is one."""
        if self.items:
            raise AnnotationError("\n".join([*map(str, self.items), self.summary(n_items)]))
