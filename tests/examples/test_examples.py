"""The runnable scripts of examples/: each runs to the end and prints what it promises."""

import json
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(name: str, args: list[str], monkeypatch) -> int:
    monkeypatch.setattr(sys, "argv", [name, *args])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    return done.value.code


def test_household_session(monkeypatch, capsys):
    assert run_example("household_session.py", [], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "robot: Which mug do you mean" in out and "success: 4 of 4" in out
    assert "mug_red is now with: user; milk on: ['kitchen_table']; tv on: True" in out


def test_ai2thor_plan_exports_thor_metadata(monkeypatch, capsys, tmp_path):
    out_file = tmp_path / "after.json"
    assert run_example("ai2thor_plan.py", [str(out_file)], monkeypatch) == 0
    objects = json.loads(out_file.read_text())
    egg = next(o for o in objects if o["objectType"] == "Egg")
    assert egg["parentReceptacles"] == ["Microwave|-02.58|+00.90|+02.44"]
    assert "Microwave isOpen: True, isToggled: True" in capsys.readouterr().out


def test_plan_success(monkeypatch, capsys):
    import re

    assert run_example("plan_success.py", ["--gold-only"], monkeypatch) == 0
    cases = (Path(__file__).resolve().parents[2] / "data" / "grounding" / "cases.jsonl").read_text().splitlines()
    found = re.search(r"gold parses: plan success 1\.000 over (\d+) cases expected to complete \(.* of all (\d+)\)",
                      capsys.readouterr().out)
    assert found and int(found[2]) == len(cases) and int(found[1]) > len(cases) // 2  # every case read, most run
