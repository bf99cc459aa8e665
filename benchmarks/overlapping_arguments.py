"""Checkpoints that go on after a task's arguments: how many instructions of a set get a task with one role twice
over overlapping words ("on" and "on the" as Operational_state), or two arguments whose spans cross.

    python benchmarks/overlapping_arguments.py [--models DIR ...] [--backend speculative] [--data FILE.jsonl ...]

No gold tagE parse has either (train, dev and test; spans nested under other roles are common, and the same span
under two roles, Goal and Area). A checkpoint that degenerates this way on robot commands tagE dev hardly has
("turn on the lamp in the bedroom") is caught here; the default sets are the grounding cases and tagE dev.
"""

import argparse
import json

from agent.parsers import make_parser
from agent.resources import data_path
from decoding.files import read_jsonl
from decoding.parse import Parse


def overlapping(parse: Parse) -> bool:
    """Whether a task of `parse` has a role twice over overlapping words, or two arguments whose spans cross (overlap
    with neither inside the other)."""
    for task in parse.tasks:
        args = [(a.role, a.span.start, a.span.end) for a in task.arguments]
        for i, (role, s, e) in enumerate(args):
            for role2, s2, e2 in args[i + 1:]:
                nested = s <= s2 <= e2 <= e or s2 <= s <= e <= e2
                if s <= e2 and s2 <= e and (role == role2 or not nested):
                    return True
    return False


def run(models: list[str | None], backend: str, sets: list[str]) -> dict:
    texts = {name: [row["instruction"] for _, row in read_jsonl(name)] for name in sets}
    out = {}
    for model in models:
        parser = make_parser(backend, model=model)
        out[model or "shipped"] = {name: {"n": len(items), "overlapping": sum(overlapping(parser.parse(t))
                                                                               for t in items)}
                                   for name, items in texts.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=[None], help="checkpoint folders (default: the shipped one)")
    ap.add_argument("--backend", default="speculative")
    ap.add_argument("--data", nargs="+", default=[str(data_path("grounding", "cases.jsonl")),
                                                  str(data_path("tage", "dev.jsonl"))])
    args = ap.parse_args()
    print(json.dumps(run(args.models, args.backend, args.data), indent=2))


if __name__ == "__main__":
    main()
