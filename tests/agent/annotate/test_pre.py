"""Pre-annotation: resumable, chunked atomic writes; SIGKILL at random moments loses no line and doubles none."""

import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from agent.annotate.pre import append_atomic, done_lines, pre_annotate
from agent.annotate.problems import AnnotationError
from agent.defaults import rule_parser
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.parser import Words
from tests.kills import kill_at_random_moments, trials

TEST = Path(__file__).resolve().parents[3] / "data" / "tage" / "test.jsonl"


@pytest.fixture(scope="module")
def items() -> list[Words]:
    return [Words.of_parse(p) for p in read_parses(TEST)]


def _run(items, out, chunk=8):
    return pre_annotate(items, out, rule_parser().parse_many, batch=4, chunk=chunk)


def _check_prefix(out: Path, items) -> int:
    """The output is whole lines, each a valid Parse of the next input instruction; returns how many."""
    if not out.exists():
        return 0
    lines = out.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "", "the file ends inside a line"
    for line, words in zip(lines[:-1], items, strict=False):
        assert Parse.model_validate_json(line).instruction == words.instruction
    return len(lines) - 1


def test_rerun_skips_what_is_done(items, tmp_path):
    out = tmp_path / "pre.jsonl"
    first = _run(items[:20], out)
    again = _run(items[:30], out)
    assert (first.written, again.skipped, again.written) == (20, 20, 10)
    assert _check_prefix(out, items) == 30


def test_output_of_another_input_is_refused(items, tmp_path):
    out = tmp_path / "pre.jsonl"
    _run(items[:5], out)
    with pytest.raises(AnnotationError, match=r"pre.jsonl:1: holds"):
        done_lines(out, items[5:10])


def test_append_atomic_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "x.jsonl"
    append_atomic(out, "a\n")
    append_atomic(out, "b\n")
    assert out.read_text() == "a\nb\n" and os.listdir(tmp_path) == ["x.jsonl"]


def test_append_atomic_gives_the_usual_file_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        append_atomic(tmp_path / "x.jsonl", "a\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "x.jsonl").stat().st_mode) == 0o644


def _child(items, out):
    _run(items, out)


def test_sigkill_at_random_moments_loses_and_doubles_nothing(items, tmp_path):
    reference = tmp_path / "reference.jsonl"
    started = time.perf_counter()
    _run(items, reference)
    full = time.perf_counter() - started
    out, fork = tmp_path / "killed.jsonl", multiprocessing.get_context("fork")

    def start():
        child = fork.Process(target=_child, args=(items, out))
        child.start()
        return child

    # each kill short enough that the 20 land before the run ends; every state at least the one before it
    states = kill_at_random_moments(start, lambda: _check_prefix(out, items), trials(20), full / 10)
    assert states == sorted(states), f"a kill lost lines written by an earlier run: {states}"
    done = states[-1]
    print(f"lines done after each of the {len(states)} kills: {states}")
    result = _run(items, out)
    assert not list(tmp_path.glob(".*.tmp")), "the rerun leaves no temporary file of a killed run"
    assert result.skipped == done and result.skipped + result.written == len(items)
    assert out.read_bytes() == reference.read_bytes()
    assert [json.loads(line)["instruction"] for line in out.read_text().splitlines()] == [
        w.instruction for w in items]
