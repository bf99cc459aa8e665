"""Pre-annotation on a local Ray with 2 workers: the same output, line for line, as one process."""

from pathlib import Path

import pytest

from agent.annotate.pre import pre_annotate
from agent.defaults import rule_parser
from decoding.files import read_parses
from decoding.parser import Words

pytest.importorskip("ray.data")

TEST = Path(__file__).resolve().parents[3] / "data" / "tage" / "test.jsonl"


def test_two_local_workers_write_what_one_process_writes(tmp_path):
    from agent.annotate.distributed import pre_annotate_ray

    items = ([Words.of_parse(p) for p in read_parses(TEST)] * 4)[:2000]
    single, distributed = tmp_path / "single.jsonl", tmp_path / "ray.jsonl"
    pre_annotate(items, single, rule_parser().parse_many)
    pre_annotate(items[:300], distributed, rule_parser().parse_many)  # a run stopped early: Ray resumes it
    result = pre_annotate_ray(items, distributed, "rules", batch=64, chunk=256, workers=2)
    assert (result.skipped, result.written) == (300, 1700)
    assert distributed.read_bytes() == single.read_bytes()
