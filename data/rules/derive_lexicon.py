"""Proposes rule-lexicon entries from the TRAIN split: triggers, head nouns -> classes, prepositions -> roles.

Run `python data/rules/derive_lexicon.py [data/tage/train.jsonl]`; it prints counts to curate by hand into
`data/rules/lexicon.yaml`. It never reads dev or test.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from decoding.files import read_parses

__all__ = ["propose"]

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "data" / "tage" / "train.jsonl"


def propose(path: Path = TRAIN) -> dict[str, dict[str, Counter]]:
    """Counters of evidence: trigger text -> task type, head word -> class, (task type, word before) -> role,
    attribute word -> attribute type."""
    found: dict[str, dict[str, Counter]] = {k: defaultdict(Counter) for k in ("triggers", "heads", "roles", "marks")}
    for parse in read_parses(path):
        tokens = [t.lower() for t in parse.tokens]
        for task in parse.tasks:
            found["triggers"][task.trigger.text.lower()][task.type] += 1
            for arg in task.arguments:
                found["heads"][tokens[arg.span.end]][arg.grounding] += 1
                before = tokens[arg.span.start - 1] if arg.span.start else "^"
                found["roles"][f"{task.type} {before}"][arg.role] += 1
                for mark in arg.attributes:
                    found["marks"][mark.span.text.lower()][mark.type] += 1
    return found


def main(argv: list[str]) -> None:
    found = propose(Path(argv[0]) if argv else TRAIN)
    for section, table in found.items():
        print(f"# {section}")
        for key, counts in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"{key!r}: {dict(counts.most_common(4))}")


if __name__ == "__main__":
    main(sys.argv[1:])
