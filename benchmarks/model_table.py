"""Extractor checkpoints side by side on tagE dev, tagE test and the four out-of-domain sets, with the rule baseline.

    python benchmarks/model_table.py [--models DIR ...] [--backends speculative hybrid] [--margins M ...] [--json]

Each checkpoint (default: the shipped one) is decoded with each of `--backends` and scored with the reference
metric (`tage eval`); the rule baseline is the first row. Also the expected calibration error of argument scores on
dev. `--margins` adds a row per hybrid margin (the speculative decoder keeping a drafted choice within that many
logits of the model's best). Prints a Markdown table (docs/model.md) or JSON.
"""

import argparse
import json

from agent.parsers import make_parser
from agent.resources import data_path
from decoding.files import read_parses
from decoding.metrics import correctness, expected_calibration_error, score
from decoding.parser import Words
from decoding.speculative import SpeculativeDecoder

# ood2, ood3, ood4: evaluation only, never used to choose anything
SETS = {"dev": ("tage", "dev.jsonl"), "test": ("tage", "test.jsonl"), "ood": ("ood", "ood.jsonl"),
        "ood2": ("ood2", "ood2.jsonl"), "ood3": ("ood3", "ood3.jsonl"), "ood4": ("ood4", "ood4.jsonl")}
PARTS = {"ood3-175": ("ood3", 175)}  # ood3 without its last style, mixed_verbs (data/ood3/README.md says why)
FIGURES = ("arg_f1", "arg_f1_grounded", "task_f1", "exact_match")


def _ece(gold, predicted) -> float | None:
    scores, flags = [], []
    for g, p in zip(gold, predicted, strict=True):
        for task, ok in zip(p.tasks, correctness(g, p)[1], strict=True):
            scores += [a.score for a in task.arguments]
            flags += ok
    return None if not scores or None in scores else expected_calibration_error(scores, flags)


def row(parser, name: str, golds: dict) -> dict:
    out = {"model": name}
    for split, gold in golds.items():
        predicted = parser.parse_many([Words.of_parse(g) for g in gold])
        out[split] = {k: round(v, 3) for k, v in score(gold, predicted).as_dict().items() if k in FIGURES}
        if split == "dev":
            out["dev_ece"] = _ece(gold, predicted)
    return out


def markdown(rows: list[dict]) -> str:
    sets = [*SETS, *PARTS]
    head = "| model | " + " | ".join(f"{s} arg F1 / +class / task F1 / exact" for s in sets) + " | dev ECE |"
    lines = [head, "|" + "---|" * (len(sets) + 2)]
    for r in rows:
        cells = [" / ".join(f"{r[s][k]:.3f}" for k in FIGURES) for s in sets]
        ece = "" if r.get("dev_ece") is None else f"{r['dev_ece']:.3f}"
        lines.append(f"| {r['model']} | " + " | ".join(cells) + f" | {ece} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=[None], help="checkpoint folders (default: the shipped one)")
    ap.add_argument("--backends", nargs="+", default=["speculative", "hybrid"])
    ap.add_argument("--margins", nargs="*", type=float, default=[])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    golds = {split: read_parses(data_path(*where)) for split, where in SETS.items()}
    if len(golds["ood3"]) != 200:
        raise SystemExit("data/ood3/ood3.jsonl: expected its 200 lines in the order of its README")
    golds |= {part: golds[split][:n] for part, (split, n) in PARTS.items()}
    rows = [row(make_parser("rules"), "rules", golds)]
    for model in args.models:
        for backend in args.backends:
            rows.append(row(make_parser(backend, model), f"{model or 'shipped'} ({backend})", golds))
        for margin in args.margins:
            parser = make_parser("speculative", model)
            parser.decoder = SpeculativeDecoder(parser.decoder.grammar, margin)
            rows.append(row(parser, f"{model or 'shipped'} (margin {margin:g})", golds))
    print(json.dumps(rows, indent=2) if args.json else markdown(rows))


if __name__ == "__main__":
    main()
