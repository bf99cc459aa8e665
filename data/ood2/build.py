#!/usr/bin/env python3
"""Build data/ood2/ood2.jsonl from data/ood2/source.yaml (or another held-out set written in the same syntax).

Run from anywhere:  /work/main/.venv/bin/python data/ood2/build.py [SOURCE.yaml OUT.jsonl]
(default: data/ood2/source.yaml -> data/ood2/ood2.jsonl; data/ood3/ and data/ood4/ are built with this script too)

source.yaml maps a style name to a list of entries:

    spoken:
      - text: "uh, could you, like, grab the red mug off the counter?"
        tasks:
          - "Picking grab | Agent: you | Theme: red mug = cup {isColour: red} | Source: counter = counter"

One string per task, in the order of the tasks in the text. Fields are separated by " | ":
  * first field:  `TaskType trigger words`
  * each further: `Role: span words = class {AttrType: words; AttrType: words}`
      - `Role1+Role2: ...` gives two arguments with the same span and class (Goal+Area, Source+Containing_object);
        attribute marks go on the first of them only;
      - `= class` is required for object roles (OBJECT_ROLES below); otherwise it defaults to `unk`;
      - `{...}` is optional; attribute words are looked for inside the argument's span first, then in the whole
        instruction.
  * Words are matched against the tokens, case-sensitively. A word sequence that occurs more than once must say
    which occurrence it means: `left@2` (1-based). An ambiguous or missing sequence is an error.

Tokenisation: tagE text is plain words separated by whitespace; ours also has punctuation and contractions, so
punctuation is split off first (leading `"([{`, trailing `.,!?;:)]}"` and `...`), then the clitics `n't 's 're 've
'll 'd 'm` are split off the end of a word (`don't` -> `do n't`, `it's` -> `it 's`), then whitespace splits.
Hyphenated words (`fridge-freezer`, `forty-five`) and apostrophes inside words (`y'know`) stay one token.

Every task type, role, grounding class and attribute type must be in data/tage/raw/labels/*.txt. Any problem
stops the build with exit status 2 and a message naming the style, the entry and the problem; nothing is written.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
from decoding.parse import Parse  # noqa: E402  (the data model only)

LABELS = ROOT / "data" / "tage" / "raw" / "labels"
OBJECT_ROLES = {"Theme", "Goal", "Source", "coGoal", "coSource", "Recipient", "Cotheme", "Device",
                "Container_portal", "Containing_object", "Area"}
LEAD = '"([{'
TRAIL = '.,!?;:)]}"'
CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")


class BuildError(Exception):
    pass


def labels(name: str) -> set[str]:
    return {line.strip() for line in (LABELS / name).read_text().splitlines() if line.strip()}


def tokenize(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in re.finditer(r"\S+", text):
        s, e = m.start(), m.end()
        lead, trail = [], []
        while s < e and text[s] in LEAD:
            lead.append((s, s + 1))
            s += 1
        while s < e:
            if e - s > 3 and text[e - 3:e] == "..." or text[s:e] == "...":
                trail.insert(0, (e - 3, e))
                e -= 3
            elif text[e - 1] in TRAIL:
                trail.insert(0, (e - 1, e))
                e -= 1
            else:
                break
        mid = []
        if s < e:
            word = text[s:e].lower()
            for c in CLITICS:
                if word.endswith(c) and len(word) > len(c):
                    mid = [(s, e - len(c)), (e - len(c), e)]
                    break
            else:
                mid = [(s, e)]
        out += lead + mid + trail
    return [(text[a:b], a, b) for a, b in out]


def occurrences(words: list[str], seq: list[str], lo: int = 0, hi: int | None = None) -> list[int]:
    hi = len(words) if hi is None else hi
    n = len(seq)
    return [i for i in range(lo, hi - n + 1) if words[i:i + n] == seq]


def find(words: list[str], phrase: str, what: str, within: tuple[int, int] | None = None) -> tuple[int, int]:
    phrase = phrase.strip()
    nth = None
    m = re.fullmatch(r"(.*\S)@(\d+)", phrase)
    if m:
        phrase, nth = m.group(1), int(m.group(2))
    seq = phrase.split()
    if not seq:
        raise BuildError(f"{what}: empty span")
    if within is not None and nth is None:
        hits = occurrences(words, seq, within[0], within[1] + 1)
        if len(hits) == 1:
            return hits[0], hits[0] + len(seq) - 1
    hits = occurrences(words, seq)
    if not hits:
        raise BuildError(f"{what}: words {phrase!r} are not in the tokens {words}")
    if nth is None:
        if len(hits) > 1:
            raise BuildError(f"{what}: words {phrase!r} occur {len(hits)} times; say which with @N")
        nth = 1
    if nth > len(hits):
        raise BuildError(f"{what}: {phrase!r}@{nth} but it occurs only {len(hits)} time(s)")
    i = hits[nth - 1]
    return i, i + len(seq) - 1


ARG = re.compile(r"^(?P<roles>[A-Za-z_+]+):\s*(?P<span>[^={}]+?)\s*(?:=\s*(?P<cls>[A-Za-z_]+))?\s*"
                 r"(?:\{(?P<attrs>[^}]*)\})?$")


def build_entry(text: str, task_strings: list[str], L: dict[str, set[str]]) -> dict:
    toks = tokenize(text)
    words = [t for t, _, _ in toks]
    offsets = [(a, b) for _, a, b in toks]

    def span(a: int, b: int) -> dict:
        return {"start": a, "end": b, "text": " ".join(words[a:b + 1]),
                "char_start": offsets[a][0], "char_end": offsets[b][1]}

    if not task_strings:
        raise BuildError("no tasks")
    tasks = []
    for k, ts in enumerate(task_strings):
        fields = [f.strip() for f in ts.split(" | ")]
        head = fields[0].split(None, 1)
        if len(head) != 2:
            raise BuildError(f"task {k}: first field {fields[0]!r} is not 'Type trigger'")
        ttype, trig = head
        if ttype not in L["tasks"]:
            raise BuildError(f"task {k}: task type {ttype!r} is not in labels/tasks.txt")
        ta, tb = find(words, trig, f"task {k} ({ttype}) trigger")
        args = []
        for f in fields[1:]:
            m = ARG.match(f)
            if not m:
                raise BuildError(f"task {k} ({ttype}): cannot read argument {f!r}")
            roles = m.group("roles").split("+")
            cls = m.group("cls")
            for r in roles:
                if r not in L["args"]:
                    raise BuildError(f"task {k} ({ttype}): role {r!r} is not in labels/args.txt")
            if cls is None:
                if any(r in OBJECT_ROLES for r in roles):
                    raise BuildError(f"task {k} ({ttype}): argument {f!r} needs '= class'")
                cls = "unk"
            if cls not in L["grounding"]:
                raise BuildError(f"task {k} ({ttype}): class {cls!r} is not in labels/grounding.txt")
            a, b = find(words, m.group("span"), f"task {k} ({ttype}) {'+'.join(roles)}")
            attrs = []
            if m.group("attrs"):
                for part in m.group("attrs").split(";"):
                    if not part.strip():
                        continue
                    if ":" not in part:
                        raise BuildError(f"task {k} ({ttype}): attribute {part!r} is not 'Type: words'")
                    at, aw = (x.strip() for x in part.split(":", 1))
                    if at not in L["attributes"]:
                        raise BuildError(f"task {k} ({ttype}): attribute type {at!r} is not in "
                                         f"labels/attributes.txt")
                    x, y = find(words, aw, f"task {k} ({ttype}) attribute {at}", within=(a, b))
                    attrs.append({"type": at, "span": span(x, y)})
            for i, r in enumerate(roles):
                args.append({"role": r, "span": span(a, b), "grounding": cls,
                             "attributes": attrs if i == 0 else []})
        tasks.append({"type": ttype, "trigger": span(ta, tb), "arguments": args})
    return {"instruction": text, "tokens": words, "offsets": offsets, "tasks": tasks}


def main() -> int:
    ap = argparse.ArgumentParser(description="Build a held-out set's JSONL from its source.yaml.")
    ap.add_argument("source", nargs="?", type=Path, default=HERE / "source.yaml")
    ap.add_argument("out", nargs="?", type=Path, default=HERE / "ood2.jsonl")
    args = ap.parse_args()
    if (len(sys.argv) > 1) != (len(sys.argv) > 2):  # SOURCE alone would write another set over ood2.jsonl
        ap.error("give both SOURCE and OUT, or neither (ood2 itself)")
    source_path, out = args.source.resolve(), args.out.resolve()
    if out == source_path or not out.parent.is_dir():
        print(f"build.py: {out}: " + ("is the source itself" if out == source_path else "no such folder"),
              file=sys.stderr)
        return 2
    L = {n: labels(f"{n}.txt") for n in ("tasks", "args", "grounding", "attributes")}
    try:
        source = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        print(f"build.py: {source_path}: cannot read: {e}", file=sys.stderr)
        return 2
    if not isinstance(source, dict):
        print(f"build.py: {source_path}: expected a mapping of style names to lists of entries", file=sys.stderr)
        return 2
    train = set()
    train_path = ROOT / "data" / "tage" / "train.jsonl"
    if train_path.exists():
        train = {json.loads(line)["instruction"].strip().lower() for line in train_path.open()}
    lines, seen = [], set()
    per_style = collections.Counter()
    per_type = collections.Counter()
    n_tasks = n_args = n_unk = 0
    tasks_per = collections.Counter()
    classes = set()
    for style, entries in source.items():
        for j, entry in enumerate(entries, 1):
            text = entry.get("text", "") if isinstance(entry, dict) else ""
            where = f"{style} #{j} {text!r}"
            try:
                if not text:
                    raise BuildError("no text")
                if text.strip().lower() in seen:
                    raise BuildError("duplicate instruction")
                if text.strip().lower() in train:
                    raise BuildError("instruction occurs in tagE train")
                seen.add(text.strip().lower())
                d = build_entry(text, entry.get("tasks") or [], L)
                p = Parse.model_validate(d)
            except BuildError as e:
                print(f"build.py: {source_path.name}: {where}: {e}", file=sys.stderr)
                return 2
            except Exception as e:  # pydantic validation
                print(f"build.py: {source_path.name}: {where}: invalid Parse: {e}", file=sys.stderr)
                return 2
            lines.append(p.model_dump_json(exclude_none=True))
            per_style[style] += 1
            tasks_per[len(p.tasks)] += 1
            for t in p.tasks:
                n_tasks += 1
                per_type[t.type] += 1
                for a in t.arguments:
                    n_args += 1
                    n_unk += a.grounding == "unk"
                    classes.add(a.grounding)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".jsonl")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o644)  # mkstemp's file is the owner's alone; the data set is for everyone who reads the repo
    os.replace(tmp, out)
    print(f"instructions: {len(lines)}   tasks: {n_tasks}   arguments: {n_args}")
    print("per style: " + ", ".join(f"{s} {n}" for s, n in per_style.items()))
    print("tasks per instruction: " + ", ".join(f"{k}: {v}" for k, v in sorted(tasks_per.items())))
    print("per task type:")
    for t in sorted(L["tasks"]):
        print(f"  {t:<28} {per_type[t]:>4}")
    print(f"grounding: unk {n_unk} of {n_args} arguments, {len(classes)} classes used")
    print(f"wrote {os.path.relpath(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
