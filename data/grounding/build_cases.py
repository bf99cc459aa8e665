"""Build `cases.jsonl` from the hand-written `cases.yaml`: each case's tasks become a gold `Parse` via the tagE reader.

Run from the repository root: `python data/grounding/build_cases.py [SOURCE.yaml ...]` (default `cases.yaml`); each
SOURCE.yaml is written beside itself as SOURCE.jsonl. A task is written as
``Type:trigger words | Role:argument words:class | ...``; words are found in the instruction (first occurrence,
or the k-th with ``words@k``; triggers are searched after the previous task's trigger). The script writes the
tagE span form and text form of every case and reads them back with `decoding.tage_format.read_row`, so every gold
parse is a real `Parse` built the way the dataset's are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from decoding.files import write_atomic  # noqa: E402
from decoding.tage_format import read_row  # noqa: E402

# Attribute marks the annotators put on argument words (tagE attribute types).
MARKS = {"isColour": {"red", "blue", "green", "white", "black", "gray", "grey", "brown", "yellow", "silver"},
         "isMaterial": {"wooden", "wood", "metal", "plastic", "ceramic", "glass"},
         "isSize": {"small", "big", "large", "little", "tall", "tiny"}}


def find(tokens: list[str], words: str, after: int = 0) -> tuple[int, int]:
    """(start, end) of `words` (optionally ``words@k``) in `tokens`, searching from index `after`."""
    phrase, _, nth = words.partition("@")
    target, seen = phrase.lower().split(), 0
    for i in range(after, len(tokens) - len(target) + 1):
        if [t.lower() for t in tokens[i:i + len(target)]] == target:
            seen += 1
            if seen == int(nth or 1):
                return i, i + len(target) - 1
    raise ValueError(f"{words!r} not in {' '.join(tokens)!r}")


def forms(text: str, tasks: list[str]) -> tuple[str, str]:
    """The tagE span form and text form of `tasks` over `text`."""
    tokens, spans, texts, cursor = text.split(), [], [], 0
    for task in tasks:
        head, *args = [p.strip() for p in task.split("|")]
        kind, trigger = (s.strip() for s in head.split(":", 1))
        ts, te = find(tokens, trigger, cursor)
        cursor = ts + 1
        entries, text_parts = [f"{ts} {te} {kind}"], [f"{kind.lower()} : {' '.join(tokens[ts:te + 1]).lower()}"]
        for arg in args:
            role, words, cls = ([s.strip() for s in arg.split(":")] + ["unk"])[:3]
            s, e = find(tokens, words)
            marks = "".join(f" -{i} {i} {m}" for i in range(s, e + 1) for m, ws in MARKS.items()
                            if tokens[i].lower() in ws and i < e)
            entries.append(f"{s} {e} {role}{marks}")
            text_parts.append(f"{role.lower()} : {' '.join(tokens[s:e + 1]).lower()} :{cls}")
        spans.append(" ; ".join(entries))
        texts.append(" , ".join(text_parts))
    return " | ".join(spans), " ; ".join(texts)


def _key(key: str) -> dict:
    """ "1.Theme" -> task 1, role Theme; "1.Goal#2" -> the second Goal; "1.-" -> task 1 itself (no role)."""
    task, role = key.split(".", 1)
    role, _, nth = role.partition("#")
    return {"task": int(task), "role": None if role == "-" else role, "nth": int(nth or 1)}


def expected(case: dict) -> dict:
    bindings = [{**_key(k), "node": v} for k, v in (case.get("bind") or {}).items()]
    bindings += [{**_key(k), "node": None} for k in list(case.get("ask") or {}) + list(case.get("err") or {})
                 if not k.endswith(".-")]
    return {"bindings": bindings,
            "clarifications": [{**_key(k), "candidates": sorted(v)} for k, v in (case.get("ask") or {}).items()],
            "errors": [{**_key(k), "code": v} for k, v in (case.get("err") or {}).items()],
            "plan": case.get("plan")}


def build(case: dict) -> dict:
    span_form, text_form = forms(case["say"], case["tasks"])
    parse, _ = read_row(case["say"], span_form, text_form)
    return {"id": case["id"], "scene": case["scene"], "instruction": case["say"],
            "parse": parse.model_dump(mode="json", exclude_none=True), "expected": expected(case),
            "phenomena": case.get("phenomena", [])}


def main(argv: list[str]) -> None:
    for source in [Path(a) for a in argv] or [HERE / "cases.yaml"]:
        build_file(source)


def build_file(source: Path) -> None:
    cases = yaml.safe_load(source.read_text(encoding="utf-8"))
    ids = [c["id"] for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case ids: {sorted(duplicates)}")
    rows = []
    for case in cases:
        try:
            rows.append(build(case))
        except Exception as err:  # noqa: BLE001 - name the case, then stop
            raise SystemExit(f"case {case.get('id')}: {err}") from err
    out = source.with_suffix(".jsonl")
    write_atomic(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"wrote {len(rows)} cases to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
