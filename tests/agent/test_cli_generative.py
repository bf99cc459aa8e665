"""End-to-end tests of the generative baseline through the `tage` console script: eval, train, bad input."""

import json
import shutil
from pathlib import Path

import pytest

from .test_cli import DATA, _assert_clean_failure, _jsonl, _test_lines
from .test_cli import tage as _tage

SHIPPED = DATA.parent / "models" / "generative"


def _gold(tmp_path: Path, n: int) -> Path:
    """The first `n` instructions of the test split, as a file."""
    return _jsonl(tmp_path / "gold.jsonl", _test_lines(n))


def test_eval_scores_a_generative_backend(tmp_path):
    run = _tage("eval", "--data", _gold(tmp_path, 4), "--backend", "generative-speculative", "--json",
                cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["backend"] == "generative-speculative" and report["n"] == 4
    assert 0 < report["arg_f1"] <= 1 and 0 <= report["valid_rate"] <= 1


def test_eval_unknown_backend_lists_the_generative_ones(tmp_path):
    run = _tage("eval", "--data", _gold(tmp_path, 1), "--backend", "generative-beam", cwd=tmp_path)
    _assert_clean_failure(run, "generative-beam", "generative-outlines", "generative-speculative", "speculative")


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "absent"


def _bad_metadata(tmp_path: Path) -> Path:
    folder = shutil.copytree(SHIPPED, tmp_path / "ckpt")
    (folder / "generative.json").write_text("{not json", encoding="utf-8")
    return folder


def _truncated_weights(tmp_path: Path) -> Path:
    folder = shutil.copytree(SHIPPED, tmp_path / "ckpt")
    weights = folder / json.loads((folder / "generative.json").read_text())["weights"] / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:4096])
    return folder


def _other_weights(tmp_path: Path) -> Path:  # whole, but not the weights that generative.json names
    folder = shutil.copytree(SHIPPED, tmp_path / "ckpt")
    weights = folder / json.loads((folder / "generative.json").read_text())["weights"] / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-2] ^= 1
    weights.write_bytes(bytes(data))
    return folder


@pytest.mark.parametrize("make_checkpoint", [_missing, _bad_metadata, _truncated_weights, _other_weights])
def test_eval_with_a_bad_generative_checkpoint_exits_2(tmp_path, make_checkpoint):
    folder = make_checkpoint(tmp_path)
    run = _tage("eval", "--data", _gold(tmp_path, 1), "--backend", "generative-constrained",
                "--model", folder, cwd=tmp_path)
    _assert_clean_failure(run, str(folder), "not a generative checkpoint")


def test_train_the_generative_baseline_then_eval_it(tmp_path):
    lines = (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    data, out = _jsonl(tmp_path / "train.jsonl", lines), tmp_path / "generative"
    run = _tage("train", "--model", "generative", "--train", data, "--dev", data, "--epochs", "1", "--out", out,
                cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "epoch 1 " in run.stdout and f"saved to {out}" in run.stdout
    assert json.loads((out / "generative.json").read_text())["best_epoch"] == 1
    run = _tage("eval", "--data", _gold(tmp_path, 1), "--backend", "generative-speculative",
                "--model", out, "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["n"] == 1
