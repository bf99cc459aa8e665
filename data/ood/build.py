"""Build data/ood/ood.jsonl from the hand-written annotations in data/ood/source.yaml.

    cd /work/main && .venv/bin/python data/ood/build.py

Source format (one YAML list entry per instruction):

    - id: polite-001
      style: polite
      text: "Could you grab the laptop from the desk, please?"
      tasks:
        - "Picking: grab | Agent: you | Theme: laptop =laptop | Source: desk =table"

A task is `Type: trigger words`, then ` | `-separated arguments `Role: span words [=class] [{Attr: words; ...}]`.
Words are tokens as `decoding.tokenize.tokenize` cuts them (`do n't`, `There 's`), matched case-insensitively.
A word sequence that occurs more than once must say which occurrence: `cup@2` (1-based). An attribute's words
are looked up inside its argument's span first, then in the whole instruction. The class defaults to `unk`.
Every label is checked against data/tage/raw/labels/*.txt; any problem stops the build, naming the entry.
The output is written atomically (temp file + os.replace). Counts per style and per task type are printed.
"""
from __future__ import annotations

import collections
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from decoding.parse import Parse  # noqa: E402  (black box: the project's Parse model)
from decoding.tokenize import tokenize  # noqa: E402  (black box: the project's tokenizer)

HERE = Path(__file__).resolve().parent
LABELS = ROOT / "data" / "tage" / "raw" / "labels"
STYLES = ["polite", "vocative", "indirect", "check", "chain", "relative", "nested", "negation", "plural",
          "long", "vocab", "casual"]


def labels(name: str) -> set[str]:
    return {w for w in (LABELS / name).read_text().split() if w}


TASKS, ROLES = labels("tasks.txt"), labels("args.txt")
CLASSES, ATTRS = labels("grounding.txt"), labels("attributes.txt")


class BuildError(Exception):
    pass


def occurrences(tokens: list[str], words: list[str]) -> list[int]:
    low = [t.lower() for t in tokens]
    w = [x.lower() for x in words]
    return [i for i in range(len(low) - len(w) + 1) if low[i:i + len(w)] == w]


def split_occ(text: str) -> tuple[list[str], int | None]:
    text = text.strip()
    m = re.fullmatch(r"(.+?)@(\d+)", text)
    if m:
        text, n = m.group(1), int(m.group(2))
    else:
        n = None
    words = text.split()
    if not words:
        raise BuildError("empty span")
    return words, n


def locate(tokens, text: str, what: str, inside: tuple[int, int] | None = None) -> tuple[int, int]:
    words, n = split_occ(text)
    occ = occurrences(tokens, words)
    if not occ:
        raise BuildError(f"{what}: words {' '.join(words)!r} not found in tokens {tokens}")
    if n is not None:
        if n < 1 or n > len(occ):
            raise BuildError(f"{what}: {' '.join(words)!r} has {len(occ)} occurrence(s), asked for @{n}")
        s = occ[n - 1]
    else:
        if inside is not None:
            inner = [i for i in occ if inside[0] <= i and i + len(words) - 1 <= inside[1]]
            if len(inner) == 1:
                return inner[0], inner[0] + len(words) - 1
        if len(occ) > 1:
            raise BuildError(f"{what}: {' '.join(words)!r} occurs {len(occ)} times; say which with @N")
        s = occ[0]
    return s, s + len(words) - 1


ARG_RE = re.compile(r"^(?P<role>\w+)\s*:\s*(?P<span>[^={}]+?)\s*(?:=\s*(?P<cls>\w+))?\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")


def build_entry(entry: dict) -> Parse:
    text = entry["text"]
    tokens, offsets = tokenize(text)
    tokens, offsets = list(tokens), [list(o) for o in offsets]
    base = Parse(instruction=text, tokens=tokens, offsets=offsets, tasks=[])
    tasks = []
    if not entry.get("tasks"):
        raise BuildError("no tasks")
    for ti, tstr in enumerate(entry["tasks"]):
        parts = [p.strip() for p in tstr.split("|")]
        head = parts[0]
        if ":" not in head:
            raise BuildError(f"task {ti}: expected 'Type: trigger', got {head!r}")
        ttype, trig = (x.strip() for x in head.split(":", 1))
        if ttype not in TASKS:
            raise BuildError(f"task {ti}: unknown task type {ttype!r}")
        ts, te = locate(tokens, trig, f"task {ti} ({ttype}) trigger")
        args = []
        for ai, astr in enumerate(parts[1:]):
            m = ARG_RE.match(astr)
            if not m:
                raise BuildError(f"task {ti} argument {ai}: cannot read {astr!r}")
            role, cls = m.group("role"), m.group("cls") or "unk"
            if role not in ROLES:
                raise BuildError(f"task {ti} argument {ai}: unknown role {role!r}")
            if cls not in CLASSES:
                raise BuildError(f"task {ti} argument {ai} ({role}): unknown grounding class {cls!r}")
            s, e = locate(tokens, m.group("span"), f"task {ti} ({ttype}) {role}")
            attrs = []
            for at in filter(None, (x.strip() for x in (m.group("attrs") or "").split(";"))):
                if ":" not in at:
                    raise BuildError(f"task {ti} {role}: attribute {at!r} is not 'Type: words'")
                atype, awords = (x.strip() for x in at.split(":", 1))
                if atype not in ATTRS:
                    raise BuildError(f"task {ti} {role}: unknown attribute type {atype!r}")
                a_s, a_e = locate(tokens, awords, f"task {ti} {role} attribute {atype}", inside=(s, e))
                attrs.append({"type": atype, "span": base.span(a_s, a_e).model_dump()})
            args.append({"role": role, "span": base.span(s, e).model_dump(), "grounding": cls, "attributes": attrs})
        tasks.append({"type": ttype, "trigger": base.span(ts, te).model_dump(), "arguments": args})
    parse = Parse.model_validate({"instruction": text, "tokens": tokens, "offsets": offsets, "tasks": tasks})
    for t in parse.tasks:  # span texts must be the joined tokens
        for sp in [t.trigger] + [a.span for a in t.arguments]:
            if sp.text != " ".join(tokens[sp.start:sp.end + 1]):
                raise BuildError(f"span text mismatch {sp}")
    return parse


def tage_instructions() -> set[str]:
    out = set()
    for split in ("train", "dev", "test"):
        p = ROOT / "data" / "tage" / f"{split}.jsonl"
        if p.exists():
            for line in p.open():
                out.add(" ".join(json.loads(line)["instruction"].lower().split()))
    return out


def main() -> int:
    entries = yaml.safe_load((HERE / "source.yaml").read_text())
    seen_ids, seen_text, problems, parses = set(), set(), [], []
    tage = tage_instructions()
    for k, entry in enumerate(entries):
        eid = entry.get("id", f"#{k}")
        try:
            for field in ("id", "style", "text", "tasks"):
                if field not in entry:
                    raise BuildError(f"missing field {field!r}")
            if eid in seen_ids:
                raise BuildError("duplicate id")
            if entry["style"] not in STYLES:
                raise BuildError(f"unknown style {entry['style']!r} (one of {STYLES})")
            norm = " ".join(entry["text"].lower().split())
            if norm in seen_text:
                raise BuildError("duplicate instruction text")
            if norm in tage or re.sub(r"[^\w ]", "", norm) in tage:
                raise BuildError("instruction occurs in tagE")
            seen_ids.add(eid)
            seen_text.add(norm)
            parses.append((entry, build_entry(entry)))
        except BuildError as exc:
            problems.append(f"{eid}: {exc}")
        except Exception as exc:  # validation errors of the Parse model, YAML shape errors
            problems.append(f"{eid}: {type(exc).__name__}: {exc}")
    if problems:
        print(f"build.py: {len(problems)} problem(s); nothing written", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    out = HERE / "ood.jsonl"
    fd, tmp = tempfile.mkstemp(dir=HERE, prefix=".ood.", suffix=".jsonl.tmp")
    try:
        with os.fdopen(fd, "w") as f:
            for _, p in parses:
                f.write(p.model_dump_json(exclude_none=True) + "\n")
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(counts([e for e, _ in parses], [p for _, p in parses]))
    print(f"wrote {len(parses)} instructions to {out.relative_to(ROOT)}")
    return 0


def counts(entries, parses) -> str:
    styles = collections.Counter(e["style"] for e in entries)
    types = collections.Counter(t.type for p in parses for t in p.tasks)
    ntasks = collections.Counter(len(p.tasks) for p in parses)
    inst_with = collections.Counter(tt for p in parses for tt in {t.type for t in p.tasks})
    lines = [f"instructions: {len(parses)}   tasks: {sum(types.values())}   "
             f"arguments: {sum(len(t.arguments) for p in parses for t in p.tasks)}",
             "per style: " + ", ".join(f"{s} {styles[s]}" for s in STYLES),
             "tasks per instruction: " + ", ".join(f"{k}: {v}" for k, v in sorted(ntasks.items())),
             "per task type (tasks / instructions containing it):"]
    for t in sorted(TASKS):
        lines.append(f"  {t:28s} {types[t]:4d} / {inst_with[t]:4d}")
    classes = collections.Counter(a.grounding for p in parses for t in p.tasks for a in t.arguments)
    lines.append(f"grounding: unk {classes['unk']} of {sum(classes.values())} arguments, "
                 f"{len(classes)} classes used")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
