"""Tests of `decoding.files`: atomic writes and line-numbered reading of JSONL parses."""

import json
import os
import stat

import pytest

from decoding.errors import DataError
from decoding.files import read_jsonl, read_parses, read_text, replacing, write_atomic, write_parses
from decoding.parse import Parse

PARSE = {"instruction": "pick the cup", "tokens": ["pick", "the", "cup"],
         "tasks": [{"type": "Picking", "trigger": {"start": 0, "end": 0, "text": "pick"},
                    "arguments": [{"role": "Theme", "span": {"start": 2, "end": 2, "text": "cup"},
                                   "grounding": "cup"}]}]}


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_writes_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    write_atomic(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    write_atomic(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert _leftovers(target.parent) == []


def test_write_atomic_gives_the_usual_file_mode(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def _umask_called(_mask):
    raise AssertionError("os.umask() changes the mask of every thread of the process while it is read")


def test_write_atomic_follows_the_umask_without_setting_it(tmp_path, monkeypatch):
    previous = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", _umask_called)
        write_atomic(tmp_path / "out.txt", "x")
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o640


def test_replacing_leaves_the_old_file_when_the_block_fails(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), replacing(target) as f:
        f.write(b"half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_write_atomic_writes_bytes(tmp_path):
    write_atomic(tmp_path / "out.bin", b"\x00\xff")
    assert (tmp_path / "out.bin").read_bytes() == b"\x00\xff"


def test_text_that_cannot_be_encoded_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \ud800 written")  # a lone surrogate cannot be encoded as UTF-8
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_failure_after_writing_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_failed_rename_leaves_no_temp_file(tmp_path):
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomic(target, "text")
    assert (target / "inside").is_dir()
    assert _leftovers(tmp_path) == []


def test_read_text_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"missing\.txt: cannot read"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="cannot read"):
        read_text(tmp_path)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.txt: not UTF-8 text"):
        read_text(latin)


def test_read_jsonl_numbers_lines_and_skips_blank_ones(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n  \n[2]\n', encoding="utf-8")
    assert read_jsonl(path) == [(1, {"a": 1}), (4, [2])]


def test_read_jsonl_names_the_bad_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n{"a": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"rows\.jsonl:3: not JSON"):
        read_jsonl(path)


def test_parses_round_trip_through_jsonl(tmp_path):
    parse = Parse.model_validate(PARSE)
    path = tmp_path / "parses.jsonl"
    write_parses(path, [parse, parse])
    assert read_parses(path) == [parse, parse]
    assert "char_start" not in path.read_text(encoding="utf-8")  # None offsets are left out


@pytest.mark.parametrize(("bad", "message"), [
    ({**PARSE, "tokens": ["pick", "the"]}, r"bad\.jsonl:2: not a valid Parse: .*outside the 2 tokens"),
    ({**PARSE, "extra": True}, r"bad\.jsonl:2: not a valid Parse: extra: Extra inputs"),
    ({"instruction": "x"}, r"bad\.jsonl:2: not a valid Parse: tokens: Field required"),
    ([1, 2], r"bad\.jsonl:2: not a valid Parse"),
])
def test_read_parses_names_the_bad_line(tmp_path, bad, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(PARSE) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_parses(path)


def test_read_parses_counts_further_problems(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"tasks": 3}) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"and 2 more"):
        read_parses(path)
