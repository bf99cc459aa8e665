"""Validity under fuzzing: every constrained backend's output on N random instructions must satisfy the schema
vocabulary and the skill library's output grammar.

    python benchmarks/fuzz.py --n 10000
"""

import argparse
import json
import random

from agent.defaults import default_vocabulary, load_library
from agent.parsers import make_parser
from decoding.parser import Words

_WORDS = ("pick put go turn take bring open close switch follow find cut push the a an cup mug table sofa couch it "
          "them me you left right and then to from on in into red blue big kitchen bedroom there here ??? 3 42 é "
          "über x {\" \\ , . ! to the to the").split()


def fuzzed(n: int, seed: int = 0) -> list[str]:
    """`n` instructions: word salad from the task vocabulary, random characters, repetitions, edge lengths."""
    rng = random.Random(seed)
    out = ["", " ", "\t\n", "and", "it it it", "the " * 60]
    while len(out) < n:
        kind = rng.random()
        if kind < 0.7:
            out.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 40))))
        elif kind < 0.9:
            out.append("".join(chr(rng.randint(32, 0x2FF)) for _ in range(rng.randint(1, 80))))
        else:
            out.append(" ".join([rng.choice(_WORDS)] * rng.randint(1, 60)))
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--backends", nargs="+", default=["constrained", "speculative"])
    args = ap.parse_args()
    words = [Words.of(text) for text in fuzzed(args.n)]
    vocabulary, report = default_vocabulary(), {"n": args.n}
    for name in args.backends:
        parser = make_parser(name, library=load_library())
        # longer than the model's window: parsed in pieces (decoding.windows), counted apart
        report["longer_than_window"] = sum(len(w.tokens) > parser.model.config.max_words for w in words)
        parses = parser.parse_many(words)
        spec = parser.decoder.grammar.spec
        invalid = [p.instruction for p in parses if vocabulary.problems(p) or spec.problems(p)]
        report[name] = {"valid_rate": 1 - len(invalid) / len(parses), "invalid_examples": invalid[:5],
                        "with_tasks": sum(bool(p.tasks) for p in parses)}
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
