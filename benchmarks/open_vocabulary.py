"""Open-vocabulary naming on the grounding cases: the threshold and margin chosen on the dev split (a third of the
case ids by SHA-256, `grounding.evaluate.case_split`), then accuracy with the lexicon alone, embeddings alone and
both, on dev and on the other part (test), from gold parses.

Run from the repository root: `python benchmarks/open_vocabulary.py [--cases FILE] [--write] [--json]`.
`--write` stores the chosen values in data/lexicon/open_vocabulary.yaml.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grounding import SkillLibrary, evaluate_cases  # noqa: E402
from grounding.embed import MiniLMEmbedder  # noqa: E402
from grounding.vocabulary import OpenVocabulary, default_settings_path  # noqa: E402

THRESHOLDS = [round(0.30 + 0.05 * k, 2) for k in range(13)]   # 0.30 ... 0.90
MARGINS = [0.0, 0.02, 0.05, 0.1]
FIGURES = ("grounding_accuracy", "clarification_precision", "clarification_recall", "error_code_accuracy")


def _scores(cases: Path, library: SkillLibrary, split: str, vocabulary: OpenVocabulary | None) -> dict:
    report = evaluate_cases(cases, library, split=split, vocabulary=vocabulary)
    return {"n": report["n"]} | {k: report[k] for k in FIGURES}


def choose(cases: Path, library: SkillLibrary, embedder: MiniLMEmbedder) -> tuple[float, float, list]:
    """The (threshold, margin) of the best summed dev accuracy of embeddings alone and both, and every point of
    the sweep. Ties go to the lowest threshold (the most words named by meaning at no loss on dev), then to the
    widest margin (close scores asked about rather than guessed)."""
    sweep = []
    for threshold, margin in itertools.product(THRESHOLDS, MARGINS):
        accuracy = [_scores(cases, library, "dev", OpenVocabulary(embedder, threshold, margin, mode))
                    ["grounding_accuracy"] for mode in ("embeddings", "both")]
        sweep.append({"threshold": threshold, "margin": margin, "embeddings": accuracy[0], "both": accuracy[1]})
    best = max(sweep, key=lambda p: (p["embeddings"] + p["both"], -p["threshold"], p["margin"]))
    return best["threshold"], best["margin"], sweep


def run(cases: Path) -> dict:
    library, embedder = SkillLibrary.load(ROOT / "skills"), MiniLMEmbedder()
    threshold, margin, sweep = choose(cases, library, embedder)
    table = {}
    for split in ("dev", "test"):
        for mode in ("lexicon", "embeddings", "both"):
            vocabulary = None if mode == "lexicon" else OpenVocabulary(embedder, threshold, margin, mode)
            table[f"{split}/{mode}"] = _scores(cases, library, split, vocabulary)
    return {"cases": str(cases), "threshold": threshold, "margin": margin, "table": table, "sweep": sweep}


def _write(report: dict) -> None:
    from decoding.files import write_atomic

    text = (f"# Open-vocabulary naming (grounding/vocabulary.py): a phrase the lexicon cannot name is matched by the\n"
            f"# cosine of its all-MiniLM-L6-v2 sentence embedding with each node's name, class and aliases.\n"
            f"threshold: {report['threshold']}   # cosine a phrase needs with a node's term\n"
            f"margin: {report['margin']}      # nodes within this of the best are as good: a clarification\n"
            f"chosen_on: \"dev third of {Path(report['cases']).name} (case_split), "
            f"python benchmarks/open_vocabulary.py --write\"\n")
    write_atomic(default_settings_path(), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "data" / "grounding" / "cases.jsonl")
    parser.add_argument("--write", action="store_true", help="store the chosen values as the shipped settings")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.cases)
    if args.write:
        _write(report)
    if args.json:
        print(json.dumps(report))
        return
    print(f"chosen on dev: threshold {report['threshold']}, margin {report['margin']}")
    print(f"{'split/mode':<16} {'n':>4} " + " ".join(f"{f[:22]:>24}" for f in FIGURES))
    for name, row in report["table"].items():
        cells = " ".join(f"{'n/a' if row[f] is None else format(row[f], '.4f'):>24}" for f in FIGURES)
        print(f"{name:<16} {row['n']:>4} {cells}")


if __name__ == "__main__":
    main()
