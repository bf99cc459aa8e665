"""The label inventory a parse is checked against: task types, roles, grounding classes, attribute types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import DataError
from .parse import Parse, parse_json_schema

__all__ = ["Vocabulary"]


@dataclass(frozen=True)
class Vocabulary:
    """Closed label sets; `check` says whether a parse uses only them."""

    task_types: tuple[str, ...]
    roles: tuple[str, ...]
    classes: tuple[str, ...]
    attributes: tuple[str, ...]

    @classmethod
    def from_dir(cls, folder: str | Path) -> Vocabulary:
        """Read `tasks.txt`, `args.txt`, `grounding.txt` and `attributes.txt` (one label per line)."""
        folder = Path(folder)
        return cls(*(_read_labels(folder / name) for name in
                     ("tasks.txt", "args.txt", "grounding.txt", "attributes.txt")))

    def problems(self, parse: Parse) -> list[str]:
        """What in `parse` is outside this vocabulary (empty when it conforms)."""
        found = []
        for i, task in enumerate(parse.tasks):
            if task.type not in self.task_types:
                found.append(f"task {i}: unknown task type {task.type!r}")
            for arg in task.arguments:
                found += _unknown(f"task {i} ({task.type})", "role", arg.role, self.roles)
                found += _unknown(f"task {i} ({task.type}) {arg.role}", "grounding class",
                                  arg.grounding, self.classes)
                for att in arg.attributes:
                    found += _unknown(f"task {i} ({task.type}) {arg.role}", "attribute",
                                      att.type, self.attributes)
        return found

    def json_schema(self) -> dict:
        """The JSON Schema of a `Parse` restricted to this vocabulary."""
        return parse_json_schema(self.task_types, self.roles, self.classes)


def _unknown(where: str, what: str, label: str, known: tuple[str, ...]) -> list[str]:
    return [] if label in known else [f"{where}: unknown {what} {label!r}"]


def _read_labels(path: Path) -> tuple[str, ...]:
    try:
        labels = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError as err:
        raise DataError(f"{path}: cannot read label list ({err.strerror})") from err
    if not labels:
        raise DataError(f"{path}: label list is empty")
    if len(set(labels)) != len(labels):
        raise DataError(f"{path}: label list repeats a label")
    return labels
