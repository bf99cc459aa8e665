"""Conversions: JSONL <-> tagE CSV (lossless on the test split), JSONL -> BIO; bad CSV rows by line."""

from pathlib import Path

from agent.annotate import Problems, read_tage_csv, to_bio, to_tage_csv
from decoding.files import read_parses

TEST = Path(__file__).resolve().parents[3] / "data" / "tage" / "test.jsonl"


def test_test_split_round_trips_through_tage_csv(tmp_path):
    gold = read_parses(TEST)
    path = tmp_path / "test.csv"
    path.write_text(to_tage_csv(gold), encoding="utf-8")
    problems = Problems(str(path))
    assert read_tage_csv(path, problems) == gold and not problems


def test_bad_rows_are_reported_and_the_rest_read(tmp_path):
    good = to_tage_csv(read_parses(TEST)[:2]).splitlines()
    path = tmp_path / "bad.csv"
    outside = "pick the cup,0 0 Picking ; 7 7 Theme,picking : pick , theme : x :cup"
    rows = [good[0], good[1], outside, "only one column", good[2]]
    path.write_bytes("\n".join(rows).encode() + b"\nbad \xff,0 0 X,x : y\n")
    problems = Problems(str(path))
    parses = read_tage_csv(path, problems)
    assert len(parses) == 2
    assert [(p.where, p.message.split(" ")[0]) for p in problems.items] == [
        ("line 3", "span"), ("line 4", "row"), ("line 6", "not")]


def test_bio_has_one_column_per_task_and_notes_overlaps():
    gold = read_parses(TEST)
    text, notes = to_bio(gold[:2])
    block = text.split("\n\n")[1].splitlines()
    assert block[0].startswith("# text = turn to the left") and block[1] == "turn\tB-Rotation\tO\tO\tO"
    _, all_notes = to_bio(gold)
    assert notes == [] and len(all_notes) == 76
